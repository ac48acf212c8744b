"""The landing page in Chromium: the map of the extent drawn over the offline base map, the citation
copied to the clipboard (with its spoken confirmation), another citation style fetched in place,
the print layout, and a reader's view counted once however often they reload."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
# Headless Chromium says "HeadlessChrome", which COUNTER counts as a robot: a reader's browser does not.
READER_UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"


@pytest.fixture
def site(live_server, settings):
    from django.core.cache import cache

    settings.SITE_URL = live_server.url
    settings.USAGE_FLUSH_SECONDS = 0  # counts written at once, to be read back at once
    cache.clear()
    yield live_server.url
    cache.clear()


@pytest.fixture
def record(depositor, communities):
    from tests.repository.landing_support import record_create, store_bytes

    record = record_create(
        owner=depositor, community=communities["ocean"], files=[("ctd casts.nc", 4096), ("README.md", 512)]
    )
    store_bytes(record, "README.md", b"# CTD casts\n\nOne file per cast.\n")
    return record


@pytest.fixture
def context(browser, site):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB", user_agent=READER_UA)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=site)
    context.set_default_timeout(15_000)
    yield context
    context.close()


def shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def test_the_map_shows_the_extent_over_the_base_map(site, context, record):
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{site}{record.get_absolute_url()}")
    map_el = page.locator("#extent-map")
    map_el.scroll_into_view_if_needed()
    # The box, the point and the polygon, each drawn as a path of Leaflet's SVG layer.
    expect(page.locator("#extent-map")).to_have_attribute("data-shapes", "3")
    expect(page.locator("#extent-map")).to_have_attribute("data-ready", "land")
    assert map_el.locator("path.leaflet-interactive").count() == 3
    assert map_el.locator("canvas").count() >= 1  # the land, drawn on a canvas
    assert map_el.get_attribute("role") == "region" and "extent" in map_el.get_attribute("aria-label")
    # the zoom buttons are reachable and named
    assert map_el.get_by_role("button", name="Zoom in").count() == 1
    assert errors == []
    shot(page, "landing-page")


def test_the_citation_is_copied_to_the_clipboard_and_the_copy_is_announced(site, context, record):
    page = context.new_page()
    page.goto(f"{site}{record.get_absolute_url()}")
    citation = page.locator("#citation-text").inner_text()
    assert citation.startswith("Le Goff, A.; Martin, P.") and citation.endswith(f"https://doi.org/{record.doi}")
    page.get_by_role("button", name="Copy citation").click()
    expect(page.locator("#citation-status")).to_have_text(re.compile(r"\S"))
    assert page.locator("#citation-status").inner_text() == "Citation copied to the clipboard."
    assert page.evaluate("navigator.clipboard.readText()") == citation


def citation_of(record) -> str:
    from repository.landing import LandingRecord

    return LandingRecord(record).citation


def test_another_style_replaces_the_citation_in_place(site, context, record):
    page = context.new_page()
    page.goto(f"{site}{record.get_absolute_url()}")
    assert not page.get_by_role("button", name="Show").is_visible()  # the form submits itself without script only
    page.select_option("#citation-style", "apa")
    expect(page.locator("#citation-text")).to_have_attribute("data-style", "apa")
    apa = page.locator("#citation-text").inner_text()
    assert re.match(r"^Le Goff, A\., Martin, P\., & .+\(\d{4}\)\. CTD casts", apa), apa
    assert "[Data set]" in apa or "[CTD profiles]" in apa
    assert page.url == f"{site}{record.get_absolute_url()}"  # no reload
    page.get_by_role("button", name="Copy citation").click()
    expect(page.locator("#citation-status")).to_have_text(re.compile(r"\S"))
    assert page.evaluate("navigator.clipboard.readText()") == apa
    page.select_option("#citation-style", "chicago")
    expect(page.locator("#citation-text")).to_have_attribute("data-style", "chicago")
    chicago = page.locator("#citation-text").inner_text()
    assert chicago.startswith("Le Goff, Anne, Paul Martin, and ")  # full given names, as the style says
    assert "“CTD Casts of the PELGAS 2024 Cruise, Bay of Biscay.”" in chicago
    page.select_option("#citation-style", "datacite")
    assert page.locator("#citation-text").inner_text() == citation_of(record)


def test_the_printed_page_leaves_out_navigation_and_controls(site, context, record):
    page = context.new_page()
    page.goto(f"{site}{record.get_absolute_url()}")
    expect(page.locator("#extent-map")).to_have_attribute("data-shapes", "3")
    page.emulate_media(media="print")
    assert not page.locator(".site-header").is_visible()
    assert not page.locator(".site-footer").is_visible()
    assert not page.get_by_role("button", name="Copy citation").is_visible()
    assert not page.locator(".leaflet-control-zoom").is_visible()
    assert page.locator("#citation-text").is_visible() and page.locator("table.files").is_visible()
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF")


def test_a_readers_view_is_counted_once_however_often_they_reload(site, context, record):
    page = context.new_page()
    page.goto(f"{site}{record.get_absolute_url()}")
    page.reload()
    page.reload()
    assert "1 view" in page.locator("#usage-counts").inner_text()
    # A download from the page counts too.
    with page.expect_download() as download:
        page.get_by_role("link", name="Download README.md").click()
    assert download.value.suggested_filename == "README.md"
    page.reload()
    assert " ".join(page.locator("#usage-counts").inner_text().split()) == "1 view · 1 download"
