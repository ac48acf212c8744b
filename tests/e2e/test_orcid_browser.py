"""ORCID sign-in in a real browser: Chromium (the Debian package, driven by Playwright) presses
"Sign in with ORCID" on Estran's sign-in page, authorizes at the ORCID test server (which speaks
ORCID's OAuth 2 and record API, tests/fakes/orcid_server.py), and comes back to Estran signed in;
the account page shows the authenticated iD and the new-deposit form offers the depositor as first
creator. The live server and the ORCID test server both run in this process, on their own ports."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from config.settings.auth import orcid_provider_settings
from tests.fakes.orcid_server import Employment, FakeOrcid, Person

# Playwright's sync API runs an event loop in this thread; the ORM calls of the fixtures and of the
# test itself are still synchronous and safe.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
CLIENT_ID = "APP-ESTRANBROWSER1"
SECRET = "browser-test-secret"
SOFIA = "0000-0002-1825-0097"
IFREMER = "https://ror.org/044jxhp58"


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def orcid(live_server, settings, communities):
    """The ORCID test server, with the live server's callback as the client's one redirect URI,
    and Estran's settings pointing at it."""
    callback = f"{live_server.url}/accounts/orcid/login/callback/"
    server = FakeOrcid(client_id=CLIENT_ID, client_secret=SECRET, redirect_uris=[callback])
    server.start()
    settings.SITE_URL = live_server.url
    settings.SOCIALACCOUNT_PROVIDERS = {
        **settings.SOCIALACCOUNT_PROVIDERS,
        "orcid": orcid_provider_settings(base_url=server.url, client_id=CLIENT_ID, secret=SECRET),
    }
    settings.SOCIALACCOUNT_REQUESTS_TIMEOUT = 5
    yield server
    server.stop()


def shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def test_a_researcher_signs_in_with_orcid_and_is_offered_as_first_creator(live_server, orcid, page):
    from django.contrib.auth import get_user_model
    from playwright.sync_api import expect

    site = live_server.url
    orcid.add_person(
        Person(
            orcid=SOFIA,
            given_names="Sofia",
            family_name="Garcia",
            email="sofia.garcia@ifremer.fr",
            employments=[Employment("Ifremer", ror=IFREMER, start=(2018, 9))],
        )
    )

    # Estran's sign-in page → ORCID's authorize page.
    page.goto(f"{site}/accounts/login/")
    shot(page, "orcid-01-sign-in")
    page.get_by_role("button", name="Sign in with ORCID").click()
    page.wait_for_url(re.compile(re.escape(orcid.url) + r"/oauth/authorize\?"))
    expect(page.locator(".orcid")).to_have_text(SOFIA)
    shot(page, "orcid-02-authorize")

    # Authorized → back to Estran, signed in, on the depositor's deposits.
    page.get_by_role("button", name="Authorize access").click()
    page.wait_for_url(f"{site}/deposits/")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    expect(page.locator(".user-nav")).to_contain_text("Sofia Garcia")
    user = get_user_model().objects.get(orcid=SOFIA)
    assert user.orcid_authenticated

    # The account page shows the iD as authenticated.
    page.get_by_role("link", name="Sofia Garcia").click()
    expect(page.locator("#orcid-id")).to_contain_text(SOFIA)
    expect(page.locator("#orcid-id .badge")).to_have_text("authenticated")
    expect(page.locator("dl.facts")).to_contain_text("Affiliation")
    expect(page.get_by_role("link", name="ROR")).to_have_attribute("href", IFREMER)
    shot(page, "orcid-03-account")

    # A new deposit starts with the depositor as first creator.
    page.goto(f"{site}/deposits/")
    page.get_by_role("link", name="New deposit").click()
    page.get_by_role("button", name="Start the deposit").click()
    page.locator('.wstep[data-step="people"] a').click()
    expect(page.locator("#f-creators-0-family_name")).to_have_value("Garcia")
    expect(page.locator("#f-creators-0-given_name")).to_have_value("Sofia")
    expect(page.locator("#f-creators-0-orcid")).to_have_value(SOFIA)
    expect(page.locator("#f-creators-0-affiliations-0-name")).to_have_value("Ifremer")
    expect(page.locator("#f-creators-0-affiliations-0-ror")).to_have_value(IFREMER)
    shot(page, "orcid-04-new-deposit")
