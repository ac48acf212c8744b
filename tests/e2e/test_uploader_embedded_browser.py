"""Seven files chosen at once in the wizard's Files step, on the embedded default as `make run` starts
it (Procfile.dev's web server and worker, SQLite, the file-system broker, the local store): the
issue-13 reproduction. Every file ends ready with its SHA-256, the worker verifying the larger
ones meanwhile; no line ever says "trying again", and the server answered no 5xx."""

from __future__ import annotations

import hashlib
import os
import re

import pytest
import requests

from tests.factories import complete_metadata

pytestmark = pytest.mark.browser

MiB = 1024 * 1024
# Sizes of the seven files: one part or several (8 MiB parts), verified in the completion request
# (up to 8 MiB) or by the worker.
SIZES = [300 * 1024, 2 * MiB, 5 * MiB, 7 * MiB, 9 * MiB, 12 * MiB, 17 * MiB]


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    from bench.soak.stack import running_stack

    with running_stack(tmp_path_factory.mktemp("embedded"), email_url="consolemail://", depositors=1) as stack:
        yield stack


def test_seven_files_chosen_at_once_all_end_ready_and_none_is_retried(browser, stack, tmp_path):
    from playwright.sync_api import expect

    api = requests.Session()
    api.headers["Authorization"] = f"Bearer {stack.tokens['soak-dep-01']}"
    deposit = api.post(
        f"{stack.site}/api/deposits", json={"community": "ocean", "metadata": complete_metadata()}, timeout=30
    ).json()
    files = {}
    for number, size in enumerate(SIZES, 1):
        path = tmp_path / f"ctd_cast_{number:02d}.csv"
        path.write_bytes(os.urandom(size))
        files[path] = hashlib.sha256(path.read_bytes()).hexdigest()

    context = browser.new_context(viewport={"width": 1280, "height": 1200}, locale="en-GB")
    context.set_default_timeout(30_000)
    # Every text an upload's message line ever shows, kept as it appears.
    context.add_init_script("""
        window.__messages = [];
        new MutationObserver(() => {
            for (const el of document.querySelectorAll(".upload-message")) {
                if (el.textContent && !window.__messages.includes(el.textContent)) {
                    window.__messages.push(el.textContent);
                }
            }
        }).observe(document, {subtree: true, childList: true, characterData: true});
    """)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("dialog", lambda dialog: dialog.accept())
    try:
        page.goto(f"{stack.site}/accounts/login/")
        page.fill("input[name=login]", "soak-dep-01")
        page.fill("input[name=password]", "soak-password")
        page.locator(".auth-card form button[type=submit]").click()
        page.wait_for_url(f"{stack.site}/deposits/")
        page.goto(f"{stack.site}/deposits/{deposit['id']}/wizard/files/")
        uploader = page.locator("[data-uploader]")
        expect(uploader).to_have_class(re.compile(r"\bis-enhanced\b"))
        page.locator("[data-uploader] input[type=file]").first.set_input_files([str(p) for p in files])

        for path, sha256 in files.items():
            row = page.locator(".upload-item", has=page.locator(".upload-name", has_text=path.name))
            expect(row.locator(".upload-state")).to_have_text("Ready", timeout=120_000)
            expect(row.locator(".upload-checksum .mono")).to_have_text(sha256)
        expect(uploader.locator("[data-overall]")).to_contain_text("7 of 7 files done")
        messages = page.evaluate("window.__messages")
    finally:
        context.close()
    assert errors == []
    assert not [m for m in messages if "trying again" in m.lower()], messages
    assert messages == [], messages  # no line said anything but its progress
    stored = api.get(f"{stack.site}/api/deposits/{deposit['id']}/files", timeout=30).json()
    assert {(f["name"], f["state"], f["sha256"]) for f in stored} == {
        (path.name, "ready", sha256) for path, sha256 in files.items()
    }
    web = stack.log("web")
    assert not re.search(r'HTTP/1\.[01]" 5\d\d ', web), web[-3000:]
    assert "database is locked" not in web + stack.log("worker")
