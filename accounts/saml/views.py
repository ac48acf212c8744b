"""Pages of institutional sign-in: the SP metadata, the discovery page ("sign in with your
institution"), its search endpoint, and the hand-over to the chosen IdP."""

from __future__ import annotations

from allauth.socialaccount.adapter import get_adapter
from csp.decorators import csp_update
from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import get_language, gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET, require_POST

from accounts.models import IdentityProvider

from . import discovery
from .metadata import sp_metadata

RECENT_COOKIE = "estran_idps"
RECENT_MAX = 3
MAX_QUERY = 200


@require_GET
@cache_control(max_age=3600, public=True)
def metadata(request):
    """The SP metadata to register with the federation."""
    return HttpResponse(sp_metadata(), content_type="application/samlmetadata+xml")


def _recent_slugs(request) -> list[str]:
    raw = request.COOKIES.get(RECENT_COOKIE, "")
    return [s for s in raw.split(",") if s][:RECENT_MAX]


def _passthrough(request) -> dict:
    """`next` and `process` (login or connect) travel from the sign-in page to allauth."""
    source = request.POST if request.method == "POST" else request.GET
    process = source.get("process", "login")
    return {
        "next": source.get("next", ""),
        "process": process if process in ("login", "connect") else "login",
    }


@require_GET
# The institutions' logos come from the federation's metadata, each from its own host (http or https,
# as the import accepts): the one page where images from elsewhere are allowed.
@csp_update({"img-src": ["https:", "http:"]})
def discovery_page(request):
    query = request.GET.get("q", "")[:MAX_QUERY]
    results = list(discovery.search(query)) if query else []
    return render(
        request,
        "saml/discovery.html",
        {
            "query": query,
            "results": results,
            "recent": discovery.by_slugs(_recent_slugs(request)),
            "has_idps": IdentityProvider.objects.active().exists(),
            **_passthrough(request),
        },
    )


@require_GET
def discovery_search(request):
    """`?q=` → up to 20 institutions matching every word typed (name in English or French,
    domain, scope, or an e-mail address's domain)."""
    query = request.GET.get("q", "")[:MAX_QUERY]
    language = get_language()
    results = [discovery.as_json(idp, language) for idp in discovery.search(query)]
    return JsonResponse({"query": query, "results": results})


@require_POST
def institution_signin(request):
    """Send the user to the chosen IdP with a signed AuthnRequest (allauth's SAML login), and
    remember the choice for next time."""
    slug = request.POST.get("idp", "")
    idp = IdentityProvider.objects.active().filter(slug=slug).first()
    if idp is None:
        return render(
            request,
            "saml/discovery.html",
            {
                "query": "",
                "results": [],
                "recent": discovery.by_slugs(_recent_slugs(request)),
                "has_idps": IdentityProvider.objects.active().exists(),
                "error": _("This institution is not available for sign-in. Search for it again."),
                **_passthrough(request),
            },
            status=400,
        )
    provider = get_adapter().get_provider(request, "saml", client_id=idp.slug)
    response = provider.redirect_from_request(request)
    recent = [idp.slug] + [s for s in _recent_slugs(request) if s != idp.slug]
    response.set_cookie(
        RECENT_COOKIE,
        ",".join(recent[:RECENT_MAX]),
        max_age=365 * 24 * 3600,
        httponly=True,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )
    return response
