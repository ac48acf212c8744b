"""The moderator's decisions in Chromium (issue 15, "Moderator"): *Claim* in the queue opens the
review page; a resubmitted deposit returns to its moderator still claimed (no second claim);
*Approve* asks for confirmation, saying that the DOI becomes permanent, with or without JavaScript."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.test_moderation_round_browser import signed_in

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots_g")


def session_cookie(user, site: str) -> dict:
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    name = settings.SESSION_COOKIE_NAME
    return {"name": name, "value": client.cookies[name].value, "url": site}


@pytest.fixture
def submitted(depositor, communities):
    from deposit import services
    from tests.factories import deposit_with_file

    deposit = deposit_with_file(depositor, community=communities["ocean"])
    return services.deposit_act(deposit=deposit, action="submit", actor=depositor)


def test_claim_opens_the_review_and_a_resubmission_stays_claimed(site, browser, submitted, depositor, moderator):
    from deposit import services
    from deposit.models import Deposit

    context, page, errors = signed_in(browser, moderator)
    page.goto(f"{site}/moderation/")
    row = page.locator("tr", has=page.get_by_role("link", name=submitted.title))
    row.get_by_role("button", name=re.compile("^Claim")).click()
    expect(page).to_have_url(f"{site}/moderation/deposits/{submitted.pk}/")
    expect(page.locator(".messages")).to_contain_text("You are now reviewing this deposit.")
    expect(page.locator("#decide").get_by_role("button", name=re.compile("^Approve"))).to_be_visible()

    # Changes requested, then resubmitted: back to the same moderator, still theirs, nothing to claim.
    deposit = Deposit.objects.get(pk=submitted.pk)
    services.deposit_act(deposit=deposit, action="request_changes", actor=moderator, note="Dates, please.")
    services.deposit_act(deposit=Deposit.objects.get(pk=submitted.pk), action="resubmit", actor=depositor)
    page.goto(f"{site}/moderation/?tab=mine")
    row = page.locator("tr", has=page.get_by_role("link", name=submitted.title))
    expect(row).to_be_visible()
    expect(row.get_by_role("button", name=re.compile("^Claim"))).to_have_count(0)
    page.screenshot(path=str(SHOTS / "queue-mine-after-resubmit-en.png"), full_page=True)
    row.get_by_role("link", name=submitted.title).click()
    expect(page.locator("#decide").get_by_role("button", name=re.compile("^Approve"))).to_be_visible()
    expect(page.locator(".page-header")).to_contain_text(f"Reviewer: {moderator.name}.")
    context.close()
    assert errors == []


def test_approve_asks_to_confirm_that_the_doi_becomes_permanent_even_without_javascript(
    site, browser, submitted, moderator
):
    from deposit import services
    from deposit.models import Deposit

    services.deposit_act(deposit=submitted, action="claim", actor=moderator)
    doi = Deposit.objects.get(pk=submitted.pk).pid.doi
    review_url = f"{site}/moderation/deposits/{submitted.pk}/"

    # French, on a phone: the confirmation page says it in French.
    context, page, errors = signed_in(browser, moderator)
    context.add_cookies([{"name": "django_language", "value": "fr", "url": site}])
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(review_url)
    page.locator("#decide").get_by_role("button", name="Approuver…").click()
    expect(page.get_by_role("heading", name="Approuver ce dépôt ?")).to_be_visible()
    expect(page.locator(".approve-confirm")).to_contain_text("Le DOI devient permanent")
    expect(page.locator(".approve-confirm")).to_contain_text(doi)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(SHOTS / "approve-confirm-phone-fr.png"), full_page=True)
    context.close()

    # Without JavaScript, in English: one click does not publish; the box must be ticked.
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB", java_script_enabled=False)
    context.add_cookies([session_cookie(moderator, site)])
    page = context.new_page()
    page.goto(review_url)
    page.locator("#decide").get_by_role("button", name="Approve…").click()
    expect(page).to_have_url(re.compile(rf"{re.escape(review_url)}approve\??$"))
    confirm = page.locator(".approve-confirm")
    expect(confirm).to_contain_text(f"activates its DOI, {doi}.")
    expect(confirm).to_contain_text("The DOI becomes permanent: it can never be deleted")
    page.screenshot(path=str(SHOTS / "approve-confirm-desktop-en.png"), full_page=True)
    approve = confirm.get_by_role("button", name="Approve and publish")
    approve.click()  # the box is not ticked: the browser refuses to send the form
    expect(page).to_have_url(re.compile(rf"{re.escape(review_url)}approve\??$"))
    assert Deposit.objects.get(pk=submitted.pk).status == "in_review"
    assert confirm.get_by_label("I understand that the DOI becomes permanent.").evaluate("el => !el.validity.valid")
    confirm.get_by_label("I understand that the DOI becomes permanent.").check()
    approve.click()
    expect(page.locator(".messages")).to_contain_text("Approved: the record is published.")
    assert Deposit.objects.get(pk=submitted.pk).status == "published"
    context.close()
    assert errors == []
