"""The browser uploader (static/js/uploader.js) in Chromium: several files dropped at once, each ready
with its SHA-256; a 64 MiB file through the wizard's step 4, stopped half-way by a reload, resumed by
choosing the same file again (only the missing parts are sent), paused (stopped at once, its parts
held) and resumed, and verified; and an upload straight to the S3 server (moto) with a part answered
500 once, sent again.

Chromium (the Debian package) driven by Playwright against the live server, signed in with a
session (the upload endpoints take it with the CSRF token)."""

from __future__ import annotations

import hashlib
import io
import os
import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

# Playwright's sync API runs an event loop in this thread; the ORM calls of the fixtures and of the
# test itself are still synchronous and safe.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
MiB = 1024 * 1024
LOCAL_PART = re.compile(r"/storage/uploads/[^/]+/parts/(\d+)\?")


@pytest.fixture
def site(live_server, settings):
    """The live server; parts of 5 MiB (a 64 MiB file is 13 parts)."""
    settings.SITE_URL = live_server.url
    settings.UPLOAD_MIN_PART_SIZE = 5 * MiB
    return live_server.url


@pytest.fixture
def deposit(depositor, communities):
    from deposit import services
    from tests.factories import complete_metadata

    return services.deposit_create(owner=depositor, metadata=complete_metadata(), community="ocean")


@pytest.fixture
def locale():
    return "en-GB"


@pytest.fixture
def page(browser, site, depositor, locale):
    """A page signed in as the depositor (a session cookie, as after signing in)."""
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(depositor)
    context = browser.new_context(viewport={"width": 1280, "height": 1000}, locale=locale)
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": site,
            }
        ]
    )
    context.set_default_timeout(20_000)
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())  # "leave the page?" while uploading
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.js_errors = errors
    yield page
    context.close()
    assert not errors, errors


def shot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"uploader-{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


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


def record_announcements(page) -> None:
    """What the uploader's live region says, kept in `window.__said` (a screen reader hears each)."""
    page.add_init_script("""
        window.__said = [];
        new MutationObserver(() => {
            const live = document.querySelector("[data-live]");
            if (live && live.textContent && window.__said.at(-1) !== live.textContent) {
                window.__said.push(live.textContent);
            }
        }).observe(document, {subtree: true, childList: true, characterData: true});
    """)


def wait_until(page, predicate, *, timeout: float = 30.0, message: str = "condition"):
    import time

    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"Timed out after {timeout}s waiting for {message}.")
        page.wait_for_timeout(100)


# --- several files at once -----------------------------------------------------------------------


def test_two_files_dropped_at_once_are_uploaded_and_shown_ready_with_their_sha256(site, page, deposit):
    from playwright.sync_api import expect

    from deposit.models import DepositFile

    files = {
        "ctd_casts.csv": b"station,depth_m,temperature_c,salinity_psu\nP01,5,14.2,35.61\nP01,50,12.8,35.66\n",
        "README.md": "# CTD casts\n\nColumns: station, depth (m), temperature (°C), salinity (PSU).\n".encode(),
    }
    page.goto(f"{site}/deposits/{deposit.pk}/")
    uploader = page.locator("[data-uploader]")
    expect(uploader).to_have_class(re.compile(r"\bis-enhanced\b"))
    # the drop zone's button is a real label for the file input, reached with the keyboard
    expect(page.get_by_label("Choose files")).to_have_attribute("type", "file")
    shot(page, "01-deposit-page")

    drop_zone = uploader.locator("[data-drop]")
    transfer = page.evaluate_handle(
        """(files) => {
            const transfer = new DataTransfer();
            for (const [name, text] of files) transfer.items.add(new File([text], name, {type: "text/plain"}));
            return transfer;
        }""",
        [[name, data.decode()] for name, data in files.items()],
    )
    drop_zone.dispatch_event("dragenter", {"dataTransfer": transfer})
    expect(drop_zone).to_have_class(re.compile(r"\bis-dragover\b"))
    drop_zone.dispatch_event("drop", {"dataTransfer": transfer})

    for name, data in files.items():
        row = item(page, name)
        expect(row.locator(".upload-state")).to_have_text("Ready")
        expect(row.locator(".upload-checksum .mono")).to_have_text(hashlib.sha256(data).hexdigest())
        expect(row.get_by_role("progressbar")).to_have_attribute("aria-valuenow", "100")
    overall = uploader.locator("[data-overall]")
    expect(overall.get_by_role("progressbar")).to_have_attribute("aria-valuenow", "100")
    expect(overall).to_contain_text("2 of 2 files done")
    expect(uploader.locator("[data-live]")).to_contain_text("is ready.")
    shot(page, "02-two-files-ready")

    stored = {f.name: (f.state, f.sha256) for f in DepositFile.objects.filter(deposit=deposit)}
    assert stored == {name: ("ready", hashlib.sha256(data).hexdigest()) for name, data in files.items()}
    # nothing is left to resume
    assert page.evaluate("localStorage.getItem('estran:uploads')") in (None, "{}")


