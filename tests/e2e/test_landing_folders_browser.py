"""A published record's files in folders, in Chromium (issue 17): the reader opens the landing page,
goes down the folder tree to a folder, searches its files' names (axe-core finding nothing serious
in the way down, the search and the list), and downloads the folder's ZIP, whose members are that
folder's files with their stored SHA-256; on a phone, in French, the tree, the search and the
folder's links fit the screen. The record has more files than a page lists, so its list is read a
page at a time and its tree comes from the totals kept at publication."""

from __future__ import annotations

import hashlib
import os
import re
import zipfile
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.axe_walk import AXE, AXE_OPTIONS

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
READER_UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
CONTENTS = {
    "README.md": b"# Glider and CTD data, Bay of Biscay\n",
    **{f"casts/2024/ctd {i:03d}.csv": f"p,t\n5,{12 + i / 10}\n".encode() for i in range(1, 7)},
    **{f"casts/2025/ctd {i:03d}.csv": f"p,t\n5,{13 + i / 10}\n".encode() for i in range(1, 4)},
    "moorings/m1/adcp.nc": b"CDF\x01" + bytes(64),
}
# axe-core on the whole page, the folder tree included.
RUN_AXE = """async (options) => {
  const results = await window.axe.run(document, options);
  return results.violations.map((v) => ({id: v.id, impact: v.impact, targets: v.nodes.map((n) => n.target.join(' '))}));
}"""


@pytest.fixture
def site(live_server, settings):
    from django.core.cache import cache

    settings.SITE_URL = live_server.url
    settings.USAGE_FLUSH_SECONDS = 0
    settings.PUBLISH_FILES_LISTED_MAX = 5  # 11 files: the list is paged, the record's files summarised
    cache.clear()
    yield live_server.url
    cache.clear()


@pytest.fixture
def record(depositor, communities, settings):
    """Published through `record_publish`, each file's bytes in the local store under its key."""
    from repository.metadata import MetadataDocument
    from repository.services import pid_mint, record_publish
    from tests.repository.landing_support import full_metadata

    files = []
    for i, (name, data) in enumerate(CONTENTS.items()):
        key = f"e2e-folders/{i}"
        path = Path(settings.LOCAL_STORAGE_ROOT) / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        sha256 = hashlib.sha256(data).hexdigest()
        md5 = hashlib.md5(data).hexdigest()
        files.append({"name": name, "size": len(data), "md5": md5, "sha256": sha256, "storage_key": key})
    document = MetadataDocument.model_validate(full_metadata("Glider and CTD data in folders"))
    return record_publish(
        pid=pid_mint(), document=document, community=communities["ocean"], owner=depositor, files=files
    )


def _shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.locator("section#files").screenshot(path=str(SCREENSHOTS / f"landing-folders-{name}.png"))


