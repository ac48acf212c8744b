"""The search page as a citer meets it in Chromium (issue 15, "Citer"): a record found by its DOI as
people paste it and by a file's name. Screenshots go to /tmp/shots_h/."""

from __future__ import annotations

import os
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
