"""A whole moderation round in Chromium, two people in two browser contexts: the depositor
submits; the moderator claims it from the queue, comments on the bounding box and on a file, and
requests changes; the depositor finds the comments beside the fields in the wizard, replies, fixes
the box and resubmits; the moderator sees what changed since the first round and approves; both
read the same timeline, and the e-mails of each step were sent.

Chromium (the Debian package) driven by Playwright against the live server and PostgreSQL; tasks
(notification e-mails, the DOI) run eagerly in the server's process, whose e-mails land in the
outbox the test reads."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


@pytest.fixture
def deposit(depositor, communities):
    from tests.factories import complete_metadata, deposit_with_file

    depositor.display_name = "Anne Le Goff"
    depositor.save()
    return deposit_with_file(
        depositor,
        community=communities["ocean"],
        metadata=complete_metadata(),
        content=b"station,depth,temp\nP01,5,14.2\n",
        name="ctd.csv",
    )


def signed_in(browser, user):
    """A browser context with the user's session, as after signing in."""
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    context = browser.new_context(viewport={"width": 1280, "height": 1000}, locale="en-GB")
    context.set_default_timeout(15_000)
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": settings.SITE_URL,
            }
        ]
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return context, page, errors


def shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"moderation-{name}.png"), full_page=True)


def subjects(mailoutbox, address: str) -> list[str]:
    return [m.subject for m in mailoutbox if address in m.to]


