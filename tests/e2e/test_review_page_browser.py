"""The moderator's review page in Chromium (issue 15, "Moderator"): sections in normal weight (only
the wizard's problem list is bold), values in the wizard's words rather than codes, a keyword on one
line linked to its concept, every value of a definition list with its term (axe's
`definition-list`), the decision reachable from anywhere on the long page by keyboard, and no
sideways scroll on a phone, and the map of the extent as the landing page shows it, in English at
desktop width and in French at phone width.

One deposit, submitted and claimed, then two page loads (desktop English, phone French), each
with several checks."""

from __future__ import annotations

import os
from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.test_moderation_round_browser import signed_in

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots_g")

# Every dd of a definition list follows a dt, and a dl holds only dt, dd (or div groups): what
# axe-core's `definition-list` and `dlitem` rules check.
DL_PROBLEMS = """() => {
  const bad = [];
  for (const dl of document.querySelectorAll('dl')) {
    let term = false;
    for (const child of dl.children) {
      const tag = child.tagName;
      if (tag === 'DT') term = true;
      else if (tag === 'DD') { if (!term) bad.push(dl.closest('[id]')?.id || 'dl'); }
      else if (!['DIV', 'SCRIPT', 'TEMPLATE'].includes(tag)) bad.push(tag);
    }
  }
  return bad;
}"""


@pytest.fixture
def claimed(depositor, moderator, communities):
    from deposit import services
    from tests.factories import complete_metadata, deposit_with_file

    metadata = complete_metadata()
    metadata["language"] = "en"
    metadata["subjects"] += [
        {
            "subject": f"Term {n}",
            "scheme": "NERC P02",
            "scheme_uri": "http://vocab.nerc.ac.uk/collection/P02/current/",
            "value_uri": f"http://vocab.nerc.ac.uk/collection/P02/current/T{n}/",
        }
        for n in range(5)
    ]
    metadata["contributors"] = [{"name": "Institut Océan", "name_type": "Organizational", "contributor_type": "Other"}]
    metadata["related_identifiers"] = [
        {"identifier": "10.5194/os-20-1-2024", "identifier_type": "DOI", "relation_type": "IsSupplementTo"}
    ]
    metadata["access"] = {"level": "embargoed", "embargo_until": (date.today() + timedelta(days=200)).isoformat()}
    wide = ",".join(f"a_rather_long_column_name_{n}" for n in range(30))
    deposit = deposit_with_file(
        depositor,
        community=communities["ocean"],
        metadata=metadata,
        content=(wide + "\n" + ",".join("1234567.891" for _ in range(30)) + "\n").encode(),
        name="wide.csv",
    )
    services.deposit_act(deposit=deposit, action="submit", actor=depositor)
    return services.deposit_act(deposit=deposit, action="claim", actor=moderator)


def test_the_review_page_reads_like_the_wizard_and_the_decision_is_always_at_hand(site, browser, claimed, moderator):
    context, page, errors = signed_in(browser, moderator)
    page.goto(f"{site}/moderation/deposits/{claimed.pk}/")

    # Sections in normal weight: only their headings are bold.
    weight = page.locator("#step-describe").evaluate("el => getComputedStyle(el).fontWeight")
    assert weight == "400"
    # Values in the wizard's words.
    describe, links = page.locator("#step-describe"), page.locator("#step-links_licence")
    expect(describe).to_contain_text("English")
    expect(describe.locator("#field-community")).to_contain_text(str(claimed.community))  # its name, not "ocean"
    expect(links).to_contain_text("supplements (e.g. the article they support)")
    expect(links).to_contain_text("Creative Commons Attribution 4.0")
    expect(links).to_contain_text("Embargoed: the description is public at once")
    for code in ("IsSupplementTo", "CC-BY-4.0", "embargoed"):
        assert code not in links.inner_text()
    people = page.locator("#step-people")
    expect(people).to_contain_text("Organisation")
    assert "Organizational" not in people.inner_text()
    assert "Role" not in page.locator("#field-creators-0").inner_text()  # a creator has no role in the wizard
    # A keyword: one line, the term linked to its concept, the thesaurus beside it; no URI spelled out.
    keyword = page.locator("#field-keywords-2")
    expect(keyword.locator("dd a")).to_have_text("Term 1")
    expect(keyword.locator("dd a")).to_have_attribute("href", "http://vocab.nerc.ac.uk/collection/P02/current/T1/")
    expect(keyword).to_contain_text("NERC P02")
    assert "vocab.nerc.ac.uk" not in describe.inner_text()
    assert keyword.locator("dt").count() == 1 and keyword.locator("dd").count() == 1
    assert page.evaluate(DL_PROBLEMS) == []
    # The map of the extent, as the landing page draws it: the box over the base map.
    extent = page.locator("#step-where_when #extent-map")
    expect(extent).to_have_attribute("data-shapes", "1")
    expect(extent).to_have_attribute("data-ready", "land")
    assert extent.locator("path.leaflet-interactive").count() == 1
    page.screenshot(path=str(SHOTS / "review-desktop-en.png"), full_page=True)

    # The decision from the bottom of the page, by keyboard: the bar stays in view, its link leads
    # to the decision, which takes the focus and is not under the bar.
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    bar = page.locator(".review-bar")
    expect(bar).to_be_in_viewport()
    decide = bar.get_by_role("link", name="Decide")
    decide.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#decide")).to_be_focused()
    expect(page.locator("#decide").get_by_role("button", name="Approve")).to_be_in_viewport()
    bar_bottom = bar.evaluate("el => el.getBoundingClientRect().bottom")
    assert page.locator("#decide").evaluate("el => el.getBoundingClientRect().top") >= bar_bottom
    page.screenshot(path=str(SHOTS / "review-desktop-en-decide.png"))
    context.close()

    # French, on a phone: translated labels, no sideways scroll (the preview scrolls in its box),
    # the decision one tap away.
    context, page, errors_fr = signed_in(browser, moderator)
    page.set_viewport_size({"width": 390, "height": 844})
    context.add_cookies([{"name": "django_language", "value": "fr", "url": site}])
    page.goto(f"{site}/moderation/deposits/{claimed.pk}/")
    expect(page.locator("#step-describe")).to_contain_text("Anglais")
    expect(page.locator(".review-bar").get_by_role("link", name="Décider")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(SHOTS / "review-phone-fr.png"), full_page=True)
    page.locator(".review-bar").get_by_role("link", name="Décider").click()
    expect(page.locator("#decide")).to_be_in_viewport()
    page.screenshot(path=str(SHOTS / "review-phone-fr-decide.png"))
    context.close()
    assert errors == [] and errors_fr == []
