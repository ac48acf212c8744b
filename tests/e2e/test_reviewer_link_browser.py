"""Private reviewer links in Chromium (issue 15): the depositor gives a link on the deposit's page and
copies it; a browser with no cookie at all (a journal's reviewer, no account) opens it, reads the
deposit and downloads a file; once the link is revoked, once another has expired, and for a guessed
token, that browser gets the site's 404 page. The reviewer's view in French at phone width too.

One deposit, submitted; one depositor's context and one anonymous context, each reused."""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.e2e.test_moderation_round_browser import signed_in

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots_rlink")
CONTENT = b"depth,temperature,salinity\n1,12.5,35.1\n2,12.1,35.2\n"
NO_SIDEWAYS_SCROLL = "() => document.documentElement.scrollWidth <= window.innerWidth"


@pytest.fixture
def submitted(depositor, communities):
    from deposit import services
    from tests.factories import deposit_with_file

    deposit = deposit_with_file(depositor, community=communities["ocean"], content=CONTENT, name="ctd_casts.csv")
    return services.deposit_act(deposit=deposit, action="submit", actor=depositor)


def test_a_reviewer_without_an_account_reads_and_downloads_until_the_link_is_revoked_or_expires(
    site, browser, submitted, depositor
):
    from deposit import services
    from deposit.models import ReviewerLink

    SHOTS.mkdir(parents=True, exist_ok=True)
    context, page, errors = signed_in(browser, depositor)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=site)

    # The depositor gives a link on the deposit's page, without script needed (a plain form).
    page.goto(f"{site}/deposits/{submitted.pk}/")
    section = page.locator("#reviewer-links")
    expect(section).to_contain_text("No reviewer link yet.")
    section.get_by_label("For whom").fill("Journal of Marine Systems, MS 2026-123")
    section.get_by_label("Valid for (days)").fill("21")
    section.get_by_role("button", name="Create a reviewer link").click()
    expect(page.locator("h1")).to_have_text("Your new reviewer link")
    url = page.locator("#new-reviewer-link").inner_text().strip()
    assert url.startswith(f"{site}/review/")
    page.get_by_role("button", name="Copy the link").click()
    expect(page.locator("#copy-reviewer-link-status")).to_have_text("Link copied.")
    assert page.evaluate("navigator.clipboard.readText()") == url
    page.screenshot(path=str(SHOTS / "created-desktop-en.png"), full_page=True)

    # A reviewer: a browser with no cookie, no account.
    reviewer = browser.new_context(viewport={"width": 1280, "height": 1000}, locale="en-GB", accept_downloads=True)
    reviewer.set_default_timeout(15_000)
    assert reviewer.cookies() == []
    anonymous = reviewer.new_page()
    answer = anonymous.goto(url)
    assert answer.status == 200
    assert answer.headers["x-robots-tag"] == "noindex, nofollow" and answer.headers["referrer-policy"] == "no-referrer"
    expect(anonymous.locator(".confidential-banner")).to_contain_text("Confidential: a view before publication.")
    expect(anonymous.locator("h1")).to_have_text(str(submitted))
    expect(anonymous.locator("#step-people")).to_contain_text("Le Goff, Anne")
    expect(anonymous.locator("#step-links_licence")).to_contain_text("Creative Commons Attribution 4.0")
    expect(anonymous.locator("#step-where_when #extent-map")).to_have_attribute("data-ready", "land")
    anonymous.locator(".file-preview summary").click()
    expect(anonymous.locator(".preview-table")).to_contain_text("salinity")
    body = anonymous.locator("main").inner_text()
    assert "Journal of Marine Systems" not in body and depositor.email not in body
    assert anonymous.locator(f"a[href*='/deposits/{submitted.pk}']").count() == 0
    assert anonymous.locator("a[href^='/account/'], a[href*='/moderation/']").count() == 0
    anonymous.screenshot(path=str(SHOTS / "reviewer-desktop-en.png"), full_page=True)
    with anonymous.expect_download() as download:
        anonymous.get_by_role("link", name="Download ctd_casts.csv").click()
    assert download.value.suggested_filename == "ctd_casts.csv"
    assert Path(download.value.path()).read_bytes() == CONTENT

    # The depositor sees the use, counted on the link, and revokes it.
    page.goto(f"{site}/deposits/{submitted.pk}/#reviewer-links")
    expect(section).to_contain_text("1 view, 1 download")
    expect(section).to_contain_text("expires on")
    section.screenshot(path=str(SHOTS / "deposit-section-desktop-en.png"))
    section.get_by_role("button", name="Revoke").click()
    expect(page.locator(".messages")).to_contain_text("is revoked")
    expect(section.locator(".badge.bad")).to_have_text("revoked")

    gone = anonymous.goto(url)
    assert gone.status == 404
    expect(anonymous.locator("h1")).to_have_text("Page not found")

    # Another link, past its expiry; and a token nobody gave.
    link, token = services.reviewer_link_create(
        deposit=submitted, actor=depositor, label="Ocean Science", expires_in_days=1
    )
    assert anonymous.goto(f"{site}/review/{token}/").status == 200
    ReviewerLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    for address in (f"{site}/review/{token}/", f"{site}/review/{secrets.token_urlsafe(32)}/"):
        assert anonymous.goto(address).status == 404
        expect(anonymous.locator("h1")).to_have_text("Page not found")
    anonymous.screenshot(path=str(SHOTS / "not-found-desktop-en.png"), full_page=True)

    # The reviewer's view at phone width, in French: no sideways scroll.
    _link, open_token = services.reviewer_link_create(
        deposit=submitted, actor=depositor, label="ESSD", expires_in_days=5
    )
    phone = browser.new_context(
        viewport={"width": 390, "height": 844}, locale="fr-FR", extra_http_headers={"Accept-Language": "fr-FR,fr;q=0.9"}
    )
    french = phone.new_page()
    assert french.goto(f"{site}/review/{open_token}/").status == 200
    expect(french.locator(".confidential-banner")).to_contain_text("Confidentiel : une consultation avant publication.")
    expect(french.get_by_role("link", name="Télécharger ctd_casts.csv")).to_be_visible()
    assert french.evaluate(NO_SIDEWAYS_SCROLL)
    french.screenshot(path=str(SHOTS / "reviewer-phone-fr.png"), full_page=True)
    assert errors == []
    for each in (phone, reviewer, context):
        each.close()
