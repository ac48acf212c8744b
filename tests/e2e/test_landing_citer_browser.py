"""The landing page as a citer meets it in Chromium (issue 15, "Citer"), in English at desktop width
and in French on a phone (390 px): an embargoed record shows a lock with the opening day where the
Download buttons were, and a file's address opened anyway is the site's 403 page with that day and a
way back. Screenshots go to /tmp/shots_h/."""

from __future__ import annotations

import json
import os
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import expect

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots_h")
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
# The embargo's day, far enough ahead to hold whatever the day the suite runs.
OPENS = date(date.today().year + 1, 6, 1)


@pytest.fixture
def site(live_server, settings):
    from django.core.cache import cache

    settings.SITE_URL = live_server.url
    cache.clear()  # the anonymous page cache: pages rendered by another test's server are not ours
    yield live_server.url
    cache.clear()


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def new_page(browser, *, locale: str = "en-GB", viewport: dict = DESKTOP):
    context = browser.new_context(viewport=viewport, locale=locale)
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return context, page, errors


@pytest.fixture
def embargoed(depositor, communities):
    from tests.repository.landing_support import full_metadata, record_create

    metadata = {**full_metadata(), "access": {"level": "embargoed", "embargo_until": OPENS.isoformat()}}
    return record_create(
        owner=depositor, community=communities["ocean"], metadata=metadata, files=[("ctd casts.nc", 4096)]
    )


def test_an_embargoed_record_shows_a_lock_with_the_opening_day_and_its_files_a_403_page(site, browser, embargoed):
    from django.utils import formats, translation

    cases = [("en-GB", DESKTOP, "desktop-en"), ("fr-FR", PHONE, "phone-fr")]
    for locale, viewport, name in cases:
        language = locale[:2]
        with translation.override(language):
            day = formats.date_format(OPENS, "DATE_FORMAT")
            opens_on, denied, back = (
                translation.gettext(text) for text in ("Opens on %(date)s", "Access denied", "Back to the record")
            )
        context, page, errors = new_page(browser, locale=locale, viewport=viewport)
        page.goto(f"{site}{embargoed.get_absolute_url()}")
        expect(page.locator("html")).to_have_attribute("lang", language)
        files = page.locator("#files")
        # No download offered: neither the buttons nor the file's name as a link.
        expect(files.locator("a")).to_have_count(0)
        lock = files.locator(".file-lock")
        expect(lock).to_have_count(1)
        expect(lock).to_be_visible()
        expect(lock).to_have_text(opens_on % {"date": day})
        assert lock.locator("svg[aria-hidden='true']").count() == 1
        if language == "fr":
            assert day == f"1 juin {OPENS.year}"  # Django's French date, not an ISO or English one
        # schema.org: the files are described, but no URL of a file nobody may download yet.
        jsonld = json.loads(page.locator("script[type='application/ld+json']").text_content())
        assert "contentUrl" not in json.dumps(jsonld) and "/files/" not in json.dumps(jsonld)
        shot(page, f"landing-embargoed-{name}")

        # The file's address opened anyway: the site's page, in the reader's language, with the day.
        url = f"{site}/records/{embargoed.pk}/files/ctd%20casts.nc"
        response = page.goto(url)
        assert response.status == 403
        assert response.headers["content-type"].startswith("text/html")
        expect(page.get_by_role("heading", level=1)).to_have_text(denied)
        expect(page.locator("main")).to_contain_text(day)
        expect(page.locator(".site-header")).to_be_visible()  # the site's page, not bare text
        shot(page, f"file-403-{name}")
        page.get_by_role("link", name=back).click()
        expect(page).to_have_url(f"{site}{embargoed.get_absolute_url()}")
        context.close()
        assert errors == [], errors


@pytest.fixture
def described(depositor, communities):
    """A record in English with a thesaurus topic and a free keyword, a contributor and dates."""
    from repository.indexing import record_index
    from tests.repository.landing_support import full_metadata, record_create

    metadata = full_metadata()
    metadata["language"] = "en"
    metadata["subjects"].append({"subject": "glider operations"})  # free: no thesaurus, no URI
    metadata["dates"] = [{"date": "2024-06-15", "date_type": "Created"}]
    record = record_create(owner=depositor, community=communities["ocean"], metadata=metadata, files=1)
    record_index(record=record)  # found by search too
    return record


def facts(page, section: str) -> list[tuple[str, str]]:
    """The (term, description) pairs of a section's list of facts, as read."""
    return [
        tuple(pair)
        for pair in page.evaluate(
            """(selector) => Array.from(document.querySelectorAll(selector + ' dl.facts > dt')).map(
                (dt) => [dt.innerText.trim(), dt.nextElementSibling.innerText.trim().replace(/\\s+/g, ' ')])""",
            section,
        )
    ]


def test_the_landing_page_names_the_language_and_type_groups_the_keywords_and_shows_the_dates(site, browser, described):
    from django.utils import formats, translation

    cases = [("en-GB", DESKTOP, "desktop-en"), ("fr-FR", PHONE, "phone-fr")]
    for locale, viewport, name in cases:
        language = locale[:2]
        with translation.override(language):
            words = {
                text: translation.gettext(text)
                for text in (
                    "Dataset",
                    "Language",
                    "English",
                    "Topics",
                    "Free keywords",
                    "Issued",
                    "Collected",
                    "Created",
                    "ongoing",
                    "Data collector",
                )
            }
            published = formats.date_format(described.publication_date, "DATE_FORMAT")
            collected = " – ".join(formats.date_format(date(2024, m, d), "DATE_FORMAT") for m, d in ((4, 25), (5, 30)))
            created = formats.date_format(date(2024, 6, 15), "DATE_FORMAT")
        context, page, errors = new_page(browser, locale=locale, viewport=viewport)
        page.goto(f"{site}{described.get_absolute_url()}")
        expect(page.locator("html")).to_have_attribute("lang", language)
        # The resource type in the reader's words (and, in French, not the DataCite name).
        subtitle = page.locator(".landing .subtitle").inner_text()
        assert subtitle.startswith(words["Dataset"] + " · "), subtitle
        if language == "fr":
            assert subtitle.startswith("Jeu de données") and "Dataset" not in subtitle
        # The language by its name, not its code.
        about = dict(facts(page, "aside section:has(#about-title)"))
        assert about[words["Language"]] == words["English"]
        # Thesaurus topics and free keywords: two groups, each with its label.
        keywords = dict(facts(page, "#keywords"))
        assert keywords[words["Topics"]] == "Sea water temperature (NERC P02)"
        assert keywords[words["Free keywords"]] == "glider operations"
        free = page.locator("#keywords ul.free-keywords li")
        expect(free).to_have_count(1)
        assert free.evaluate("(li) => getComputedStyle(li).borderTopStyle") == "dashed"
        # Contributors and dates: the dates are there, in the reader's format.
        people = facts(page, "#contributors")
        assert any(term == words["Data collector"] and text.startswith("Rossi, Chiara") for term, text in people)
        assert (words["Issued"], published) in people
        assert (words["Collected"], collected) in people
        assert (words["Created"], created) in people
        page.locator("#keywords").scroll_into_view_if_needed()
        shot(page, f"landing-described-{name}")
        # The search page names the type as the landing page does, in its hits and its filter.
        page.goto(f"{site}/search")
        expect(page.locator(".hit-type")).to_have_text(words["Dataset"])
        expect(page.locator("#facet-resource_type .facet-label")).to_have_text([words["Dataset"]])
        context.close()
        assert errors == [], errors