# --- the test: 64 MiB through the wizard, a reload half-way, resume ------------------------


def test_a_64_mib_file_resumes_after_a_reload_half_way_sending_only_the_missing_parts(
    site, page, deposit, tmp_path, eager_celery
):
    from playwright.sync_api import expect

    from deposit.models import DepositFile

    path = tmp_path / "glider_section.nc"
    path.write_bytes(os.urandom(64 * MiB))
    sha256 = hashlib.sha256(path.read_bytes()).hexdigest()
    count = 13  # 5 MiB parts

    sent: list[int] = []  # part numbers PUT by the page, in order
    cut_off: list[int] = []  # those whose request failed: held, or aborted by the reload or the pause
    page.on(
        "requestfailed",
        lambda r: (
            r.method == "PUT" and LOCAL_PART.search(r.url) and cut_off.append(int(LOCAL_PART.search(r.url).group(1)))
        ),
    )
    page.on(
        "request",
        lambda r: (
            r.method == "PUT" and LOCAL_PART.search(r.url) and sent.append(int(LOCAL_PART.search(r.url).group(1)))
        ),
    )

    held = []

    def let_through(number_of_parts):
        allowed = {"left": number_of_parts}

        def handle(route):
            if allowed["left"] > 0:
                allowed["left"] -= 1
                route.continue_()
            else:
                held.append(route)  # never answered: the upload stalls there

        return handle

    # First visit: six parts go through, the others hang, and the page is reloaded half-way.
    page.route(LOCAL_PART, let_through(6))
    page.goto(f"{site}/deposits/{deposit.pk}/wizard/files/")
    page.get_by_label("Choose files").set_input_files(str(path))
    row = item(page, "glider_section.nc")
    wait_until(page, lambda: len(stored_parts(deposit)) == 6, message="six parts stored")
    expect(row.locator(".upload-state")).to_have_text("Uploading")
    expect(row.get_by_role("progressbar")).not_to_have_attribute("aria-valuenow", "0")
    shot(page, "03-wizard-half-way")
    assert page.evaluate("Object.keys(JSON.parse(localStorage.getItem('estran:uploads'))).length") == 1
    first_visit = list(sent)
    assert sorted(set(first_visit)) == sorted(first_visit) and len(first_visit) >= 6

    page.reload()  # the parts held are cancelled with the page
    page.unroute_all(behavior="ignoreErrors")
    held.clear()
    sent.clear()
    cut_off.clear()

    # After the reload the page says what it can resume.
    pending = page.locator("[data-pending]")
    expect(pending).to_be_visible()
    expect(pending).to_contain_text("glider_section.nc")
    expect(pending).to_contain_text("30.0 MB of 64.0 MB already stored")
    shot(page, "04-wizard-after-reload")

    # The same file chosen again: only the missing parts are sent. Three go through, then the
    # depositor pauses while the others hang, and resumes.
    before = set(stored_parts(deposit))
    # Six parts, whichever of the four in flight finished first: not always exactly 1 to 6.
    assert len(before) == 6 and before <= set(range(1, 11)), before
    page.route(LOCAL_PART, let_through(3))
    page.get_by_label("Choose files").set_input_files(str(path))
    expect(pending).to_be_hidden()
    expect(page.locator("[data-live]")).to_contain_text("resuming; 6 of 13 parts were already stored")
    wait_until(page, lambda: len(stored_parts(deposit)) == 9, message="nine parts stored")
    wait_until(page, lambda: len(held) > 0, message="a part waiting")
    row.get_by_role("button", name="Pause glider_section.nc").click()
    # the parts on their way would be kept, but these are held and never finish: stopped at once
    expect(row.locator(".upload-state")).to_have_text("Pausing…")
    expect(row.get_by_role("button", name="Resume glider_section.nc")).to_be_focused()
    row.get_by_role("button", name="Stop now glider_section.nc").click()
    expect(row.locator(".upload-state")).to_have_text("Paused")
    expect(row.get_by_role("button", name="Resume glider_section.nc")).to_be_focused()
    shot(page, "05-wizard-paused")
    page.unroute_all(behavior="ignoreErrors")

    # Slowed down, so that speed and time left show.
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 5, "downloadThroughput": -1, "uploadThroughput": 6 * MiB},
    )
    row.get_by_role("button", name="Resume glider_section.nc").click()
    expect(row.locator(".uploader-stats")).to_contain_text(re.compile(r"/s · .+ left"), timeout=15_000)
    shot(page, "06-wizard-resumed-speed")
    expect(row.locator(".upload-state")).to_have_text("Ready", timeout=60_000)
    expect(row.locator(".upload-checksum .mono")).to_have_text(sha256)
    # the wizard's own table of files follows (htmx)
    expect(page.locator("#files-table")).to_contain_text(sha256)
    shot(page, "07-wizard-ready")

    missing = sorted(set(range(1, count + 1)) - before)
    assert sorted(set(sent)) == missing, sent  # no stored part was sent again
    # Each missing part sent once, except those the pause cut off (held, or still on their way):
    # sent again once after the resume.
    repeated = {number for number in sent if sent.count(number) > 1}
    assert repeated <= set(cut_off) and all(sent.count(number) <= 2 for number in sent), (sent, cut_off)
    file = DepositFile.objects.get(deposit=deposit)
    assert (file.state, file.sha256, file.size) == ("ready", sha256, 64 * MiB)
    assert page.evaluate("localStorage.getItem('estran:uploads')") in (None, "{}")


