"""The wizard's step 4 as a depositor meets it in Chromium (issue 15): pausing keeps every part already
on its way and resuming sends no part twice, the file's line and the overall bar saying the same at
every moment; "Stop now" sends again only the parts it cut off; a file with the same bytes as
another is accepted and says so, naming it, in English and in French; and Delete… asks first,
naming the file: Keep it keeps it, Delete the file deletes it.

Against the live server with the local store (parts PUT to Estran's own part endpoint), signed in
with a session cookie, as test_uploader_browser.py does."""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import time
from pathlib import Path

import pytest

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
MiB = 1024 * 1024
LOCAL_PART = re.compile(r"/storage/uploads/[^/]+/parts/(\d+)\?")

# Every value the first file's bar and the overall bar take, in order (a MutationObserver).
RECORD_BARS = """
    window.__bars = {file: [], overall: []};
    new MutationObserver(() => {
        const file = document.querySelector(".upload-item .uploader-bar");
        const overall = document.querySelector("[data-overall-bar]");
        for (const [name, bar] of [["file", file], ["overall", overall]]) {
            if (!bar) continue;
            const value = Number(bar.getAttribute("aria-valuenow"));
            if (window.__bars[name].at(-1) !== value) window.__bars[name].push(value);
        }
    }).observe(document, {subtree: true, attributes: true, attributeFilter: ["aria-valuenow"]});
"""

# What the uploader's live region says, kept in order (a screen reader hears each).
RECORD_ANNOUNCEMENTS = """
    window.__said = [];
    new MutationObserver(() => {
        const live = document.querySelector("[data-live]");
        if (live && live.textContent && window.__said.at(-1) !== live.textContent) window.__said.push(live.textContent);
    }).observe(document, {subtree: true, childList: true, characterData: true});
"""


@pytest.fixture
def site(live_server, settings):
    settings.SITE_URL = live_server.url
    settings.UPLOAD_MIN_PART_SIZE = 5 * MiB
    return live_server.url


@pytest.fixture
def deposit(depositor, communities):
    from deposit import services
    from tests.factories import complete_metadata

    return services.deposit_create(owner=depositor, metadata=complete_metadata(), community="ocean")


@pytest.fixture
def open_page(browser, site):
    """`open_page(user, locale=..., width=..., height=...)`: a page signed in as `user` (a session
    cookie, as after signing in); its context is closed at the end of the test, which then fails on
    any script error the page raised."""
    from django.conf import settings
    from django.test import Client

    opened = []

    def open_(user, *, locale="en-GB", width=1280, height=1000):
        client = Client()
        client.force_login(user)
        context = browser.new_context(viewport={"width": width, "height": height}, locale=locale)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
        context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": site}])
        context.set_default_timeout(20_000)
        page = context.new_page()
        page.on("dialog", lambda dialog: dialog.accept())  # "leave the page?" while uploading
        page.js_errors = []
        page.on("pageerror", lambda error: page.js_errors.append(str(error)))
        opened.append(page)
        return page

    yield open_
    for page in opened:
        page.context.close()
    assert not [e for page in opened for e in page.js_errors]


def shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"files-step-{name}.png"), full_page=True)


def table_row(page, name: str):
    """The row of a file in the step's table (its name cell starts with the name; a warning may follow)."""
    return page.locator("#files-table tr", has=page.locator("td.file-name", has_text=re.compile("^" + re.escape(name))))


def item(page, name: str):
    return page.locator(".upload-item", has=page.locator(".upload-name", has_text=name))


def stored_parts(deposit) -> list[int]:
    from deposit.models import UploadSession
    from repository.storage import get_store

    session = UploadSession.objects.filter(file__deposit=deposit).select_related("file").order_by("-pk").first()
    if session is None:
        return []
    try:
        return [
            p.part_number for p in get_store().list_parts(key=session.file.storage_key, upload_id=session.upload_id)
        ]
    except FileNotFoundError:
        return []


def route_part(route) -> int:
    return int(LOCAL_PART.search(route.request.url)[1])


def wait_until(page, predicate, *, timeout: float = 30.0, message: str = "condition"):
    import time

    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"Timed out after {timeout}s waiting for {message}.")
        page.wait_for_timeout(50)


