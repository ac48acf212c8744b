"""axe-core on Estran's pages (issue 15, accessibility), the walk the four test files
`test_accessibility_axe_{en,fr}_{desktop,phone}.py` share: the rules of WCAG 2.0, 2.1 and 2.2 at
levels A and AA and axe's best practices, on every kind of page a depositor, a moderator and a
reader see, in English and French, at desktop (1280 x 900) and phone (390 x 844) width. A file per
language x width, so that the suite's two processes share the walk (pytest-xdist hands out whole
files); each builds the data set once for its context.

A critical or serious violation fails the test, listing the page, the rule, its impact and the
elements (axe's CSS selectors). The moderate ones are printed and must be named in the README's
*Accessibility* section, which says why each is left: a new one fails the test until it is fixed or
listed there.

Each file's one test builds the data set (the live server's tables are emptied after each test)
through the services a person's clicks go through: a draft complete at every step, a draft
with problems, a deposit waiting in the queue (with a journal's reviewer link), one claimed by its
moderator, one sent back with a comment on a field, and three published records (open, embargoed,
withdrawn). Each language x width is one browser context that visits the pages in turn, switching
between the reader, the depositor and the moderator by their session cookies; every violation
found is reported.

axe-core is vendored (tests/e2e/vendor/axe-core, see its README) and given to every page as an init
script of the browser context (as `page.evaluate` would, but compiled as the page loads rather than
sent over again after it: a quarter faster), which the Content-Security-Policy does not govern: the
policy still applies to Estran's own scripts and styles, which the CSP watcher of conftest.py checks
on every page visited here."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

# The test files' marks: Chromium, and the live server's transactional database.
PYTESTMARK = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
README = Path(__file__).resolve().parents[2] / "README.md"
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]},
    "resultTypes": ["violations"],
}
# What axe returns, reduced to what a report needs (the whole result is large).
RUN_AXE = """async (options) => {
  const results = await window.axe.run(document, options);
  return results.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    targets: v.nodes.map((n) => n.target.join(' ')),
  }));
}"""
# axe's target-size takes a sticky element for one in the flow, wherever the page is scrolled
# (axe-core#3720): the wizard's bar, sticky at the bottom of the window, would be found over the
# field behind it. At the end of the page the bar sits in its own place, over nothing.
STICKY_IN_PLACE = """() => {
  if (document.querySelector('.wizard-actions')) window.scrollTo(0, document.documentElement.scrollHeight);
}"""
VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
FAILING = ("critical", "serious")


@dataclass(frozen=True)
class Visit:
    name: str
    who: str  # "reader" (signed out), "depositor" or "moderator"
    path: str
    status: int = 200  # a withdrawn record's tombstone answers 410 Gone
    shows: str = ""  # what the page must show for its check to mean what its name says


@pytest.fixture
def estate(site, depositor, moderator, communities) -> dict:
    """The data set and the pages to visit."""
    return _build(site, depositor, moderator, communities["ocean"])


def _build(site: str, depositor, moderator, ocean) -> dict:
    from django.conf import settings
    from django.test import Client

    from deposit import services
    from deposit.models import Deposit
    from moderation import conversation
    from repository.services import record_withdraw
    from tests.factories import complete_metadata, deposit_with_file

    def deposit(title: str, **changes):
        metadata = {**complete_metadata(title), **changes}
        return deposit_with_file(depositor, community=ocean, metadata=metadata)

    def act(d, action: str, actor, **extra):
        return services.deposit_act(deposit=Deposit.objects.get(pk=d.pk), action=action, actor=actor, **extra)

    complete = deposit("Mooring M3 currents, draft ready to submit")
    lacking = complete_metadata("Glider sections, a draft with problems")
    del lacking["descriptions"], lacking["rights"]
    problems = services.deposit_create(owner=depositor, metadata=lacking, community=ocean)
    waiting = deposit("Argo float 6902 profiles, waiting in the queue")
    act(waiting, "submit", depositor)
    _link, token = services.reviewer_link_create(
        deposit=waiting, actor=depositor, label="Journal of Marine Systems, MS 2026-123"
    )
    claimed = deposit("Tide gauge records of Brest, under review")
    act(claimed, "submit", depositor)
    act(claimed, "claim", moderator)
    sent_back = deposit("Nutrient samples of the Iroise Sea, changes requested")
    act(sent_back, "submit", depositor)
    act(sent_back, "claim", moderator)
    conversation.comment_add(
        deposit=sent_back, author=moderator, body="Say how the samples were filtered.", field="abstract"
    )
    act(sent_back, "request_changes", moderator, note="See my comment on the abstract.")

    def published(title: str, **changes):
        d = deposit(title, **changes)
        act(d, "submit", depositor)
        act(d, "claim", moderator)
        act(d, "approve", moderator)
        return Deposit.objects.get(pk=d.pk).record

    opened = published("CTD casts of the PELGAS 2024 cruise, Bay of Biscay")
    until = (date.today() + timedelta(days=200)).isoformat()
    embargoed = published(
        "Seabed photographs of the Gulf of Lion", access={"level": "embargoed", "embargo_until": until}
    )
    withdrawn = published("Sea-surface temperature of the Channel, withdrawn")
    record_withdraw(record=withdrawn, actor=moderator, reason="data_error", note="Calibration offset in 2023.")

    def session(user) -> str:
        client = Client()
        client.force_login(user)
        return client.cookies[settings.SESSION_COOKIE_NAME].value

    wizard = f"/deposits/{complete.pk}/wizard"
    shown = f"/deposits/{problems.pk}/wizard"
    visits = [
        Visit("home", "reader", "/"),
        Visit("sign-in", "reader", "/accounts/login/"),
        Visit("search", "reader", "/search?q=sea", shows=".hits .hit"),
        Visit("landing (open)", "reader", opened.get_absolute_url()),
        Visit("landing (embargoed)", "reader", embargoed.get_absolute_url()),
        Visit("reviewer link", "reader", f"/review/{token}/"),
        Visit("landing (withdrawn)", "reader", withdrawn.get_absolute_url(), status=410),
        Visit("deposits", "depositor", "/deposits/"),
        Visit("new deposit", "depositor", "/deposits/new"),
        *(Visit(f"wizard {step}", "depositor", f"{wizard}/{step}/") for step in STEPS),
        # A link to a field (a hash) shows every problem at once, as after Save.
        *(
            Visit(
                f"wizard {step}, problems shown",
                "depositor",
                f"{shown}/{step}/#step-problems",
                shows=".field-problems li",
            )
            for step in PROBLEMS
        ),
        Visit("deposit page", "depositor", f"/deposits/{waiting.pk}/"),
        Visit("deposit page, changes requested", "depositor", f"/deposits/{sent_back.pk}/"),
        Visit(
            "wizard describe, moderator's comment",
            "depositor",
            f"/deposits/{sent_back.pk}/wizard/describe/",
            shows=".comment-marker",
        ),
        Visit("notifications", "depositor", "/notifications/"),
        Visit("moderation queue", "moderator", "/moderation/"),
        Visit("review page", "moderator", f"/moderation/deposits/{claimed.pk}/", shows="#decide"),
        Visit("approve confirmation", "moderator", f"/moderation/deposits/{claimed.pk}/approve"),
    ]
    return {
        "site": site,
        "visits": visits,
        "sessions": {"depositor": session(depositor), "moderator": session(moderator)},
    }


STEPS = ("describe", "people", "where_when", "files", "links_licence")
PROBLEMS = ("describe", "files", "links_licence")


def _audit(browser, estate: dict, language: str, width: str) -> list[dict]:
    """Visit every page in one context; each violation found, with the page it was found on."""
    from django.conf import settings

    site = estate["site"]
    context = browser.new_context(viewport=VIEWPORTS[width], locale="fr-FR" if language == "fr" else "en-GB")
    context.set_default_timeout(15_000)
    context.add_init_script(path=AXE)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    found: list[dict] = []
    who = None
    try:
        for visit in estate["visits"]:
            if visit.who != who:
                who = visit.who
                context.clear_cookies()
                cookies = [{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": site}]
                if who in estate["sessions"]:
                    cookies.append(
                        {"name": settings.SESSION_COOKIE_NAME, "value": estate["sessions"][who], "url": site}
                    )
                context.add_cookies(cookies)
            response = page.goto(site + visit.path)
            assert response is not None and response.status == visit.status, f"{visit.name}: {response.status}"
            assert page.locator("html").get_attribute("lang") == language, f"{visit.name}: not in {language}"
            if visit.shows:
                expect(page.locator(visit.shows).first).to_be_visible()
            page.evaluate(STICKY_IN_PLACE)
            for violation in page.evaluate(RUN_AXE, AXE_OPTIONS):
                found.append({**violation, "page": visit.name, "where": f"{language} {width}"})
    finally:
        context.close()
    assert errors == [], f"script errors in {language} {width}: {errors}"
    return found


def _report(violations: list[dict]) -> str:
    return "\n".join(
        f"- {v['page']} ({v['where']}): {v['id']} [{v['impact']}] {v['help']}: {', '.join(v['targets'][:5])}"
        for v in violations
    )


def _listed_in_readme() -> set[str]:
    """The rules of the README's moderate findings left: its list items that begin with a rule's id,
    "- `region`: ...", in the Accessibility section."""
    text = README.read_text(encoding="utf-8")
    match = re.search(r"^## Accessibility\n(.*?)(?=^## )", text, re.S | re.M)
    return set(re.findall(r"^- `([a-z0-9-]+)`", match.group(1), re.M)) if match else set()


def check(browser, estate: dict, language: str, width: str, capsys) -> None:
    """The walk in one language at one width: no critical or serious violation, and every moderate
    one named in the README (printed, as the test's report)."""
    violations = _audit(browser, estate, language, width)
    moderate = [v for v in violations if v["impact"] == "moderate"]
    if moderate:
        with capsys.disabled():  # the moderate findings are the test's report: shown without -s
            print(f"\naxe-core, moderate findings:\n{_report(moderate)}")  # noqa: T201
    failing = [v for v in violations if v["impact"] in FAILING]
    assert not failing, f"axe-core: critical or serious violations:\n{_report(failing)}"
    unlisted = sorted({v["id"] for v in moderate} - _listed_in_readme())
    assert not unlisted, f"moderate findings not named in README's Accessibility section: {unlisted}"
