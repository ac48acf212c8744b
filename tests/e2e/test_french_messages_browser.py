"""The wizard in French shows the server's validation messages in French (issue 15): the checks of
the metadata document (an abstract is required) and pydantic's own (a latitude at most 90), on
the review step and in the autosave's answer; at the field the browser's own check says it, once,
in French. One browser page, at phone width, signed in once."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

from tests.e2e.test_browser_flow import sign_in
from tests.factories import complete_metadata, deposit_with_file

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
SHOTS = Path(os.environ.get("ESTRAN_SHOTS", "/tmp/shots_i"))
ENGLISH = re.compile(r"Input should|String should|Field required|An abstract is required|Must be at most")


def test_the_wizard_in_french_shows_the_server_messages_in_french(
    live_server, settings, browser, depositor, communities
):
    settings.SITE_URL = live_server.url
    metadata = complete_metadata()
    metadata["descriptions"] = []
    metadata["geo_locations"][0]["box"]["north"] = 120
    deposit = deposit_with_file(depositor, community=communities["ocean"], metadata=metadata)
    context = browser.new_context(viewport=PHONE, locale="fr-FR")
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    from playwright.sync_api import expect

    try:
        sign_in(page, live_server.url, depositor.username)
        # a draft without an abstract opens without red: the problem waits until the field is left
        page.goto(f"{live_server.url}/deposits/{deposit.pk}/wizard/describe/")
        abstract, abstract_problems = page.locator("#f-abstract"), page.locator("#f-abstract-problems")
        expect(abstract_problems).to_be_hidden()
        assert abstract.get_attribute("aria-invalid") is None
        assert "Un résumé est obligatoire." not in page.locator("#wizard-form").inner_text()
        with page.expect_response(lambda r: r.url.endswith("/wizard/save")) as saved:  # typing elsewhere
            page.locator("#f-title").fill("CTD casts of the PELGAS 2024 cruise")
            page.locator("#f-title").blur()
        assert "Un résumé est obligatoire." in [p["message"] for p in saved.value.json()["problems"]]
        expect(abstract_problems).to_be_hidden()
        abstract.focus()
        abstract.blur()
        expect(abstract_problems).to_have_text("Un résumé est obligatoire.")
        assert abstract.get_attribute("aria-invalid") == "true"
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "french-describe-phone.png"))

        page.goto(f"{live_server.url}/deposits/{deposit.pk}/wizard/review")
        problems = page.locator(".review-problems")
        expect(problems).to_contain_text("Un résumé est obligatoire.")
        expect(problems).to_contain_text("Doit valoir au plus 90.")
        assert not ENGLISH.search(problems.inner_text())
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "french-review-phone.png"), full_page=True)

        # the field's own message, as loaded, then as the autosave answers a new value
        page.goto(f"{live_server.url}/deposits/{deposit.pk}/wizard/where_when/")
        north = page.locator("#f-geo_locations-0-box-north")
        slot = page.locator("#f-geo_locations-0-box-north-problems")
        check = page.locator("#f-geo_locations-0-box-north-check")
        # one message at the field: the browser's own check says it, in French, and the server's
        # (the same fault) gives way to it
        expect(check).to_have_text("Une latitude est comprise entre −90 et 90.")
        expect(slot).to_be_hidden()
        with page.expect_response(lambda r: r.url.endswith("/wizard/save") and r.request.method == "POST") as saved:
            north.fill("95")
            north.blur()
        answer = saved.value.json()["problems"]
        assert {p["message"] for p in answer if p["anchor"] == "f-geo_locations-0-box-north"} == {
            "Doit valoir au plus 90."
        }
        expect(check).to_have_text("Une latitude est comprise entre −90 et 90.")
        expect(slot).to_be_hidden()
        assert not ENGLISH.search(page.locator("form").first.inner_text())
        page.screenshot(path=str(SHOTS / "french-where-phone.png"), full_page=True)
    finally:
        context.close()
    assert not errors, errors
