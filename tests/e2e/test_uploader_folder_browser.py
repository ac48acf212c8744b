"""A folder chosen with the uploader's "Choose a folder…" in Chromium (issue 17): every file of its
nested folders is uploaded under its relative path (the folder chosen as the top one), the hidden
file is skipped and the note says so, the Files step's tree shows the folders with their counts; once
published, the landing page lists the paths and "Download all" unpacks the same tree. On a phone, in
French, the button and the note are in French and the lines show the paths.

Against the live server with the local store (parts PUT to Estran's own part endpoint; files this
small are verified in the completion request), signed in with a session cookie. Playwright cannot
drop a directory from the disk, so the dropped folder's test hands the page directory entries built in
it (see DROP_A_FOLDER): the uploader's walk of them and the uploads that follow are real; there, a path
the server refuses fails on its own line, at most eight files are sent at a time, and "Pause all"
holds the files still waiting."""

from __future__ import annotations

import hashlib
import os
import re
import time
import zipfile
from pathlib import Path

import pytest
from playwright.sync_api import expect

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(os.environ.get("ESTRAN_SHOTS", Path(__file__).resolve().parents[2] / "var" / "screenshots"))
# Twelve files in two levels of folders under "glider", and one hidden file the uploader leaves out.
FILES = {
    "glider/README.md": b"# Glider G123\n\nProfiles by year, and the deployment photos.\n",
    "glider/notes.txt": b"Calibrated in March.\n",
    **{f"glider/profiles/2023/g123_{n:04d}.csv": f"depth,temp\n1,{12 + n / 10}\n".encode() for n in range(1, 5)},
    **{f"glider/profiles/2024/g123_{n:04d}.csv": f"depth,temp\n1,{13 + n / 10}\n2,12\n".encode() for n in range(5, 9)},
    "glider/photos/deploy_01.jpg": b"\xff\xd8\xff\xe0 not really a photo",
    "glider/photos/deploy_02.jpg": b"\xff\xd8\xff\xe0 not really a photo either",
}
HIDDEN = {"glider/.DS_Store": b"\x00\x00\x00\x01Bud1", "glider/profiles/.DS_Store": b"\x00\x00\x00\x01Bud1"}


@pytest.fixture
def folder(tmp_path) -> Path:
    for name, data in {**FILES, **HIDDEN}.items():
        path = tmp_path / "chosen" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return tmp_path / "chosen" / "glider"


@pytest.fixture
def deposit(depositor, communities):
    from deposit import services
    from tests.factories import complete_metadata

    return services.deposit_create(owner=depositor, metadata=complete_metadata(), community="ocean")


@pytest.fixture
def open_page(browser, live_server, settings, depositor):
    """`open_page(url, locale=..., width=...)`: a page signed in as the depositor; fails the test on
    any script error."""
    from django.test import Client

    settings.SITE_URL = live_server.url
    client = Client()
    client.force_login(depositor)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    contexts, errors = [], []

    def open_(path, *, locale="en-GB", width=1280, height=1000):
        context = browser.new_context(
            viewport={"width": width, "height": height}, locale=locale, extra_http_headers={"Accept-Language": locale}
        )
        context.set_default_timeout(20_000)
        context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}])
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(live_server.url + path)
        return page

    yield open_
    for context in contexts:
        context.close()
    assert errors == []


def files_step(deposit) -> str:
    from django.urls import reverse

    return reverse("deposit:wizard", kwargs={"pk": deposit.pk, "step": "files"})


