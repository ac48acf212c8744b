"""`/sitemap.xml` (an index of sections, each split in pages of at most 50,000 URLs) and
`/robots.txt`, for search engines and harvesters. URLs start with `SITE_URL`, like the landing-page
URLs registered with the DOIs (not with the domain of Django's sites framework)."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps.views import SitemapIndexItem, sitemap as django_sitemap, x_robots_tag
from django.db.models import Max
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_safe

from .models import Record

# Paths robots are asked to leave alone: the API, private pages, sign-in and the admin.
ROBOTS_DISALLOW = ("/api/", "/deposits/", "/moderation/", "/accounts/", "/admin/")


def _published():
    return Record.objects.filter(status=Record.Status.published)


class _SiteSitemap(Sitemap):
    @property
    def limit(self) -> int:  # the sitemaps.org maximum; a setting so that tests can split small
        return getattr(settings, "SITEMAP_LIMIT", 50_000)

    def get_urls(self, page=1, site=None, protocol=None):
        parts = urlsplit(settings.SITE_URL)
        return self._urls(page, parts.scheme or "https", parts.netloc + parts.path.rstrip("/"))


class RecordSitemap(_SiteSitemap):
    """Every published record's landing page (each version), last modified when harvesters must
    look again (`Record.modified`)."""

    def items(self):
        return _published().only("pk", "modified").order_by("pk")

    def lastmod(self, record: Record):
        return record.modified

    def get_latest_lastmod(self):
        return _published().aggregate(latest=Max("modified"))["latest"]


class PageSitemap(_SiteSitemap):
    """The home page and the search page, which change when a record is published or changed."""

    def items(self):
        return ["repository:home", "repository:search"]

    def location(self, name: str) -> str:
        return reverse(name)

    def lastmod(self, name: str):
        if not hasattr(self, "_latest"):
            self._latest = _published().aggregate(latest=Max("modified"))["latest"]
        return self._latest

    def get_latest_lastmod(self):
        return self.lastmod("")


SITEMAPS = {"pages": PageSitemap, "records": RecordSitemap}


@require_safe
@x_robots_tag
def sitemap_index(request):
    """The index: one entry per page of each section (`/sitemap-records.xml?p=2`...)."""
    base = settings.SITE_URL
    entries = []
    for section, sitemap_class in SITEMAPS.items():
        sitemap = sitemap_class()
        url = base + reverse("sitemap-section", kwargs={"section": section})
        lastmod = sitemap.get_latest_lastmod()
        entries.append(SitemapIndexItem(url, lastmod))
        entries += [SitemapIndexItem(f"{url}?p={page}", lastmod) for page in range(2, sitemap.paginator.num_pages + 1)]
    return TemplateResponse(
        request, "repository/sitemap_index.xml", {"sitemaps": entries}, content_type="application/xml"
    )


@require_safe
def sitemap_section(request, section: str):
    return django_sitemap(request, sitemaps=SITEMAPS, section=section, template_name="repository/sitemap.xml")


@require_safe
def robots_txt(request):
    lines = [
        "User-agent: *",
        *(f"Disallow: {path}" for path in ROBOTS_DISALLOW),
        "",
        f"Sitemap: {settings.SITE_URL}{reverse('sitemap')}",
        "",
    ]
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")
