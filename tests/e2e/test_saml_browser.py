"""Signing in with an institution in a real browser: the sign-in page → the discovery page → typing
→ choosing the institution → the test IdP (pysaml2 + xmlsec1, served on loopback), which signs the
user in at once and posts a signed response back → Estran, signed in, with the institution on the
account page. Chromium (the Debian package) driven by Playwright, against the live server."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests.fakes.saml_idp import FakeIdP, FakeIdPServer, federation_aggregate, make_key_pair

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.filterwarnings("ignore:CFB has been moved:cryptography.utils.CryptographyDeprecationWarning"),
]

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


def shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


@pytest.fixture
def institution(live_server, settings, tmp_path):
    """The test IdP on loopback, registered through a signed federation aggregate, trusting the
    live server's SP metadata."""
    import requests

    from accounts.saml.federation import federation_import

    settings.SITE_URL = live_server.url
    server = FakeIdPServer().start()
    idp = FakeIdP(
        entity_id="https://idp.univ-test.example/idp/shibboleth",
        sso_url=server.url + "sso",
        workdir=tmp_path,
        name_en="University of Testing",
        name_fr="Université de Test",
        scopes=["univ-test.example"],
        logo_url=server.url + "logo.png",
    )
    other = FakeIdP(
        entity_id="https://idp.elsewhere.example/idp",
        sso_url="https://idp.elsewhere.example/sso",
        workdir=tmp_path,
        name_en="Elsewhere Institute of Technology",
        scopes=["elsewhere.example"],
    )
    federation_key = make_key_pair(tmp_path, "federation")
    record = federation_import(
        source="test",
        data=federation_aggregate([idp, other], key=federation_key),
        certificate=federation_key.cert_pem,
    )
    assert record.status == "succeeded", record.reason
    idp.trust_sp(requests.get(f"{live_server.url}/saml/metadata", timeout=10).content)
    server.idp = idp
    yield server
    server.stop()


def test_a_researcher_signs_in_with_their_institution(live_server, institution, page):
    from playwright.sync_api import expect

    site = live_server.url
    page.goto(f"{site}/accounts/login/?next=/account/")
    page.get_by_role("link", name="Sign in with your institution").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in with your institution")

    page.get_by_label("Institution").press_sequentially("testing", delay=40)
    choice = page.get_by_role("button", name=re.compile("University of Testing"))
    expect(choice).to_be_visible()
    expect(page.locator("#idp-status")).to_have_text("1 institution found.")
    expect(page.locator("#idp-results")).not_to_contain_text("Elsewhere")
    shot(page, "saml-01-discovery")
    choice.click()

    # The IdP signs the user in and posts the signed response back: Estran, signed in.
    page.wait_for_url(f"{site}/account/")
    assert institution.errors == []
    assert any(r.startswith("/sso?SAMLRequest=") for r in institution.requests)
    expect(page.get_by_role("heading", level=1)).to_have_text("Your account")
    expect(page.locator("main")).to_contain_text("University of Testing")
    expect(page.locator("main")).to_contain_text("ana.lopez@univ-test.example")
    expect(page.locator(".user-nav")).to_contain_text("Ana López")
    shot(page, "saml-02-signed-in")

    # The choice is remembered on the discovery page.
    page.goto(f"{site}/account/login/institution/")
    expect(page.get_by_role("heading", name="Your last choice")).to_be_visible()
    expect(page.get_by_role("button", name=re.compile("University of Testing"))).to_be_visible()
    shot(page, "saml-03-last-choice")


def test_a_refused_response_shows_why_and_signs_nobody_in(live_server, institution, page):
    from playwright.sync_api import expect

    institution.knobs = {"expired": True}
    site = live_server.url
    page.goto(f"{site}/account/login/institution/")
    page.get_by_label("Institution").press_sequentially("univ-test.example", delay=20)
    page.get_by_role("button", name=re.compile("University of Testing")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Signing in with your institution did not work")
    expect(page.get_by_role("alert")).to_contain_text("has expired")
    expect(page.locator(".user-nav")).to_contain_text("Sign in")
    shot(page, "saml-04-refused")
