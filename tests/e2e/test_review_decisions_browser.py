"""The moderator's decisions in Chromium (issue 15, "Moderator"): *Claim* in the queue opens the
review page; a resubmitted deposit returns to its moderator still claimed (no second claim)."""

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


@pytest.fixture
def site(live_server, settings, eager_celery):
    settings.SITE_URL = live_server.url
    settings.DOI_PROVIDER = "local"
    return live_server.url


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
