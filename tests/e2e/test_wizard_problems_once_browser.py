"""Each problem once at its field in the wizard, in Chromium (issue 15): where the browser checks a
value as it is typed and the server finds the same fault when the draft is saved (a ROR id that is
not one, an embargo in the past or beyond two years, an end date before the start date), the field
shows one message, after the autosave's answer and again once the page is reloaded; an end before
the start is said at the end date, not at both dates. Screenshots go to /tmp/shots_misc/."""

from __future__ import annotations

import os
from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.test_moderation_round_browser import signed_in

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots_misc")

# The messages a sighted reader sees at the field of `id` (its check under the input, its problems).
MESSAGES_AT = """(id) => {
  const wrap = document.getElementById(id).closest(".wfield");
  return Array.from(wrap.querySelectorAll(".field-check, .field-problems li"))
    .filter((el) => el.offsetParent !== null && el.textContent.trim())
    .map((el) => el.textContent.trim());
}"""


@pytest.fixture
def site(live_server, settings):
    settings.SITE_URL = live_server.url
    settings.DOI_PROVIDER = "local"
    return live_server.url


@pytest.fixture
def draft(depositor, communities):
    from tests.factories import complete_metadata, deposit_with_file

    metadata = complete_metadata()
    metadata["creators"][0]["affiliations"] = [{"name": "Ifremer"}]
    metadata["access"] = {"level": "embargoed", "embargo_until": (date.today() + timedelta(days=100)).isoformat()}
    return deposit_with_file(depositor, community=communities["ocean"], metadata=metadata)


def messages_at(page, field_id: str) -> list[str]:
    return page.evaluate(MESSAGES_AT, field_id)


def saved(page) -> None:
    expect(page.locator("#save-status")).to_have_attribute("data-state", "saved", timeout=15_000)


def typed(page, field_id: str, value: str) -> None:
    """The value typed and the field left; the autosave answered (with the server's problems)."""
    page.locator(f"#{field_id}").fill(value)
    page.locator(f"#{field_id}").blur()
    saved(page)
    page.wait_for_timeout(300)  # the answer's problems drawn


def test_a_fault_found_by_both_the_browser_and_the_server_is_said_once_at_its_field(site, browser, draft, depositor):
    context, page, errors = signed_in(browser, depositor)
    SHOTS.mkdir(parents=True, exist_ok=True)
    wizard = f"{site}/deposits/{draft.pk}/wizard"

    # A ROR id that is not one.
    ror = "f-creators-0-affiliations-0-ror"
    page.goto(f"{wizard}/people/")
    typed(page, ror, "02feahw7x")
    assert len(messages_at(page, ror)) == 1, messages_at(page, ror)
    assert "ROR id" in messages_at(page, ror)[0]
    page.reload()
    expect(page.locator(f"#{ror}")).to_have_value("02feahw7x")
    assert len(messages_at(page, ror)) == 1, messages_at(page, ror)
    page.locator(f"#{ror}").scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "wizard-ror-once.png"))

    # An embargo in the past, then beyond two years.
    embargo = "f-access-embargo_until"
    page.goto(f"{wizard}/links_licence/")
    for value, words in (
        ((date.today() - timedelta(days=3)).isoformat(), "future"),
        ((date.today() + timedelta(days=900)).isoformat(), "two years"),
    ):
        typed(page, embargo, value)
        shown = messages_at(page, embargo)
        assert len(shown) == 1 and words in shown[0], shown
        page.reload()
        assert len(messages_at(page, embargo)) == 1, messages_at(page, embargo)

    # An end date before the start date: said once, at the end date.
    start, end = "f-temporal_extent-start", "f-temporal_extent-end"
    page.goto(f"{wizard}/where_when/")
    page.locator(f"#{start}").fill("2024-05-30")
    typed(page, end, "2024-04-25")
    assert messages_at(page, start) == [] and messages_at(page, end) == ["The end date is before the start date."]
    page.reload()
    assert messages_at(page, start) == [] and messages_at(page, end) == ["The end date is before the start date."]
    expect(page.locator(f"#{end}")).to_have_attribute("aria-invalid", "true")
    page.locator(f"#{end}").scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "wizard-dates-once.png"))
    # Put right, the message goes.
    typed(page, end, "2024-06-02")
    assert messages_at(page, start) == [] and messages_at(page, end) == []

    context.close()
    assert errors == [], errors
