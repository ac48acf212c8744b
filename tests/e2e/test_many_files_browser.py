"""A record with more files than PUBLISH_FILES_LISTED_MAX in Chromium (issue 17): its landing page shows
them a hundred a page, with their number and total size, and pages through them (next, previous,
the last page shorter); a file of a later page downloads; on a phone, in French, the pager fits the
screen."""

from __future__ import annotations

import os
import re

import pytest
from playwright.sync_api import expect

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

COUNT = 1050


@pytest.fixture
def site(live_server, settings):
    from django.core.cache import cache

    settings.SITE_URL = live_server.url
    cache.clear()
    yield live_server.url
    cache.clear()


@pytest.fixture
def record(depositor, communities):
    """Published through the real service, as an approved deposit is."""
    from repository.metadata import MetadataDocument
    from repository.services import pid_mint, record_publish
    from tests.repository.landing_support import full_metadata, store_bytes

    files = [
        {"name": f"profiles/{i // 100:02d}/g{i:04d}.nc", "size": 4096, "md5": "0" * 32, "sha256": "a" * 64}
        | {"storage_key": f"many/{i}"}
        for i in range(COUNT)
    ]
    record = record_publish(
        pid=pid_mint(),
        document=MetadataDocument.model_validate(full_metadata("Glider profiles, 1,050 files")),
        community=communities["ocean"],
        owner=depositor,
        files=files,
    )
    store_bytes(record, "profiles/01/g0100.nc", b"CDF\x01 the 101st file")
    return record


def _names(page) -> list[str]:
    return [name.replace("\u200b", "") for name in page.locator("table.files tbody th.file-name").all_inner_texts()]


def test_a_record_with_many_files_is_paged_a_hundred_files_at_a_time(site, browser, record, tmp_path):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB", accept_downloads=True)
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto(f"{site}{record.get_absolute_url()}")
    files = page.locator("section#files")
    expect(files.locator("#files-caption")).to_have_text(re.compile(r"^1,050 files, [\d.]+\sMB in all$"))
    expect(files.get_by_role("link", name=re.compile(r"^Download all \(ZIP, 1,050 files, "))).to_be_visible()
    names = _names(page)
    assert (len(names), names[0], names[-1]) == (100, "profiles/00/g0000.nc", "profiles/00/g0099.nc")
    pager = files.get_by_role("navigation", name="Pages of files")
    expect(pager).to_contain_text("Files 1 to 100 of 1,050 (page 1 of 11)")
    expect(pager.get_by_role("link", name="Previous files")).to_have_count(0)

    pager.get_by_role("link", name="Next files").click()
    expect(page).to_have_url(re.compile(r"\?files_page=2#files$"))
    expect(pager).to_contain_text("Files 101 to 200 of 1,050 (page 2 of 11)")
    assert _names(page)[0] == "profiles/01/g0100.nc"
    with page.expect_download() as download:
        page.get_by_role("link", name="Download profiles/01/g0100.nc").click()
    assert download.value.suggested_filename == "g0100.nc"
    saved = tmp_path / "g0100.nc"
    download.value.save_as(saved)
    assert saved.read_bytes() == b"CDF\x01 the 101st file"

    page.goto(f"{site}{record.get_absolute_url()}?files_page=11")
    expect(pager).to_contain_text("Files 1,001 to 1,050 of 1,050 (page 11 of 11)")
    assert len(_names(page)) == 50
    expect(pager.get_by_role("link", name="Next files")).to_have_count(0)
    pager.get_by_role("link", name="Previous files").click()
    expect(pager).to_contain_text("page 10 of 11")
    context.close()

    phone = browser.new_context(
        viewport={"width": 390, "height": 844}, locale="fr-FR", extra_http_headers={"Accept-Language": "fr"}
    )
    page = phone.new_page()
    page.goto(f"{site}{record.get_absolute_url()}?files_page=2")
    pager = page.get_by_role("navigation", name="Pages de fichiers")
    expect(pager).to_contain_text(re.compile(r"Fichiers 101 à 200 sur 1\s050 \(page 2 sur 11\)"))
    for name in ("Fichiers précédents", "Fichiers suivants"):
        link = pager.get_by_role("link", name=name)
        link.scroll_into_view_if_needed()
        box = link.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390, name
    phone.close()
