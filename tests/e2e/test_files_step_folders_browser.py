"""The wizard's Files step with files in folders, in Chromium (issue 17): a collapsible tree of the
folders beside the chosen folder's files, each folder saying how many files and bytes it holds (its
subfolders' included), a file listed under its name below the folder; and with hundreds of files the
tree navigated, the pages turned, a search, a file deleted, a problem's link reaching its row on its
page; in French on a phone too."""

from __future__ import annotations

import os
import re
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

    def open_(deposit, *, locale="en-GB", width=1280, height=1000, step="files"):
        context = browser.new_context(
            viewport={"width": width, "height": height}, locale=locale, extra_http_headers={"Accept-Language": locale}
        )
        context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}])
        contexts.append(context)
        page = context.new_page()
        page.goto(live_server.url + reverse("deposit:wizard", kwargs={"pk": deposit.pk, "step": step}))
        return page

    yield open_
    for context in contexts:
        context.close()


def test_files_in_folders_are_shown_as_a_tree_with_counts_and_sizes(open_page, deposit):
    page = open_page(deposit)
    tree = page.locator("#files-table nav.folder-tree")
    expect(tree).to_be_visible()
    links = [" ".join(s.split()) for s in tree.locator("a").all_text_contents()]
    size = sum(len(data) for name, data in FILES.items() if name.startswith("profiles/"))
    in_2024 = len(FILES["profiles/2024/g123_0042.csv"]) + len(FILES["profiles/2024/g123_0043.csv"])
    assert links == [
        f"All files 5 files, {sum(len(d) for d in FILES.values())} bytes",
        f"profiles/ 4 files, {size} bytes",
        f"2023/ 1 file, {len(FILES['profiles/2023/g123_0001.csv'])} bytes",
        f"2024/ 2 files, {in_2024} bytes",
    ]
    # all the files by name, each under its path
    expect(page.locator("#files-caption")).to_have_text("5 files")
    names = page.locator("#files-table td.file-name")
    expect(names).to_have_text(["README.md", *sorted(n for n in FILES if n != "README.md")])
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.locator("#files-table").screenshot(path=str(SHOTS / "files-step-folders-desktop-en.png"))

    # a folder opens in the tree (its marker, not its link), and a subfolder's files are listed, named
    # below it (the folder is spoken, not shown); the tree stays open on it
    subfolders = tree.locator("details").first  # profiles' subfolders
    expect(tree.get_by_role("link", name=re.compile(r"^2024\x2f"))).to_be_hidden()
    subfolders.locator("> summary").click()
    tree.get_by_role("link", name=re.compile(r"^2024\x2f")).click()
    expect(page).to_have_url(re.compile(r"\?folder=profiles%2F2024#f-files$"))
    expect(page.locator("#files-caption")).to_have_text(f"2 files in profiles/2024/, {in_2024} bytes")
    expect(names.first).to_have_text("profiles/2024/g123_0042.csv")
    assert names.first.evaluate("cell => cell.firstElementChild.className") == "visually-hidden"
    assert names.first.evaluate("cell => cell.childNodes[1].textContent") == "g123_0042.csv"
    assert page.get_by_role("link", name="Delete… profiles/2024/g123_0043.csv").count() == 1
    expect(tree.locator("a[aria-current]")).to_contain_text("2024/")
    # the tree folds: profiles closes, its subfolders with it
    subfolders.locator("> summary").click()
    expect(tree.get_by_role("link", name=re.compile(r"^2024\x2f"))).to_be_hidden()


def test_the_tree_reads_in_french_on_a_phone(open_page, deposit):
    page = open_page(deposit, locale="fr", width=390, height=844)
    tree = page.locator("#files-table nav.folder-tree")
    links = [" ".join(s.split()) for s in tree.locator("a").all_text_contents()]
    assert links[0].startswith("Tous les fichiers 5 fichiers, ") and links[1].startswith("profiles/ 4 fichiers, ")
    expect(page.locator("#files-caption")).to_have_text("5 fichiers")
    expect(page.get_by_label("Rechercher dans les noms des fichiers")).to_be_visible()
    # the table scrolls inside its box: the page itself is no wider than the phone
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.locator("#files-table").scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "files-step-folders-phone-fr.png"), full_page=False)


# --- Hundreds of files ---------------------------------------------------------------------------

MANY = 260  # three pages of "All files"


def _many_names() -> list[str]:
    return sorted(
        ["README.md"]
        + [f"profiles/{2023 + i % 2}/g{i:05d}.csv" if i % 5 else f"photos/IMG_{i:05d}.JPG" for i in range(MANY - 1)]
    )


@pytest.fixture
def many(depositor, communities):
    """A deposit of 260 files made in bulk, ten of page 2 still uploading; one real file to delete."""
    from deposit import services
    from deposit.models import DepositFile
    from tests.factories import complete_metadata

    deposit = services.deposit_create(owner=depositor, metadata=complete_metadata(), community="ocean")
    names = _many_names()
    names.remove("profiles/2024/g00001.csv")
    uploading = set(names[120:130])
    DepositFile.objects.bulk_create(
        DepositFile(
            deposit=deposit,
            name=name,
            size=4096,
            state=DepositFile.State.uploading if name in uploading else DepositFile.State.ready,
            storage_key=f"many-browser/{deposit.pk}/{i}",
            md5="" if name in uploading else "0" * 32,
            sha256="" if name in uploading else f"{i:064x}",
        )
        for i, name in enumerate(names)
    )
    data = b"depth,temp\n1,12.5\n"
    services.file_add_bytes(
        deposit=deposit, actor=depositor, name="profiles/2024/g00001.csv", chunks=[data], size=len(data)
    )
    return deposit