def test_a_full_round_of_review_with_changes_requested_then_approval(
    site, browser, deposit, depositor, moderator, mailoutbox
):
    from playwright.sync_api import expect

    from deposit.models import Deposit

    moderator.display_name = "Marc Moderator"
    moderator.save()
    depositor_context, depo, depo_errors = signed_in(browser, depositor)
    moderator_context, mod, mod_errors = signed_in(browser, moderator)
    deposit_url = f"{site}/deposits/{deposit.pk}/"
    review_url = f"{site}/moderation/deposits/{deposit.pk}/"

    # The depositor submits.
    depo.goto(deposit_url)
    depo.get_by_role("button", name="Submit for review").click()
    expect(depo.locator(".messages")).to_contain_text("Submitted for review.")

    # The moderator finds it waiting in the queue, with the count in the navigation, and claims it.
    mod.goto(f"{site}/moderation/")
    expect(mod.get_by_role("link", name=re.compile(r"Moderation queue.*1"))).to_be_visible()
    row = mod.locator("tr", has=mod.get_by_role("link", name=deposit.title))
    expect(row).to_contain_text("on time")
    shot(mod, "01-queue")
    row.get_by_role("button", name=re.compile("^Claim")).click()
    expect(mod.locator(".messages")).to_contain_text("You are now reviewing this deposit.")
    expect(mod).to_have_url(review_url)  # claiming opens the review page

    # The review page: the deposit by steps, the checks, the file's preview.
    expect(mod.locator("#step-where_when")).to_contain_text("Bay of Biscay")
    expect(mod.locator(".checks, [data-checks]").first).to_be_visible()
    file = Deposit.objects.get(pk=deposit.pk).files.get()
    expect(mod.locator(f"#file-{file.pk}")).to_contain_text("ctd.csv")

    # A comment on the bounding box (the first location) and one on the file.
    box = mod.locator("#field-geo_locations-0")
    box.get_by_text("Comment on this").click()
    box.get_by_label("Comment on “Location 1”").fill("The **west** bound looks wrong: the casts start at 5.5° W.")
    box.get_by_role("button", name="Add the comment").click()
    expect(box.locator("strong", has_text="west")).to_be_visible()
    on_file = mod.locator(f"#file-{file.pk}")
    on_file.get_by_text("Comment on this").click()
    on_file.get_by_label("Comment on “ctd.csv”").fill("Please give the units of each column in a README.")
    on_file.get_by_role("button", name="Add the comment").click()
    expect(on_file).to_contain_text("Please give the units of each column in a README.")
    shot(mod, "02-review-commented")

    # Changes requested, with a message.
    mod.get_by_label(re.compile("What should change")).fill("Two points to fix, see the comments.")
    mod.get_by_role("button", name="Request changes").click()
    expect(mod.locator(".messages")).to_contain_text("Changes requested")

    # The depositor sees the comments beside the fields in the wizard, replies and fixes the box.
    depo.goto(deposit_url)
    expect(depo.locator(".badge.status-changes_requested")).to_be_visible()
    # The request first on the page (it is in the timeline too).
    expect(depo.locator("#change-request")).to_contain_text("Two points to fix, see the comments.")
    depo.goto(f"{deposit_url}wizard/where_when/")
    comments = depo.locator("[data-step-comments]")
    expect(comments).to_contain_text("looks wrong: the casts start at 5.5° W.")
    marker = depo.locator('[data-comment-marker="geo_locations-0"]')
    expect(marker).to_be_visible()
    expect(marker).to_have_text("1 comment")
    shot(depo, "03-wizard-with-comments")
    comments.locator("summary", has_text="Reply").first.click()
    comments.get_by_label("Your reply").first.fill("Right, fixed: the box now starts at 5.5° W.")
    comments.get_by_role("button", name="Reply").first.click()
    expect(comments).to_contain_text("Right, fixed: the box now starts at 5.5° W.")
    depo.locator("#f-geo_locations-0-box-west").fill("-5.5")
    depo.locator("#f-geo_locations-0-place").click()
    expect(depo.locator("#save-status")).to_have_attribute("data-state", "saved", timeout=15_000)
    assert Deposit.objects.get(pk=deposit.pk).metadata["geo_locations"][0]["box"]["west"] == -5.5

    depo.goto(deposit_url)
    depo.get_by_role("button", name="Resubmit").click()
    expect(depo.locator(".messages")).to_contain_text("Resubmitted for review.")

    # Back to the same moderator, with what changed since the first round.
    mod.goto(f"{site}/moderation/?tab=mine")
    row = mod.locator("tr", has=mod.get_by_role("link", name=deposit.title))
    expect(row).to_be_visible()
    expect(row.get_by_role("button", name=re.compile("^Claim"))).to_have_count(0)  # still theirs: no claim again
    mod.goto(review_url)
    diff = mod.locator(".review-diff")
    expect(diff).to_contain_text("What changed since round 1")
    expect(diff.locator("tr", has_text="West longitude")).to_contain_text("-6")
    expect(diff.locator("tr", has_text="West longitude")).to_contain_text("-5.5")
    expect(mod.locator("#field-geo_locations-0")).to_contain_text("Right, fixed")
    shot(mod, "04-review-diff")
    mod.get_by_role("button", name="Approve").click()  # then confirm: the DOI becomes permanent
    mod.get_by_label("I understand that the DOI becomes permanent.").check()
    mod.get_by_role("button", name="Approve and publish").click()
    expect(mod.locator(".messages")).to_contain_text("Approved: the record is published.")

    # Both read the same timeline.
    for page in (depo, mod):
        page.goto(deposit_url)
        timeline = page.locator("ol.timeline")
        for text in (
            "Submitted for review",
            "Claimed for review",
            "Commented on Location 1",
            "Changes requested",
            "Replied on Location 1",
            "Resubmitted",
            "Approved",
            "Published",
        ):
            expect(timeline).to_contain_text(text)
    shot(depo, "05-deposit-timeline")
    report = depo.request.get(f"{site}/moderation/deposits/{deposit.pk}/report.pdf")
    assert report.ok and report.headers["content-type"] == "application/pdf"

    # The e-mails of each step, to the people concerned.
    to_moderator = subjects(mailoutbox, moderator.email)
    to_depositor = subjects(mailoutbox, depositor.email)
    title = deposit.title
    assert to_moderator == [
        f"[Estran] {what}: {title}" for what in ("Submitted for review", "New comment", "Resubmitted for review")
    ]  # the comment: the depositor's reply
    assert to_depositor == [
        f"[Estran] {what}: {title}"
        for what in (
            "In review",
            "New comment",
            "New comment",
            "Changes requested",  # resubmitted, it returns to the moderator still claimed: no new "In review"
            "Approved",
            "Published",
        )
    ]
    assert not depo_errors and not mod_errors, (depo_errors, mod_errors)
    depositor_context.close()
    moderator_context.close()
