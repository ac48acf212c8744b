"""The search page as a citer meets it in Chromium (issue 15, "Citer"): a record found by its DOI as
people paste it and by a file's name; in English at desktop width and in French on a phone (390 px),
a map as wide as its column (and tall on a desktop), coordinate inputs whose placeholders are no
values, and a date that applies as a ticked box does. Screenshots go to /tmp/shots_h/."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

from tests.search.conftest import publish  # noqa: F401  (the fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots_h")
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
BISCAY = "CTD casts in the Bay of Biscay"
LION = "Gulf of Lion glider section"


@pytest.fixture
def site(live_server, settings):
    settings.SITE_URL = live_server.url
    settings.DOI_PROVIDER = "local"
    return live_server.url


@pytest.fixture
def records(publish):
    from repository.models import RecordFile

    records = {
        BISCAY: publish(BISCAY, boxes=[(-6, 43.5, -1, 48)], period=("2024-04-25", "2024-05-30")),
        LION: publish(LION, points=[(4.5, 42.8)], community="atmosphere", period=("2023-01-10", "2023-02-01")),
    }
    RecordFile.objects.filter(record=records[BISCAY]).update(name="pelgas_ctd_2024.nc")
    return records


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def new_page(browser, *, locale: str = "en-GB", viewport: dict = DESKTOP):
    context = browser.new_context(viewport=viewport, locale=locale)
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return context, page, errors


def hit_titles(page) -> list[str]:
    return page.locator(".hits .hit h3").all_inner_texts()


def test_a_record_is_found_by_its_doi_as_pasted_and_by_a_files_name(site, browser, records):
    context, page, errors = new_page(browser)
    page.goto(f"{site}/search")
    expect(page.locator("#results-title")).to_have_text("2 records")
    expect(page.locator("#search-q-help")).to_contain_text("a DOI or a file’s name finds its record")
    doi = records[BISCAY].doi
    for q in (f"https://doi.org/{doi.upper()}", f"doi:{doi}", "pelgas_ctd_2024.nc", "PELGAS_CTD_2024"):
        words = page.get_by_label("Words to find")
        words.fill(q)
        words.press("Enter")
        expect(page.locator("#results-title")).to_have_text("1 record")
        assert hit_titles(page) == [BISCAY], q
        assert page.get_by_label("Words to find").input_value() == q  # the query kept as typed
    shot(page, "search-by-file-name-desktop-en")
    context.close()
    assert errors == [], errors


def test_the_map_is_large_the_coordinates_are_empty_and_a_date_applies_at_once(site, browser, records):
    from django.utils import translation

    cases = [("en-GB", DESKTOP, "desktop-en"), ("fr-FR", PHONE, "phone-fr")]
    for locale, viewport, name in cases:
        language = locale[:2]
        with translation.override(language):
            latitudes, longitudes = translation.gettext("−90 to 90"), translation.gettext("−180 to 180")
        context, page, errors = new_page(browser, locale=locale, viewport=viewport)
        page.goto(f"{site}/search")
        expect(page.locator("html")).to_have_attribute("lang", language)
        expect(page.locator("#search-map")).to_have_attribute("data-ready", "land")
        # The map fills its column (phone: the page's width) and is tall enough to draw on.
        column = page.locator(".search-filters").bounding_box()
        area = page.locator("#search-map").bounding_box()
        assert area["width"] >= column["width"] - 0.5, (area, column)
        if viewport is DESKTOP:
            assert area["height"] >= 350 and area["width"] >= 360, area
        else:
            assert area["width"] >= 0.85 * viewport["width"] and area["height"] >= 300, area
        # Empty coordinates say what they take, in words that are no value.
        for side, wanted in (("north", latitudes), ("south", latitudes), ("west", longitudes), ("east", longitudes)):
            field = page.locator(f"#f-{side}")
            assert field.input_value() == ""
            assert field.get_attribute("placeholder") == wanted
            assert not re.fullmatch(r"[-−]?\d+([.,]\d+)?", wanted)  # not a number one could take for a value
        if language == "fr":
            assert latitudes == "de −90 à 90"
        shot(page, f"search-{name}")

        # A date applies as a ticked box does: no button to find at the bottom of the column.
        expect(page.locator("#results-title")).to_have_text(re.compile(r"^\s*2\b"))
        page.locator("#f-start").fill("2024-01-01")
        page.wait_for_url(re.compile(r"start=2024-01-01"))
        expect(page.locator("#results-title")).to_have_text(re.compile(r"^\s*1\b"))
        assert hit_titles(page) == [BISCAY]
        expect(page.locator("#f-start")).to_be_focused()  # where the reader was
        page.locator("#f-start").fill("")
        page.wait_for_url(lambda url: "start=" not in url)
        expect(page.locator("#results-title")).to_have_text(re.compile(r"^\s*2\b"))
        context.close()
        assert errors == [], errors