def test_a_chosen_folder_keeps_its_tree_from_upload_to_download_all(
    open_page, deposit, folder, depositor, moderator, tmp_path
):
    from deposit import services
    from deposit.models import DepositFile
    from deposit.workflow import Action

    page = open_page(files_step(deposit))
    uploader = page.locator("[data-uploader]")
    expect(uploader).to_have_class(re.compile(r"\bis-enhanced\b"))
    page.get_by_label("Choose a folder…").set_input_files(str(folder))

    # every line shows its path, and ends ready with the file's SHA-256
    lines = uploader.locator(".upload-item")
    expect(lines).to_have_count(len(FILES))
    assert lines.locator(".upload-name").all_text_contents() == sorted(FILES)
    expect(uploader.locator("[data-skipped]")).to_have_text(
        "2 hidden files skipped (names starting with “.”, such as .DS_Store)."
    )
    expect(uploader.locator("[data-overall-count]")).to_have_text(f"{len(FILES)} of {len(FILES)} files done")
    for name, data in FILES.items():
        line = lines.filter(has=page.locator(".upload-name", has_text=re.compile("^" + re.escape(name) + "$")))
        expect(line.locator(".upload-checksum .mono")).to_have_text(hashlib.sha256(data).hexdigest())

    stored = dict(deposit.files.values_list("name", "sha256"))
    assert stored == {name: hashlib.sha256(data).hexdigest() for name, data in FILES.items()}
    assert set(deposit.files.values_list("state", flat=True)) == {DepositFile.State.ready}

    # the Files step's table, refreshed by the uploader, shows the tree with the folders' counts
    tree = page.locator("#files-table nav.folder-tree")
    expect(tree.locator("a").nth(1)).to_contain_text(re.compile(r"glider/\s+12 files"))
    # the refresh after the last file is not skipped by the uploader's throttling of them
    expect(page.locator("#files-table .badge", has_text=re.compile("^uploading$"))).to_have_count(0)
    summaries = [" ".join(s.split()) for s in tree.locator("a").all_text_contents()][1:]
    counts = {s.split("/")[0] + "/": s.split("/ ", 1)[1].split(",")[0] for s in summaries}
    assert counts == {
        "glider/": "12 files",
        "photos/": "2 files",
        "profiles/": "8 files",
        "2023/": "4 files",
        "2024/": "4 files",
    }
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "uploader-folder-desktop-en.png"), full_page=True)

    # published: the landing page lists the paths, and "Download all" unpacks the same tree
    services.deposit_submit(deposit=deposit, actor=depositor)
    services.deposit_act(deposit=deposit, action=Action.claim, actor=moderator)
    deposit = services.deposit_approve(deposit=deposit, actor=moderator)
    page.goto(page.url.split("/deposits/")[0] + deposit.record.get_absolute_url())
    assert sorted(page.locator("table th.file-name").all_inner_texts()) == sorted(FILES)
    with page.expect_download() as download:
        page.locator("section#files").get_by_role("link", name=re.compile(r"^Download all \(ZIP")).click()
    saved = tmp_path / "all.zip"
    download.value.save_as(saved)
    with zipfile.ZipFile(saved) as archive:
        unpacked = {i.filename: archive.read(i) for i in archive.infolist() if not i.is_dir()}
    assert unpacked == FILES


def test_on_a_phone_in_french_the_folder_button_the_note_and_the_paths(open_page, deposit, folder):
    page = open_page(files_step(deposit), locale="fr-FR", width=390, height=844)
    uploader = page.locator("[data-uploader]")
    assert page.locator("html").get_attribute("lang") == "fr"
    button = uploader.locator("label.uploader-label", has_text="Choisir un dossier…")
    expect(button).to_be_visible()
    expect(uploader.get_by_text("ou déposez ici des fichiers et des dossiers")).to_be_visible()
    # the two buttons fit the phone's width
    for label in uploader.locator(".uploader-label").all():
        box = label.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390, box
    page.get_by_label("Choisir un dossier…").set_input_files(str(folder))
    expect(uploader.locator("[data-skipped]")).to_have_text(
        "2 fichiers cachés ignorés (des noms commençant par « . », comme .DS_Store)."
    )
    done = f"{len(FILES)} fichier(s) terminé(s) sur {len(FILES)}"
    expect(uploader.locator("[data-overall-count]")).to_have_text(done)
    assert uploader.locator(".upload-name").all_text_contents() == sorted(FILES)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "uploader-folder-phone-fr.png"), full_page=True)


