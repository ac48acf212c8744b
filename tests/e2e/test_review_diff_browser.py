"""The review page's "What changed" in Chromium (issue 15): a changed abstract shows the words that
changed, struck out in the old text and marked in the new, the rest of both texts as it was; each
mark is announced to screen readers by a hidden word (deleted, inserted) that a sighted reader does
not see; and a depositor's HTML in the text shows as text. English on a desktop, French on a phone.
Screenshots go to /tmp/shots_misc/."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots_misc")
BEFORE = "Temperature and salinity profiles from 120 CTD casts on the shelf, <b>quality</b> checked."
AFTER = "Temperature and salinity profiles from 124 CTD casts on the shelf and slope, <b>quality</b> checked."


@pytest.fixture
def resubmitted(depositor, moderator, communities):
    from deposit import services
    from deposit.models import Deposit
    from tests.factories import complete_metadata, deposit_with_file

    metadata = complete_metadata()
    metadata["descriptions"] = [{"description": BEFORE}]
    deposit = deposit_with_file(depositor, community=communities["ocean"], metadata=metadata)
    services.deposit_act(deposit=deposit, action="submit", actor=depositor)
    services.deposit_act(deposit=deposit, action="claim", actor=moderator)
    deposit = services.deposit_act(deposit=deposit, action="request_changes", actor=moderator, note="How many casts?")
    metadata["descriptions"] = [{"description": AFTER}]
    services.deposit_update(deposit=deposit, actor=depositor, metadata=metadata, revision=deposit.revision)
    services.deposit_act(deposit=Deposit.objects.get(pk=deposit.pk), action="resubmit", actor=depositor)
    return deposit


def seen(locator) -> str:
    """The text a sighted reader sees: without the words hidden for screen readers."""
    return locator.evaluate(
        "el => { const c = el.cloneNode(true); c.querySelectorAll('.visually-hidden').forEach((n) => n.remove());"
        " return c.textContent; }"
    )


def signed_in(browser, user, *, locale: str, viewport: dict):
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    context = browser.new_context(viewport=viewport, locale=locale)
    context.set_default_timeout(15_000)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": settings.SITE_URL}])
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return context, page, errors


@pytest.mark.parametrize(
    ("locale", "viewport", "hidden", "name"),
    [
        ("en-GB", {"width": 1280, "height": 900}, ("deleted:", "inserted:"), "desktop-en"),
        ("fr-FR", {"width": 390, "height": 844}, ("supprimé\u00a0:", "ajouté\u00a0:"), "phone-fr"),
    ],
)
def test_a_changed_abstract_shows_the_words_that_changed(
    site, browser, resubmitted, moderator, locale, viewport, hidden, name
):
    context, page, errors = signed_in(browser, moderator, locale=locale, viewport=viewport)
    page.goto(f"{site}/moderation/deposits/{resubmitted.pk}/")
    row = page.locator(".review-diff tr.diff-changed", has=page.locator("del"))
    expect(row).to_have_count(1)
    before, after = row.locator("td").nth(0), row.locator("td").nth(1)

    # Only the words that changed are marked; the rest reads as typed, the depositor's <b> as text.
    assert [seen(d) for d in before.locator("del").all()] == ["120"]
    assert [seen(i) for i in after.locator("ins").all()] == ["124", " and slope"]
    assert seen(before) == BEFORE and seen(after) == AFTER
    assert before.locator("b").count() == 0 and after.locator("b").count() == 0

    # The marks look like marks, and say what they are to screen readers (hidden from sight).
    struck = before.locator("del").first.evaluate("el => getComputedStyle(el).textDecorationLine")
    assert "line-through" in struck
    deleted, inserted = hidden
    spoken = before.locator("del .visually-hidden").first
    expect(spoken).to_have_text(deleted + " ")
    box = spoken.bounding_box()
    assert box is None or (box["width"] <= 1 and box["height"] <= 1)
    expect(after.locator("ins .visually-hidden").first).to_have_text(inserted + " ")
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]  # no sideways scroll

    SHOTS.mkdir(parents=True, exist_ok=True)
    page.locator(".review-diff").screenshot(path=str(SHOTS / f"review-diff-{name}.png"))
    context.close()
    assert errors == [], errors