@pytest.mark.parametrize(
    ("locale", "width", "height", "lang"),
    [("en-GB", 1280, 900, "en"), ("fr-FR", 390, 844, "fr")],
    ids=["desktop-en", "phone-fr"],
)
def test_hundreds_of_files_by_folder_page_and_search_and_one_deleted(open_page, many, locale, width, height, lang):
    words = {
        "en": {
            "next": "Next files",
            "search": "Search the names of the files in profiles/2024/",
            "go": "Search",
            "delete": "Delete the file",
            "first": "The first 20 of 259 files, by name",
        },
        "fr": {
            "next": "Fichiers suivants",
            "search": "Rechercher dans les noms des fichiers de profiles/2024/",
            "go": "Rechercher",
            "delete": "Supprimer le fichier",
            "first": "Les 20 premiers sur 259 fichiers, par nom",
        },
    }[lang]
    names = _many_names()
    page = open_page(many, locale=locale, width=width, height=height)
    table = page.locator("#files-table")
    rows = table.locator("tbody tr")
    expect(rows).to_have_count(100)
    expect(rows.first).to_have_attribute("id", "f-files-0")
    # page 1 has no file on its way: it is not polled; page 2 has ten, and only it is
    assert table.locator("#files-page").get_attribute("hx-trigger") is None

    table.get_by_role("link", name=words["next"]).click()
    expect(page).to_have_url(re.compile(r"\?files_page=2#f-files$"))
    expect(rows.first).to_have_attribute("id", "f-files-100")
    expect(table.locator("#files-page")).to_have_attribute("hx-trigger", "every 3s")
    # the poll re-renders that page: a file turning ready shows without a reload, and the poll stops
    from deposit.models import DepositFile

    DepositFile.objects.filter(deposit=many, state=DepositFile.State.uploading).update(
        state=DepositFile.State.ready, sha256="a" * 64, md5="0" * 32
    )
    expect(table.locator("#files-page")).not_to_have_attribute("hx-trigger", "every 3s", timeout=10_000)
    expect(table.locator(".badge.bad, .badge:not(.ok):not(.warn)")).to_have_count(0)
    expect(rows.first).to_have_attribute("id", "f-files-100")

    # the tree: a folder's files, then a search in them
    table.locator("nav.folder-tree").get_by_role("link", name=re.compile(r"^profiles\x2f")).click()
    table.locator("nav.folder-tree").get_by_role("link", name=re.compile(r"^2024\x2f")).click()
    in_2024 = [n for n in names if n.startswith("profiles/2024/")]
    expect(rows).to_have_count(100)
    expect(rows.first.locator("td.file-name")).to_have_text(in_2024[0])
    page.get_by_label(words["search"]).fill("G0000")
    page.get_by_role("button", name=words["go"], exact=True).click()
    expect(page).to_have_url(re.compile(r"\?folder=profiles%2F2024&files_q=G0000#f-files$"))
    found = [n for n in in_2024 if "g0000" in n.lower()]
    expect(table.locator("td.file-name")).to_have_text(found)
    page.screenshot(
        path=str(SHOTS / f"files-step-many-{'desktop' if width > 400 else 'phone'}-{lang}.png"), full_page=False
    )

    # Delete… asks, naming the file, and comes back to the same search with the file gone
    row = rows.filter(has=page.locator("td.file-name", has_text="g00001.csv"))
    row.locator("a[data-delete-file]").click()
    dialog = page.locator("dialog[data-delete-dialog]")
    expect(dialog).to_be_visible()
    expect(dialog.locator("h3")).to_contain_text("profiles/2024/g00001.csv")
    dialog.get_by_role("button", name=words["delete"]).click()
    expect(page).to_have_url(re.compile(r"\?folder=profiles%2F2024&files_q=G0000#f-files$"))
    expect(table.locator("td.file-name")).to_have_text([n for n in found if not n.endswith("g00001.csv")])
    assert not many.files.filter(name="profiles/2024/g00001.csv").exists()

    # the deposit's page: its top folders and its first files, with the way to all of them
    page.goto(page.url.split("/wizard/")[0] + "/")
    files = page.locator("section[aria-labelledby='files-title']")
    expect(files.locator("ul.folder-summary li")).to_have_count(2)
    expect(files.get_by_text(words["first"])).to_be_visible()
    expect(files.locator("tbody tr")).to_have_count(20)
    page.evaluate("document.getElementById('files-title').scrollIntoView()")
    page.screenshot(path=str(SHOTS / f"deposit-page-many-{'desktop' if width > 400 else 'phone'}-{lang}.png"))


def test_a_problem_link_reaches_its_file_on_its_page(open_page, many):
    """The review lists the files not ready, each a link to `#f-files-<n>`: the Files step opens on
    page 1, and the row is on page 2, where the page goes."""
    page = open_page(many, step="links_licence")
    link = page.locator("ol.review-problems a[href*='#f-files-12']").first
    expect(link).to_be_visible()
    link.click()
    expect(page).to_have_url(re.compile(r"/wizard/files/\?files_page=2#f-files-12\d$"))
    target = page.url.rsplit("#", 1)[1]
    expect(page.locator(f"tr#{target}")).to_be_in_viewport()