# --- straight to S3 (moto), a part answered 500 once --------------------------------------------


def test_an_upload_to_s3_retries_a_part_answered_500_and_ends_ready(
    site, page, deposit, s3, settings, tmp_path, eager_celery
):
    from django.core.management import call_command
    from playwright.sync_api import expect

    from deposit.models import DepositFile

    # the browser talks to moto itself: the fault proxy does not answer CORS preflights
    settings.S3_ENDPOINT_URL = s3.direct_url
    call_command("estran_storage", "--cors", stdout=io.StringIO())
    path = tmp_path / "sediment_cores.csv"
    path.write_bytes(os.urandom(11 * MiB))  # 5 + 5 + 1 MiB
    sha256 = hashlib.sha256(path.read_bytes()).hexdigest()

    sent: list[int] = []

    def part_number(url: str) -> int | None:
        query = parse_qs(urlsplit(url).query)
        return int(query["partNumber"][0]) if "partNumber" in query else None

    page.on(
        "request", lambda r: r.method == "PUT" and r.url.startswith(s3.direct_url) and sent.append(part_number(r.url))
    )
    failed = []

    def fail_part_two_once(route):
        if route.request.method == "PUT" and part_number(route.request.url) == 2 and not failed:
            failed.append(route.request.url)
            route.fulfill(
                status=500,
                body="<Error><Code>InternalError</Code></Error>",
                headers={"Content-Type": "application/xml", "Access-Control-Allow-Origin": site},
            )
        else:
            route.continue_()

    page.route(re.compile(re.escape(s3.direct_url) + r"/.*partNumber="), fail_part_two_once)
    record_announcements(page)
    page.goto(f"{site}/deposits/{deposit.pk}/")
    page.get_by_label("Choose files").set_input_files(str(path))
    row = item(page, "sediment_cores.csv")
    expect(row.locator(".upload-state")).to_have_text("Ready", timeout=60_000)
    expect(row.locator(".upload-checksum .mono")).to_have_text(sha256)
    shot(page, "08-s3-ready-after-a-500")

    assert failed, "part 2 was never answered 500"
    said = page.evaluate("window.__said")
    assert any(
        re.search(
            r"sediment_cores.csv: A part was not accepted \(HTTP error 500\); trying again in \d+ s "
            r"\(attempt 2 of 5\)",
            text,
        )
        for text in said
    ), said
    assert "sediment_cores.csv is ready." in said
    assert sorted(sent) == [1, 2, 2, 3], sent  # part 2 twice, the others once
    file = DepositFile.objects.get(deposit=deposit)
    assert (file.state, file.sha256) == ("ready", sha256)
    assert s3.client().head_object(Bucket=settings.S3_BUCKET, Key=file.storage_key)["ContentLength"] == 11 * MiB


