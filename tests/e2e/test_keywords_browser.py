"""The wizard's keyword pickers in Chromium (issue 15): every example a picker shows ("e.g. ocean
temperature") finds terms in what `make run` loads (the demo set and the GCMD science keywords),
in English at a laptop's width and in French at a phone's; and a query that finds nothing says so
where a sighted person sees it ("No term found"), as well as to screen readers (a live region);
and the three inputs that take a place name give three different examples.
One test: the thesauri are loaded once, each step's page is opened once per language."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

from tests.e2e.test_browser_flow import sign_in
from tests.factories import complete_metadata

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DATA = Path(__file__).resolve().parents[2] / "vocabularies" / "data"
MAKEFILE = Path(__file__).resolve().parents[2] / "Makefile"
SHOTS = Path(os.environ.get("ESTRAN_SHOTS", "/tmp/shots_i"))
LAPTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
STEPS = {"describe": ["keywords"], "where_when": ["places", "platforms", "instruments", "parameters"]}
EXAMPLE = re.compile(r"^(e\.g\.|p\. ex\.)\s+(?P<example>.+)$")
NO_TERM = {"en": "No term found", "fr": "Aucun terme trouvé"}


def _what_make_run_loads() -> list[Path]:
    """The thesaurus files of the `run` target, read from the Makefile so that the test follows it."""
    run = MAKEFILE.read_text().split("\nrun:", 1)[1].split("\n\n", 1)[0]
    files = re.findall(r"estran_load_thesaurus (\S+)", run)
    assert files, run
    return [MAKEFILE.parent / f for f in files]


def _place_examples(page) -> list[str]:
    """The examples of the three inputs that take a place name: the gazetteer's picker, a place-only
    location's name, a box's name."""
    texts = [
        page.locator("#ta-places").get_attribute("placeholder"),
        page.locator("#f-geo_locations-1-place-help").inner_text(),
        page.locator("#f-geo_locations-0-place-help").inner_text(),
    ]
    return [re.split(r"e\.g\.|p\. ex\.", text, maxsplit=1)[1].strip(" .") for text in texts]


def _check_pickers(page, site: str, deposit_pk: int, language: str, width: str) -> list[str]:
    from playwright.sync_api import expect

    examples = []
    for step, groups in STEPS.items():
        page.goto(f"{site}/deposits/{deposit_pk}/wizard/{step}/")
        if step == "where_when":  # each place-name input has its own example
            places = _place_examples(page)
            assert len(set(places)) == 3, places
            page.locator("#f-geo_locations-1").screenshot(path=str(SHOTS / f"place-name-{language}-{width}.png"))
        for group in groups:
            field = page.locator(f"#ta-{group}")
            status = page.locator(f"#f-{group}-field [data-typeahead-status]")
            options = page.locator(f"#ta-{group}-list [role=option]")
            example = EXAMPLE.match(field.get_attribute("placeholder") or "")
            assert example, (group, field.get_attribute("placeholder"))
            examples.append(example["example"])
            field.fill(example["example"])
            expect(options.first).to_be_visible()
            assert options.count() >= 1 and status.inner_text() == ""
            if group == "keywords":
                field.evaluate("el => el.scrollIntoView({block: 'center'})")
                page.screenshot(path=str(SHOTS / f"keywords-found-{language}-{width}.png"))
            field.fill("zqxw nonsense")
            expect(status).to_contain_text(NO_TERM[language])
            expect(status).to_be_visible()  # seen, not only announced
            assert status.get_attribute("aria-live") == "polite"
            assert options.count() == 0 and page.locator(f"#ta-{group}-list").is_hidden()
            box = status.bounding_box()
            assert box and box["height"] > 5 and box["width"] > 50
            if group == groups[-1]:
                status.scroll_into_view_if_needed()
                page.screenshot(path=str(SHOTS / f"keywords-{step}-{language}-{width}.png"))
            field.fill("")
            expect(status).to_have_text("")
    return examples


def test_every_example_finds_terms_and_an_empty_result_is_shown(live_server, settings, browser, depositor, communities):
    from deposit import services
    from vocabularies.services import thesaurus_load

    settings.SITE_URL = live_server.url
    loaded = set()
    for path in _what_make_run_loads():
        loaded |= {r.slug for r in thesaurus_load(path=path, keep_other_sources=True)}
    assert "gcmd-sciencekeywords" in loaded
    metadata = complete_metadata()
    metadata["geo_locations"].append({"place": "Iroise Sea"})  # a place-only location beside the box
    deposit = services.deposit_create(owner=depositor, metadata=metadata, community=communities["ocean"])
    SHOTS.mkdir(parents=True, exist_ok=True)

    shown = {}
    for language, locale, viewport, width in (("en", "en-GB", LAPTOP, "desktop"), ("fr", "fr-FR", PHONE, "phone")):
        context = browser.new_context(viewport=viewport, locale=locale)
        context.set_default_timeout(15_000)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc, errors=errors: errors.append(str(exc)))
        try:
            sign_in(page, live_server.url, depositor.username)
            shown[language] = _check_pickers(page, live_server.url, deposit.pk, language, width)
        finally:
            context.close()
        assert not errors, errors
    assert "ocean temperature" in shown["en"] and len(shown["fr"]) == 5
