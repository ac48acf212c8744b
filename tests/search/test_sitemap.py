"""`/sitemap.xml`, an index of sections split in pages of at most 50,000 URLs (fewer here, with
SITEMAP_LIMIT), the published records' landing pages with their last change, and `/robots.txt`."""

from __future__ import annotations

import pytest
from lxml import etree

pytestmark = pytest.mark.django_db

NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
ROLES = ("anonymous", "depositor", "moderator", "admin")


def xml(response):
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("application/xml")
    return etree.fromstring(response.content)


def locs(root) -> list[str]:
    return root.xpath("//s:loc/text()", namespaces=NS)


@pytest.fixture
def site(settings):
    settings.SITE_URL = "https://data.example.org"
    return settings.SITE_URL


def test_the_index_points_at_each_section_and_the_sections_list_the_pages(client, site, publish):
    records = [publish(f"Record {i}") for i in range(3)]
    index = xml(client.get("/sitemap.xml"))
    assert locs(index) == [f"{site}/sitemap-pages.xml", f"{site}/sitemap-records.xml"]
    assert len(index.xpath("//s:sitemap/s:lastmod", namespaces=NS)) == 2
    assert locs(xml(client.get("/sitemap-pages.xml"))) == [f"{site}/", f"{site}/search"]
    section = xml(client.get("/sitemap-records.xml"))
    assert locs(section) == [f"{site}/records/{r.pk}" for r in records]
    lastmods = section.xpath("//s:url/s:lastmod/text()", namespaces=NS)
    assert lastmods == [r.modified.isoformat() for r in records]


def test_withdrawn_records_leave_the_sitemap(client, site, publish, moderator):
    from repository.services import record_withdraw

    kept, gone = publish("Kept"), publish("Gone")
    record_withdraw(record=gone, actor=moderator, reason="duplicate", note="")
    assert locs(xml(client.get("/sitemap-records.xml"))) == [f"{site}/records/{kept.pk}"]


def test_a_section_beyond_the_limit_is_split_in_pages(client, site, publish, settings):
    settings.SITEMAP_LIMIT = 2
    records = [publish(f"Record {i}") for i in range(5)]
    index = locs(xml(client.get("/sitemap.xml")))
    assert index == [
        f"{site}/sitemap-pages.xml",
        f"{site}/sitemap-records.xml",
        f"{site}/sitemap-records.xml?p=2",
        f"{site}/sitemap-records.xml?p=3",
    ]
    pages = [locs(xml(client.get("/sitemap-records.xml", {"p": p}))) for p in (1, 2, 3)]
    assert [len(p) for p in pages] == [2, 2, 1]
    assert [url for page in pages for url in page] == [f"{site}/records/{r.pk}" for r in records]
    assert client.get("/sitemap-records.xml", {"p": 4}).status_code == 404
    assert client.get("/sitemap-nothing.xml").status_code == 404


def test_the_sitemap_runs_a_bounded_number_of_queries(client, site, publish, django_assert_max_num_queries):
    for i in range(12):
        publish(f"Record {i}")
    with django_assert_max_num_queries(6):
        client.get("/sitemap.xml")
    with django_assert_max_num_queries(4):
        client.get("/sitemap-records.xml")


def test_robots_allow_everything_but_private_paths_and_point_at_the_sitemap(client, site):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    lines = response.content.decode().splitlines()
    assert lines[0] == "User-agent: *"
    assert [line for line in lines if line.startswith("Disallow")] == [
        "Disallow: /api/",
        "Disallow: /deposits/",
        "Disallow: /moderation/",
        "Disallow: /accounts/",
        "Disallow: /admin/",
    ]
    assert "Disallow: /" not in lines and "Disallow: /records/" not in lines
    assert f"Sitemap: {site}/sitemap.xml" in lines


@pytest.mark.parametrize("role", ROLES)
def test_sitemaps_and_robots_are_the_same_for_everyone(role, request, client, site, publish):
    record = publish("Record")
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))
    assert f"{site}/records/{record.pk}" in locs(xml(client.get("/sitemap-records.xml")))
    assert client.get("/robots.txt").status_code == 200