def the_bars_agree(page, name: str) -> str:
    """The file's line and the overall bar show the same bytes and the same percentage (one file),
    read in one go (the page updates both in the same task, so a snapshot is never half-way);
    returns the bytes said."""
    line, overall = page.evaluate(
        """(name) => {
            const item = [...document.querySelectorAll(".upload-item")]
                .find((li) => li.querySelector(".upload-name").textContent === name);
            const box = document.querySelector("[data-overall]");
            return [
                [item.querySelector(".uploader-stats").textContent.split(" · ")[0],
                 item.querySelector(".uploader-bar").getAttribute("aria-valuenow")],
                [box.querySelector("[data-overall-stats]").textContent.split(" · ")[0],
                 box.querySelector("[data-overall-bar]").getAttribute("aria-valuenow")],
            ];
        }""",
        name,
    )
    assert line == overall, (line, overall)
    return line[0]


# --- pause and resume -----------------------------------------------------------------------------


def test_pausing_keeps_the_parts_on_their_way_and_resuming_sends_no_part_twice(
    open_page, site, depositor, deposit, tmp_path, eager_celery
):
    from playwright.sync_api import expect

    from deposit.models import DepositFile

    path = tmp_path / "adcp_currents.nc"
    path.write_bytes(os.urandom(48 * MiB))  # ten parts of 5 MiB (the last 3 MiB)
    sha256 = hashlib.sha256(path.read_bytes()).hexdigest()
    page = open_page(depositor)
    page.add_init_script(RECORD_BARS)
    sent: list[int] = []
    cut_off: list[int] = []
    page.on("request", lambda r: r.method == "PUT" and (m := LOCAL_PART.search(r.url)) and sent.append(int(m[1])))
    page.on(
        "requestfailed", lambda r: r.method == "PUT" and (m := LOCAL_PART.search(r.url)) and cut_off.append(int(m[1]))
    )
    # The first two parts go through; the next ones are held on their way (a slow network, without
    # a race between the parts landing and the clicks on a loaded machine) until they are let go.
    held = []

    def hold_after_the_second(route):
        if route.request.method == "PUT" and route_part(route) > 2:
            held.append(route)
        else:
            route.continue_()

    page.route(LOCAL_PART, hold_after_the_second)
    page.goto(f"{site}/deposits/{deposit.pk}/wizard/files/")
    page.get_by_label("Choose files").set_input_files(str(path))
    row = item(page, "adcp_currents.nc")

    # Some parts stored, others on their way: Pause lets those finish, and keeps them.
    wait_until(
        page, lambda: stored_parts(deposit) == [1, 2] and len(held) >= 2, message="two parts stored, two on their way"
    )
    row.get_by_role("button", name="Pause adcp_currents.nc").click()
    expect(row.locator(".upload-state")).to_have_text("Pausing…")
    expect(row.locator(".upload-message")).to_contain_text("Finishing the parts already on their way")
    expect(row.get_by_role("button", name="Resume adcp_currents.nc")).to_be_focused()
    the_bars_agree(page, "adcp_currents.nc")
    shot(page, "01-pausing")
    for route in held:  # the parts on their way arrive
        route.continue_()
    page.unroute(LOCAL_PART)
    expect(row.locator(".upload-state")).to_have_text("Paused")
    expect(page.locator("[data-live]")).to_have_text("adcp_currents.nc: paused.")
    stored = sorted(stored_parts(deposit))
    assert 2 <= len(stored) < 10 and not cut_off, (stored, cut_off)
    assert sorted(sent) == stored  # every part sent is stored: nothing thrown away
    # While paused, both say exactly what the store holds.
    said = the_bars_agree(page, "adcp_currents.nc")
    stored_bytes = len(stored) * 5 * MiB
    assert said == f"{stored_bytes / MiB:.1f} MB of 48.0 MB", said
    expect(row.get_by_role("progressbar")).to_have_attribute("aria-valuenow", str(stored_bytes * 100 // (48 * MiB)))
    shot(page, "02-paused")

    page.wait_for_timeout(1500)  # nothing moves while paused
    assert sorted(sent) == stored == sorted(stored_parts(deposit))

    row.get_by_role("button", name="Resume adcp_currents.nc").click()
    expect(row.locator(".upload-state")).to_have_text("Ready", timeout=60_000)
    expect(row.locator(".upload-checksum .mono")).to_have_text(sha256)
    the_bars_agree(page, "adcp_currents.nc")
    assert sorted(sent) == list(range(1, 11)), sent  # each part once: none stored was sent again
    assert not cut_off
    bars = page.evaluate("window.__bars")
    for name in ("file", "overall"):
        values = bars[name]
        assert values == sorted(values) and values[-1] == 100, (name, values)  # never backwards
    file = DepositFile.objects.get(deposit=deposit)
    assert (file.state, file.sha256, file.size) == ("ready", sha256, 48 * MiB)


def test_stop_now_sends_again_only_the_parts_it_cut_off(open_page, site, depositor, deposit, tmp_path, eager_celery):
    from playwright.sync_api import expect

    from deposit.models import DepositFile

    path = tmp_path / "mooring_temperature.csv"
    path.write_bytes(os.urandom(33 * MiB))  # seven parts
    sha256 = hashlib.sha256(path.read_bytes()).hexdigest()
    page = open_page(depositor)
    sent: list[int] = []
    page.on("request", lambda r: r.method == "PUT" and (m := LOCAL_PART.search(r.url)) and sent.append(int(m[1])))
    # The first part goes through; the others are held on their way (neither answered nor failed)
    # until Stop now cuts them off: a slow network without a race between Pause and Stop now.
    held = []

    def hold_after_the_first(route):
        if route.request.method == "PUT" and route_part(route) > 1:
            held.append(route)
        else:
            route.continue_()

    page.route(LOCAL_PART, hold_after_the_first)
    page.goto(f"{site}/deposits/{deposit.pk}/wizard/files/")
    page.get_by_label("Choose files").set_input_files(str(path))
    row = item(page, "mooring_temperature.csv")
    wait_until(page, lambda: stored_parts(deposit) == [1] and len(held) >= 2, message="a part stored, two on their way")
    row.get_by_role("button", name="Pause mooring_temperature.csv").click()
    expect(row.locator(".upload-state")).to_have_text("Pausing…")  # the held parts are still on their way
    row.get_by_role("button", name="Stop now mooring_temperature.csv").click()
    expect(row.locator(".upload-state")).to_have_text("Paused")
    page.unroute(LOCAL_PART)
    for route in held:  # the browser has cancelled them; what is left of each is dropped
        with contextlib.suppress(Exception):
            route.abort()
    stored = set(stored_parts(deposit))
    in_flight = set(sent) - stored  # cut off by Stop now
    assert stored == {1} and in_flight == {route_part(route) for route in held}, (sent, stored)
    the_bars_agree(page, "mooring_temperature.csv")

    sent.clear()
    row.get_by_role("button", name="Resume mooring_temperature.csv").click()
    expect(row.locator(".upload-state")).to_have_text("Ready", timeout=60_000)
    expect(row.locator(".upload-checksum .mono")).to_have_text(sha256)
    assert not set(sent) & stored, (sent, stored)  # nothing the store held was sent again
    assert sorted(sent) == sorted(set(range(1, 8)) - stored), sent
    assert DepositFile.objects.get(deposit=deposit).sha256 == sha256


# --- the same bytes twice, and deleting with a confirmation ----------------------------------------


def choose(page, files: dict[str, bytes], tmp_path) -> None:
    paths = []
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
        paths.append(str(tmp_path / name))
    page.get_by_label(re.compile("Choose files|Choisir des fichiers")).set_input_files(paths)


def test_the_same_bytes_under_two_names_are_accepted_and_said_and_delete_asks_first(
    open_page, site, depositor, deposit, tmp_path
):
    from playwright.sync_api import expect

    from deposit.models import DepositFile

    data = b"station,depth_m,temperature_c\nP01,5,14.2\nP01,50,12.8\n"
    page = open_page(depositor)
    page.add_init_script(RECORD_ANNOUNCEMENTS)
    page.goto(f"{site}/deposits/{deposit.pk}/wizard/files/")
    choose(page, {"data.csv": data}, tmp_path)
    expect(item(page, "data.csv").locator(".upload-state")).to_have_text("Ready")
    expect(item(page, "data.csv").locator(".upload-warning")).to_be_hidden()
    choose(page, {"data_copy.csv": data, "notes.txt": b"Cruise notes\n"}, tmp_path)
    copy = item(page, "data_copy.csv")
    expect(copy.locator(".upload-state")).to_have_text("Ready")
    expect(copy.locator(".upload-warning")).to_have_text("Same content as data.csv.")
    # Polled from here: `wait_for_function` evaluates its text in the page, which the page's CSP
    # (no 'unsafe-eval') refuses whenever the condition is not already true at the first try.
    said, deadline = "data_copy.csv is ready. Same content as data.csv.", time.monotonic() + 15
    while said not in page.evaluate("window.__said"):
        assert time.monotonic() < deadline, page.evaluate("window.__said")
        page.wait_for_timeout(100)
    # the line of the other file says it too, and a file with other bytes says nothing
    expect(item(page, "data.csv").locator(".upload-warning")).to_have_text("Same content as data_copy.csv.")
    expect(item(page, "notes.txt").locator(".upload-state")).to_have_text("Ready")
    expect(item(page, "notes.txt").locator(".upload-warning")).to_be_hidden()
    row = table_row(page, "data_copy.csv")
    expect(row.locator(".same-content")).to_have_text("Same content as data.csv.")
    expect(table_row(page, "notes.txt").locator(".same-content")).to_have_count(0)
    shot(page, "03-same-content")
    assert DepositFile.objects.filter(deposit=deposit, state="ready").count() == 3  # accepted, not refused

    # Delete… asks, naming the file; Keep it deletes nothing.
    row.get_by_role("link", name="Delete… data_copy.csv").click()
    dialog = page.get_by_role("dialog", name="Delete “data_copy.csv”?")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("This cannot be undone")
    expect(dialog.get_by_role("button", name="Keep it")).to_be_focused()
    shot(page, "04-delete-asks")
    dialog.get_by_role("button", name="Keep it").click()
    expect(dialog).to_be_hidden()
    # Escape keeps it too
    row.get_by_role("link", name="Delete… data_copy.csv").click()
    expect(dialog).to_be_visible()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    page.wait_for_timeout(300)
    assert DepositFile.objects.filter(deposit=deposit, name="data_copy.csv").exists()

    # Delete the file deletes it, and the warning on the other goes with it.
    row.get_by_role("link", name="Delete… data_copy.csv").click()
    dialog.get_by_role("button", name="Delete the file").click()
    expect(page.get_by_text("The file “data_copy.csv” was deleted.")).to_be_visible()
    expect(page.locator("#files-table")).not_to_contain_text("data_copy.csv")
    expect(page.locator("#files-table .same-content")).to_have_count(0)
    assert sorted(DepositFile.objects.filter(deposit=deposit).values_list("name", flat=True)) == [
        "data.csv",
        "notes.txt",
    ]


def test_on_a_phone_in_french_the_warning_and_the_question_are_in_french(open_page, site, depositor, deposit, tmp_path):
    from playwright.sync_api import expect

    from deposit.models import DepositFile

    data = b"station;profondeur_m\nP01;5\n"
    page = open_page(depositor, locale="fr-FR", width=390, height=844)
    page.goto(f"{site}/deposits/{deposit.pk}/wizard/files/")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    choose(page, {"profils.csv": data}, tmp_path)
    expect(item(page, "profils.csv").locator(".upload-state")).to_have_text("Prêt")
    choose(page, {"profils_copie.csv": data}, tmp_path)
    copy = item(page, "profils_copie.csv")
    expect(copy.locator(".upload-warning")).to_have_text("Même contenu que profils.csv.")
    row = table_row(page, "profils_copie.csv")
    expect(row.locator(".same-content")).to_have_text("Même contenu que profils.csv.")
    # nothing wider than the phone's screen
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "05-phone-fr-same-content")

    row.get_by_role("link", name="Supprimer… profils_copie.csv").click()
    dialog = page.get_by_role("dialog", name="Supprimer «\u00a0profils_copie.csv\u00a0»\u00a0?")
    expect(dialog).to_be_visible()
    box = dialog.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390, box
    shot(page, "06-phone-fr-delete-asks")
    dialog.get_by_role("button", name="Le garder").click()
    expect(dialog).to_be_hidden()
    assert DepositFile.objects.filter(deposit=deposit).count() == 2
