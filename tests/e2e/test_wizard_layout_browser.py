"""The wizard's layout in Chromium (issue 15, "Depositor"): the sticky Save bar never covers the
field that has the keyboard focus (WCAG 2.2 "focus not obscured"), at a desktop's width and a
phone's; on a phone (390 x 844) the first field of every step is on the first screen and the Save
bar is one row; and after "changes requested", in French on a phone, the moderator's request comes
first on the deposit's page and on the wizard's steps, each step's tab names its open comments, and
deleting the deposit sits apart from Resubmit behind a page that says what is lost."""

from __future__ import annotations

import os
import re

import pytest
from playwright.sync_api import expect

from tests.e2e.test_browser_flow import SCREENSHOTS
from tests.e2e.test_moderation_round_browser import signed_in

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
STEPS = ("describe", "people", "where_when", "files", "links_licence")
NOTE = "Thanks for the deposit.\n\nPlease give the cruise's full name <script>alert(1)</script> in the title."

# The focused element's box and the Save bar's, in the viewport.
BOXES = """() => {
  const el = document.activeElement, box = el.getBoundingClientRect();
  const bar = document.getElementById('wizard-actions').getBoundingClientRect();
  return {id: el.id || el.name || el.tagName, inside: !!el.closest('#f-point_of_contact'),
          top: box.top, bottom: box.bottom, barTop: bar.top, barBottom: bar.bottom};
}"""
# The first control of the step (a field, or a button that adds one, or the uploader's), and the bar.
FIRST_SCREEN = """() => {
  const first = document.querySelector(
    '#wizard-form :is(input:not([type=hidden]), select, textarea, button), .wizard-main .uploader-label');
  const bar = document.getElementById('wizard-actions');
  const save = bar.querySelector('.buttons > *');
  return {first: first.getBoundingClientRect().top + window.scrollY, firstId: first.id || first.className,
          bar: bar.getBoundingClientRect().height, button: save.getBoundingClientRect().height,
          tops: Array.from(bar.querySelectorAll('.buttons > *')).map((b) => Math.round(b.getBoundingClientRect().top)),
          sideways: document.documentElement.scrollWidth - document.documentElement.clientWidth};
}"""


@pytest.fixture
def draft(depositor, communities):
    from tests.factories import deposit_with_file

    return deposit_with_file(depositor, community=communities["ocean"])


@pytest.fixture
def sent_back(depositor, moderator, communities):
    from deposit import services
    from moderation import conversation
    from tests.factories import deposit_with_file

    deposit = deposit_with_file(depositor, community=communities["ocean"])
    services.deposit_act(deposit=deposit, action="submit", actor=depositor)
    services.deposit_act(deposit=deposit, action="claim", actor=moderator)
    conversation.comment_add(deposit=deposit, author=moderator, body="Longer?", field="title")
    conversation.comment_add(deposit=deposit, author=moderator, body="Which instrument?", field="abstract")
    conversation.comment_add(deposit=deposit, author=moderator, body="Still there?", field="point_of_contact-name")
    return services.deposit_act(deposit=deposit, action="request_changes", actor=moderator, note=NOTE)


def tab_through_the_point_of_contact(page) -> list[dict]:
    """From the control just before the point of contact (focused without scrolling, the page at its
    top), Tab through its fields as a keyboard user does; the boxes of each focused field."""
    page.evaluate("window.scrollTo(0, 0)")
    page.evaluate("document.querySelector('#f-contributors button').focus({preventScroll: true})")
    seen = []
    for _ in range(12):
        page.keyboard.press("Tab")
        page.wait_for_timeout(100)  # the browser's own scroll into view, then ours if it was not enough
        boxes = page.evaluate(BOXES)
        if not boxes["inside"]:
            if seen:
                break
            continue
        seen.append(boxes)
    return seen


def test_the_save_bar_never_hides_the_focus_and_a_phone_shows_the_first_field_at_once(site, browser, draft, depositor):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    context, page, errors = signed_in(browser, depositor)
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{site}/deposits/{draft.pk}/wizard/people/")
    expect(page.locator("#save-status")).to_have_attribute("data-state", "saved")
    for viewport in ({"width": 1280, "height": 800}, PHONE):
        page.set_viewport_size(viewport)
        seen = tab_through_the_point_of_contact(page)
        # Name, organisation, ORCID iD, the public address (a radio), the e-mail, "Use the first creator".
        assert len(seen) >= 5, seen
        for boxes in seen:
            assert boxes["bottom"] <= boxes["barTop"] or boxes["top"] >= boxes["barBottom"], (viewport, boxes)
            assert boxes["top"] >= 0, (viewport, boxes)  # and on the screen
    page.screenshot(path=str(SCREENSHOTS / "wizard-focus-phone.png"))

    # A phone: every step's first field within the first screen, the Save bar one row, nothing sideways.
    for step in STEPS:
        page.goto(f"{site}/deposits/{draft.pk}/wizard/{step}/")
        page.wait_for_load_state("load")
        found = page.evaluate(FIRST_SCREEN)
        assert found["first"] <= 600, (step, found)
        assert len(set(found["tops"])) == 1 and found["bar"] <= found["button"] + 20, (step, found)
        assert found["sideways"] <= 0, (step, found)
        expect(page.locator("#wizard-steps .wstep.current")).to_be_in_viewport()  # the strip shows where we are
        page.screenshot(path=str(SCREENSHOTS / f"wizard-phone-{step}.png"))
    # The buttons keep their whole names for screen readers.
    expect(page.locator(".wizard-actions").get_by_role("button", name="← Files")).to_be_visible()
    page.goto(f"{site}/deposits/{draft.pk}/wizard/describe/")
    bar = page.locator(".wizard-actions")
    next_button = bar.get_by_role("button", name=re.compile(r"^Next ?: People and funding →$"))
    expect(next_button).to_be_visible()
    context.close()
    assert not errors, errors


