"""Download all in Chromium: the landing page's files section offers the ZIP (with the number of
files and their size), the SHA-256 checksums and the URL list; the ZIP the browser saves holds every
file with its stored SHA-256; on a phone, in French, the three fit the screen."""

from __future__ import annotations

import hashlib
import os
import re
import zipfile

import pytest
from playwright.sync_api import expect

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

READER_UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
CONTENTS = {"README.md": b"# CTD casts\n\nOne file per cast.\n", "casts/2024/ctd 001.csv": b"p,t\n5,12.5\n10,12.1\n"}


@pytest.fixture
def site(live_server, settings):
    from django.core.cache import cache

    settings.SITE_URL = live_server.url
    settings.USAGE_FLUSH_SECONDS = 0  # the page's view written at once, not left for the exit
    cache.clear()
    yield live_server.url
    cache.clear()


@pytest.fixture
def record(depositor, communities):
    from tests.repository.landing_support import record_create, store_bytes

    record = record_create(
        owner=depositor, community=communities["ocean"], files=[(name, len(data)) for name, data in CONTENTS.items()]
    )
    for name, data in CONTENTS.items():
        store_bytes(record, name, data)
    return record


def test_the_files_section_offers_download_all_checksums_and_the_url_list(site, browser, record, tmp_path):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB", user_agent=READER_UA)
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto(f"{site}{record.get_absolute_url()}")
    files = page.locator("section#files")
    zip_link = files.get_by_role("link", name=re.compile(r"^Download all \(ZIP, 2 files, \d+ bytes\)$"))
    expect(zip_link).to_be_visible()
    with page.expect_download() as download:
        zip_link.click()
    saved = tmp_path / download.value.suggested_filename
    assert saved.name == f"estran-{record.pk}.zip"
    download.value.save_as(saved)
    with zipfile.ZipFile(saved) as archive:
        assert {i.filename: hashlib.sha256(archive.read(i)).hexdigest() for i in archive.infolist()} == dict(
            record.files.values_list("name", "sha256")
        )
    checksums = files.get_by_role("link", name="Checksums (SHA-256)")
    urls = files.get_by_role("link", name="URL list")
    expect(checksums).to_be_visible()
    expect(urls).to_be_visible()
    manifest = page.request.get(site + checksums.get_attribute("href")).text()
    assert f"{hashlib.sha256(CONTENTS['README.md']).hexdigest()}  data/README.md" in manifest.splitlines()
    listed = page.request.get(site + urls.get_attribute("href")).text().splitlines()
    assert set(listed) == {
        f"{site}/records/{record.pk}/files/README.md",
        f"{site}/records/{record.pk}/files/casts/2024/ctd%20001.csv",
    }
    context.close()

    # A phone, in French: the three, in the reader's words, within the screen's width.
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="fr-FR", user_agent=READER_UA)
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto(f"{site}{record.get_absolute_url()}")
    files = page.locator("section#files")
    for name in (
        re.compile(r"^Tout télécharger \(ZIP, 2 fichiers, \d+ octets\)$"),
        "Sommes de contrôle (SHA-256)",
        "Liste des URL",
    ):
        link = files.get_by_role("link", name=name)
        link.scroll_into_view_if_needed()
        expect(link).to_be_visible()
        box = link.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390, (name, box)
    context.close()