# --- a part the store refuses: the file is shown failed, with why ---------------------------------


def test_a_part_whose_bytes_do_not_match_its_checksum_fails_the_file_and_removing_it_cancels_the_upload(
    site, page, deposit, tmp_path
):
    from playwright.sync_api import expect

    from deposit.models import DepositFile

    path = tmp_path / "station_log.txt"
    path.write_bytes(b"2024-04-25T10:00Z P01 CTD cast 1\n" * 1000)

    def corrupt(route):
        body = route.request.post_data_buffer
        route.continue_(post_data=b"X" + body[1:])  # the part's URL is signed for the true SHA-256

    page.route(LOCAL_PART, corrupt)
    page.goto(f"{site}/deposits/{deposit.pk}/wizard/files/")
    page.get_by_label("Choose files").set_input_files(str(path))
    row = item(page, "station_log.txt")
    expect(row.locator(".upload-state")).to_have_text("Failed")
    expect(row.locator(".upload-message")).to_contain_text("The file changed on this computer while it was being sent")
    expect(page.locator("[data-live]")).to_contain_text("station_log.txt failed:")
    shot(page, "09-part-refused")
    assert DepositFile.objects.get(deposit=deposit).state == "uploading"  # nothing stored, nothing verified

    row.get_by_role("button", name="Remove from the list station_log.txt").click()
    expect(row).to_have_count(0)
    wait_until(page, lambda: not DepositFile.objects.filter(deposit=deposit).exists(), message="the upload aborted")
    expect(page.get_by_label("Choose files")).to_be_focused()


# --- in French ----------------------------------------------------------------------------------


@pytest.mark.parametrize("locale", ["fr-FR"])
def test_the_uploader_speaks_french(site, page, deposit, tmp_path):
    from playwright.sync_api import expect

    path = tmp_path / "profils_ctd.csv"
    data = b"station;profondeur_m;temperature_c\nP01;5;14,2\n" * 200
    path.write_bytes(data)
    page.goto(f"{site}/deposits/{deposit.pk}/wizard/files/")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    page.get_by_label("Choisir des fichiers").set_input_files(str(path))
    row = item(page, "profils_ctd.csv")
    expect(row.locator(".upload-state")).to_have_text("Prêt")
    expect(row.locator(".uploader-stats")).to_have_text(
        "9,0 Kio sur 9,0 Kio"
    )  # 9,200 bytes, as Django says it in French
    expect(row.locator(".upload-checksum .mono")).to_have_text(hashlib.sha256(data).hexdigest())
    expect(page.locator("[data-live]")).to_have_text("profils_ctd.csv est prêt.")
    expect(page.locator("[data-overall]")).to_contain_text("1 fichier(s) terminé(s) sur 1")
    shot(page, "10-in-french")
