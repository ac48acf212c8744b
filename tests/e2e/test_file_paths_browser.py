"""Files in folders on the landing page, in Chromium (issue 17): each file is listed under its path,
its link downloads it under its own name (the browser saves a file, not a path), its format is read
from its own name, and a phone shows the path in French as well."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(os.environ.get("ESTRAN_SHOTS", Path(__file__).resolve().parents[2] / "var" / "screenshots"))
NAMES = ["profiles/2024/g123_0042.nc", "profiles/2024/g123_0043.nc", "v1.2/README", "données/été/relevé.csv"]


@pytest.fixture
def site(live_server, settings):
    settings.SITE_URL = live_server.url
    return live_server.url


@pytest.fixture
def record(depositor, communities):
    from tests.repository.landing_support import record_create, store_bytes

    record = record_create(owner=depositor, community=communities["ocean"], files=[(name, 16) for name in NAMES])
    for name in NAMES:
        store_bytes(record, name, name.encode())
    return record


def test_files_in_folders_are_listed_by_path_and_downloaded_under_their_own_name(browser, site, record):
    desktop = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB", accept_downloads=True)
    page = desktop.new_page()
    page.goto(f"{site}{record.get_absolute_url()}")

    names = page.locator("table th.file-name").all_inner_texts()
    assert sorted(names) == sorted(NAMES)
    row = page.locator("tr", has=page.locator("th.file-name", has_text="profiles/2024/g123_0042.nc"))
    assert row.locator("abbr").inner_text() == "NC"
    readme = page.locator("tr", has=page.locator("th.file-name", has_text="v1.2/README"))
    assert readme.locator("abbr").inner_text() != "2/README"

    with page.expect_download() as download:
        page.get_by_role("link", name="Download profiles/2024/g123_0042.nc").click()
    assert download.value.suggested_filename == "g123_0042.nc"
    assert Path(download.value.path()).read_bytes() == b"profiles/2024/g123_0042.nc"
    with page.expect_download() as download:
        page.get_by_role("link", name="Download données/été/relevé.csv").click()
    assert download.value.suggested_filename == "relevé.csv"
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.locator("table", has=page.locator("th.file-name")).screenshot(path=str(SHOTS / "paths-landing-desktop-en.png"))
    desktop.close()

    phone = browser.new_context(
        viewport={"width": 390, "height": 844}, locale="fr-FR", extra_http_headers={"Accept-Language": "fr"}
    )
    page = phone.new_page()
    page.goto(f"{site}{record.get_absolute_url()}")
    assert page.locator("html").get_attribute("lang") == "fr"
    assert sorted(page.locator("table th.file-name").all_inner_texts()) == sorted(NAMES)
    assert page.get_by_role("link", name="Télécharger données/été/relevé.csv").count() == 1
    page.locator("table", has=page.locator("th.file-name")).scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "paths-landing-phone-fr.png"))
    phone.close()