def test_after_changes_requested_the_request_comes_first_in_french_on_a_phone(
    site, browser, sent_back, depositor, moderator
):
    from deposit.models import Deposit

    context, page, errors = signed_in(browser, depositor)
    context.add_cookies([{"name": "django_language", "value": "fr", "url": site}])
    page.set_viewport_size(PHONE)

    # The deposit's page: the request before anything else, as written (the tag is text, not a script).
    page.goto(f"{site}/deposits/{sent_back.pk}/")
    request = page.locator("#change-request")
    expect(request).to_contain_text(f"{moderator.name} a demandé ces modifications le")
    expect(request.locator(".change-request-note p")).to_have_count(2)
    expect(request.locator(".change-request-note")).to_contain_text("<script>alert(1)</script>")
    assert request.locator("script").count() == 0
    expect(request).to_contain_text("3 commentaires sur le dépôt sont encore ouverts")
    assert request.evaluate("el => el.getBoundingClientRect().top") < 844  # on the first screen
    # Deleting: at the very bottom, apart from Resubmit, and a link to a question rather than a button.
    resubmit = page.get_by_role("button", name="Soumettre de nouveau")
    delete = page.locator(".danger-zone").get_by_role("link", name="Supprimer le dépôt…")
    gap = delete.evaluate("el => el.getBoundingClientRect().top") - resubmit.evaluate(
        "el => el.getBoundingClientRect().bottom"
    )
    assert gap > 120, gap
    page.screenshot(path=str(SCREENSHOTS / "deposit-changes-requested-fr-phone.png"), full_page=True)
    delete.click()
    expect(page.get_by_role("heading", name="Supprimer ce dépôt ?")).to_be_visible()
    expect(page.locator(".lost-list")).to_contain_text("1 fichier")
    expect(page.locator(".lost-list")).to_contain_text(sent_back.pid.doi)
    expect(page.get_by_text("C’est irréversible.")).to_be_visible()
    page.screenshot(path=str(SCREENSHOTS / "deposit-delete-confirm-fr-phone.png"), full_page=True)
    page.get_by_role("link", name="Garder le dépôt").click()
    page.wait_for_url(f"{site}/deposits/{sent_back.pk}/")
    assert Deposit.objects.filter(pk=sent_back.pk).exists()

    # The wizard: the request at the top of the step, the tabs naming their open comments.
    page.goto(f"{site}/deposits/{sent_back.pk}/wizard/describe/")
    request = page.locator("details#change-request")
    expect(request).to_have_attribute("open", "")
    expect(request).to_contain_text("<script>alert(1)</script>")
    steps = page.get_by_role("navigation", name="Étapes du dépôt")
    expect(steps.get_by_role("link", name=re.compile(r"^Description, 2 commentaires ouverts"))).to_be_visible()
    expect(
        steps.get_by_role("link", name=re.compile(r"^Personnes et financements, 1 commentaire ouvert"))
    ).to_have_count(1)
    expect(steps.get_by_role("link", name=re.compile(r"^Où et quand"))).not_to_have_accessible_name(
        re.compile("commentaire")
    )
    assert request.evaluate("el => el.getBoundingClientRect().top") < 600
    page.screenshot(path=str(SCREENSHOTS / "wizard-changes-requested-fr-phone.png"))
    # Folded once read, it stays folded on the next step, and the fields come first.
    request.locator("summary").click()
    expect(request).not_to_have_attribute("open", "")
    steps.get_by_role("link", name=re.compile(r"^Personnes et financements")).click()
    page.wait_for_url(re.compile(r"/wizard/people/$"))
    expect(page.locator("details#change-request")).not_to_have_attribute("open", "")
    expect(page.locator("#step-comments")).to_contain_text("Still there?")

    # Deleting for good, from the question's page.
    page.goto(f"{site}/deposits/{sent_back.pk}/delete")
    page.get_by_role("button", name="Supprimer le dépôt").click()
    page.wait_for_url(f"{site}/deposits/")
    expect(page.get_by_text("Le dépôt a été supprimé.")).to_be_visible()
    assert not Deposit.objects.filter(pk=sent_back.pk).exists()
    context.close()
    assert not errors, errors