# A folder dropped on the zone, as Chromium hands it to the page: a drop event whose items give
# directory entries. Playwright cannot drop a directory from the disk, so the entries are built in the
# page with the File System API's shape (createReader().readEntries() answering a few entries at a time
# and then [], as Chromium answers at most 100 at a time; file() giving a real File): what is under
# test is the uploader's walk of them, and the uploads that follow are real.
DROP_A_FOLDER = """
    () => {
        const file = (path, text) => ({
            isFile: true, isDirectory: false, name: path.split("/").pop(), fullPath: "/" + path,
            file: (resolve) => resolve(new File([text], path.split("/").pop(), {type: "text/csv"})),
        });
        const dir = (path, entries) => ({
            isFile: false, isDirectory: true, name: path.split("/").pop(), fullPath: "/" + path,
            createReader() {
                let at = 0;
                return {readEntries(resolve) {
                    const batch = entries.slice(at, at + 3);
                    at += batch.length;
                    setTimeout(() => resolve(batch), 0);
                }};
            },
        });
        const cruise = dir("cruise", [
            ...[..."abcdefghijklmnopqrstuvwx"].map((n) => file(`cruise/${n}.csv`, `cast,${n}\\n`)),
            file("cruise/.DS_Store", "Bud1"),
            file("cruise/ctd" + String.fromCharCode(92) + "cast_2.csv", "p,t\\n5,12.4\\n"),  // a backslash: refused
            dir("cruise/ctd", [file("cruise/ctd/cast_1.csv", "p,t\\n5,12.5\\n")]),
            dir("cruise/empty", []),
            dir("cruise/nested_empty", [dir("cruise/nested_empty/inner", [])]),
        ]);
        const readme = new File(["# Cruise\\n"], "README.md", {type: "text/markdown"});
        const dataTransfer = {
            types: ["Files"],
            files: [new File([], "cruise"), readme],
            items: [
                {kind: "file", webkitGetAsEntry: () => cruise},
                {kind: "file", webkitGetAsEntry: () => file("README.md", "# Cruise\\n")},
            ],
        };
        const drop = new Event("drop", {bubbles: true, cancelable: true});
        Object.defineProperty(drop, "dataTransfer", {value: dataTransfer});
        document.querySelector("[data-uploader] [data-drop]").dispatchEvent(drop);
    }
"""

# The most files being sent at once (a session open, not yet finished), however many are waiting.
RECORD_SENDING = """
    () => {
        window.__sending = 0;
        new MutationObserver(() => {
            const now = document.querySelectorAll(
                ".upload-item:is([data-state=opening], [data-state=uploading], [data-state=completing])").length;
            window.__sending = Math.max(window.__sending, now);
        }).observe(document, {subtree: true, attributes: true, attributeFilter: ["data-state"]});
    }
"""


def test_a_dropped_folder_is_walked_to_every_file_under_its_path(open_page, deposit):
    page = open_page(files_step(deposit))
    uploader = page.locator("[data-uploader]")
    expect(uploader).to_have_class(re.compile(r"\bis-enhanced\b"))
    page.evaluate(RECORD_SENDING)

    def slowly(route):  # the parts take their time, as over a real network: the sessions could run ahead
        time.sleep(0.4)
        route.continue_()

    page.route("**/storage/uploads/**/parts/**", slowly)
    page.evaluate(DROP_A_FOLDER)
    paths = ["README.md", *(f"cruise/{n}.csv" for n in "abcdefghijklmnopqrstuvwx"), "cruise/ctd/cast_1.csv"]
    # "Pause all" holds the files waiting their turn too: nothing is sent until "Resume all"
    sending = uploader.locator(
        ".upload-item:is([data-state=opening], [data-state=uploading], [data-state=completing], [data-state=pausing])"
    )
    expect(uploader.locator(".upload-item[data-state=uploading]").first).to_be_attached()
    uploader.get_by_role("button", name="Pause all").click()
    expect(sending).to_have_count(0, timeout=10_000)
    waiting = uploader.locator(".upload-item[data-state=queued]").count()
    assert waiting > 0
    page.wait_for_timeout(1000)
    expect(uploader.locator(".upload-item[data-state=queued]")).to_have_count(waiting)
    uploader.get_by_role("button", name="Resume all").click()
    refused = "cruise/ctd\\cast_2.csv"
    expect(uploader.locator("[data-overall-count]")).to_have_text(
        f"{len(paths)} of {len(paths) + 1} files done", timeout=30_000
    )
    assert sorted(uploader.locator(".upload-name").all_text_contents()) == sorted([*paths, refused])
    # the server is the judge of a path: its reason is shown on that file's line
    line = uploader.locator(".upload-item", has=page.locator(".upload-name", has_text=refused))
    expect(line.locator(".upload-state")).to_have_text("Failed")
    expect(line.locator(".upload-message")).to_have_text(
        "Folders are separated by “/”, not “\\”: write “cruise/ctd/cast_2.csv”."
    )
    expect(uploader.locator("[data-skipped]")).to_have_text(
        "1 hidden file skipped (a name starting with “.”, such as .DS_Store). 2 empty folders skipped."
    )
    assert sorted(deposit.files.values_list("name", flat=True)) == sorted(paths)
    # 26 files, at most eight of them being sent at a time (the others wait, unopened)
    assert 1 <= page.evaluate("window.__sending") <= 8