def test_a_reader_goes_down_the_tree_searches_and_downloads_a_folder(site, browser, record, tmp_path):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB", user_agent=READER_UA)
    context.set_default_timeout(15_000)
    context.add_init_script(path=AXE)
    page = context.new_page()
    page.goto(f"{site}{record.get_absolute_url()}")
    files = page.locator("section#files")
    tree = files.get_by_role("navigation", name="Folders")
    expect(tree.get_by_role("link", name=re.compile(r"All files 11 files, "))).to_have_attribute("aria-current", "true")
    expect(files.locator("table.files tbody tr")).to_have_count(5)  # a page of the paged list
    _shot(page, "desktop-en-top")

    tree.get_by_role("link", name=re.compile(r"^(▸ )?casts\/ 9 files, ")).click()
    expect(page).to_have_url(re.compile(r"\?folder=casts#files$"))
    tree = files.get_by_role("navigation", name="Folders")
    tree.get_by_role("link", name=re.compile(r"^(▸ )?2024\/ 6 files, ")).click()
    expect(page).to_have_url(re.compile(r"\?folder=casts%2F2024#files$"))
    crumbs = files.get_by_role("navigation", name="Folder shown")
    expect(crumbs).to_have_text(re.compile(r"All files\s*casts/\s*2024/"))
    names = files.locator("table.files tbody th")
    expect(names).to_have_text(["ctd 001.csv", "ctd 002.csv", "ctd 003.csv", "ctd 004.csv", "ctd 005.csv"])
    files.get_by_role("link", name="Next files").click()
    expect(names).to_have_text(["ctd 006.csv"])
    _shot(page, "desktop-en-folder")

    search = files.get_by_label("Search the names of the files in casts/2024/")
    search.fill("CTD 00")
    search.press("Enter")
    expect(page).to_have_url(re.compile(r"\?folder=casts%2F2024&files_q=CTD\+00#files$"))
    expect(files.locator("#files-caption")).to_have_text("6 files whose names contain “CTD 00”")
    search = files.get_by_label("Search the names of the files in casts/2024/")
    search.fill("006")
    files.get_by_role("button", name="Search").click()
    expect(names).to_have_text(["ctd 006.csv"])
    _shot(page, "desktop-en-search")
    failing = [v for v in page.evaluate(RUN_AXE, AXE_OPTIONS) if v["impact"] in ("critical", "serious")]
    assert failing == [], failing

    zip_link = files.get_by_role("link", name=re.compile(r"^Download this folder \(ZIP, 6 files, \d+ bytes\)$"))
    with page.expect_download() as download:
        zip_link.click()
    saved = tmp_path / download.value.suggested_filename
    assert saved.name == f"estran-{record.pk}-casts-2024.zip"
    download.value.save_as(saved)
    with zipfile.ZipFile(saved) as archive:
        members = {i.filename: hashlib.sha256(archive.read(i)).hexdigest() for i in archive.infolist()}
    assert members == {
        name: hashlib.sha256(data).hexdigest() for name, data in CONTENTS.items() if name.startswith("casts/2024/")
    }
    manifest = page.request.get(site + files.get_by_role("link", name="This folder’s checksums").get_attribute("href"))
    assert len(manifest.text().splitlines()) == 6
    context.close()

    # A phone, in French: the tree, the search and the folder's links within the screen's width.
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="fr-FR", user_agent=READER_UA)
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto(f"{site}{record.get_absolute_url()}?folder=moorings/m1")
    files = page.locator("section#files")
    for element in (
        files.get_by_role("navigation", name="Dossiers"),
        files.get_by_label("Rechercher dans les noms des fichiers de moorings/m1/"),
        files.get_by_role("link", name=re.compile(r"^Télécharger ce dossier \(ZIP, 1 fichier, \d+ octets\)$")),
        files.get_by_role("link", name="Sommes de contrôle de ce dossier"),
        files.get_by_role("link", name="Liste des URL de ce dossier"),
    ):
        element.scroll_into_view_if_needed()
        expect(element).to_be_visible()
        box = element.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390, box
    expect(files.locator("table.files tbody th")).to_have_text(["adcp.nc"])
    _shot(page, "phone-fr-folder")
    page.goto(f"{site}{record.get_absolute_url()}?folder=casts&files_q=zzz")
    expect(files.locator("#files-none")).to_have_text("Aucun nom de fichier ne contient ici «\u00a0zzz\u00a0».")
    _shot(page, "phone-fr-search-none")
    context.close()

    # The same folder in the other two: a desktop in French, a phone in English.
    for width, height, locale, name in (
        (1280, 900, "fr-FR", "desktop-fr-folder"),
        (390, 844, "en-GB", "phone-en-folder"),
    ):
        context = browser.new_context(viewport={"width": width, "height": height}, locale=locale, user_agent=READER_UA)
        page = context.new_page()
        page.goto(f"{site}{record.get_absolute_url()}?folder=casts/2024&files_page=2")
        expect(page.locator("section#files table.files tbody th")).to_have_text(["ctd 006.csv"])
        _shot(page, name)
        context.close()
