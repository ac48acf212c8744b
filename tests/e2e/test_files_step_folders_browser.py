"""The wizard's Files step with files in folders, in Chromium (issue 17): a collapsible block a folder,
nested as the folders are, saying how many files and how many bytes each holds (its subfolders'
included); a file is listed under its own name in its folder's table; in French on a phone too."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(os.environ.get("ESTRAN_SHOTS", Path(__file__).resolve().parents[2] / "var" / "screenshots"))
FILES = {
    "README.md": b"# Glider profiles\n",
    "profiles/2024/g123_0042.csv": b"depth,temp\n1,12.5\n",
    "profiles/2024/g123_0043.csv": b"depth,temp\n1,12.7\n2,12.6\n",
    "profiles/2023/g123_0001.csv": b"depth,temp\n1,13.0\n",
    "profiles/notes.txt": b"Calibrated in March.\n",
}


@pytest.fixture
def deposit(depositor, communities):
    from deposit import services
    from tests.factories import complete_metadata

    deposit = services.deposit_create(owner=depositor, metadata=complete_metadata(), community="ocean")
    for name, data in FILES.items():
        services.file_add_bytes(deposit=deposit, actor=depositor, name=name, chunks=[data], size=len(data))
    return deposit


@pytest.fixture
def open_page(browser, live_server, settings, depositor):
    """`open_page(locale=..., width=...)`: the Files step, signed in as the depositor."""
    from django.test import Client
    from django.urls import reverse

    settings.SITE_URL = live_server.url
    client = Client()
    client.force_login(depositor)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    contexts = []

    def open_(deposit, *, locale="en-GB", width=1280, height=1000):
        context = browser.new_context(
            viewport={"width": width, "height": height}, locale=locale, extra_http_headers={"Accept-Language": locale}
        )
        context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}])
        contexts.append(context)
        page = context.new_page()
        page.goto(live_server.url + reverse("deposit:wizard", kwargs={"pk": deposit.pk, "step": "files"}))
        return page

    yield open_
    for context in contexts:
        context.close()


def test_files_in_folders_are_shown_as_a_tree_with_counts_and_sizes(open_page, deposit):
    page = open_page(deposit)
    tree = page.locator("#files-table .files-tree")
    expect(tree).to_be_visible()

    profiles = tree.locator("details.folder", has=page.locator("summary", has_text="profiles/")).first
    summaries = [" ".join(s.split()) for s in tree.locator("details.folder > summary").all_inner_texts()]
    size = sum(len(data) for name, data in FILES.items() if name.startswith("profiles/"))
    assert summaries[0] == f"profiles/ 4 files, {size} bytes"
    assert summaries[1:] == [
        f"2023/ 1 file, {len(FILES['profiles/2023/g123_0001.csv'])} bytes",
        f"2024/ 2 files, {len(FILES['profiles/2024/g123_0042.csv']) + len(FILES['profiles/2024/g123_0043.csv'])} bytes",
    ]
    # the top level's files first, then each folder's own files before its subfolders
    captions = tree.locator("caption").all_inner_texts()
    assert captions == ["Top level: 1 file", "profiles/: 1 file", "profiles/2023/: 1 file", "profiles/2024/: 2 files"]
    in_2024 = tree.locator("details.folder details.folder").nth(1).locator("td.file-name")
    expect(in_2024.first).to_have_text("profiles/2024/g123_0042.csv")  # the folder is spoken, not shown
    assert in_2024.first.evaluate("cell => cell.firstElementChild.className") == "visually-hidden"
    assert page.get_by_role("link", name="Delete… profiles/2024/g123_0043.csv").count() == 1
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.locator("#files-table").screenshot(path=str(SHOTS / "files-step-folders-desktop-en.png"))

    # a folder closes and opens again, its subfolders with it
    profiles.locator("> summary").click()
    expect(page.locator("td.file-name", has_text="g123_0042.csv")).to_be_hidden()
    expect(page.locator("td.file-name", has_text="README.md")).to_be_visible()
    profiles.locator("> summary").click()
    expect(page.locator("td.file-name", has_text="g123_0042.csv")).to_be_visible()


def test_the_tree_reads_in_french_on_a_phone(open_page, deposit):
    page = open_page(deposit, locale="fr", width=390, height=844)
    tree = page.locator("#files-table .files-tree")
    summary = " ".join(tree.locator("details.folder > summary").first.inner_text().split())
    assert summary.startswith("profiles/ 4 fichiers, ")
    assert tree.locator("caption").first.inner_text() == "Racine du dépôt\u00a0: 1 fichier"
    tree.scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "files-step-folders-phone-fr.png"), full_page=False)
