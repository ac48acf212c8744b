"""The variables of a real NetCDF file through the wizard in Chromium (issue 19): a depositor fills
step 3 before any file (nothing to list yet), uploads a glider file (compliance-checker's CDL made
by ncgen) in step 4, submits from the review without going back, and the published record lists
the file's variables, typed by nobody; and a depositor who opens step 3 after the upload finds
them ticked, unticks one, and that one stays out. Screenshots (desktop and phone, English and
French) go to /tmp/shots_vars/."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.deposit.test_wizard import netcdf_from_cdl
from tests.e2e.conftest import browser, no_csp_violation, site  # noqa: F401 - fixtures
from tests.e2e.test_moderation_round_browser import signed_in

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots_vars")
GLIDER_VARIABLES = ["conductivity", "density", "salinity", "temperature", "u", "v"]
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def draft(depositor, communities):
    from deposit import services
    from tests.factories import complete_metadata

    return services.deposit_create(owner=depositor, metadata=complete_metadata(), community="ocean")


@pytest.fixture
def glider(tmp_path) -> Path:
    path = tmp_path / "ru07_glider.nc"
    path.write_bytes(netcdf_from_cdl("ru07-20130824T170228_rt0", tmp_path))
    return path


def signed_in_as(browser, user, *, locale: str, viewport: dict):
    """A browser context with the user's session in `locale` (as `signed_in`, in any language)."""
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


def shoot(page, name: str, **options) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), **options)


def saved(page) -> None:
    expect(page.locator("#save-status")).to_have_attribute("data-state", "saved", timeout=15_000)


def test_a_record_deposited_through_the_wizard_lists_its_netcdf_files_variables_typed_by_nobody(
    site, browser, draft, depositor, moderator, glider
):
    from deposit import services
    from deposit.workflow import Action

    context, page, errors = signed_in(browser, depositor)
    page.goto(f"{site}/deposits/{draft.pk}/wizard/where_when/")
    expect(page.locator("#f-variables")).to_be_visible()
    expect(page.get_by_text("No variable yet")).to_be_visible()
    page.locator("#f-temporal_extent-start").fill("2013-08-24")  # step 3 saved before any file
    page.locator("#f-temporal_extent-end").fill("2013-08-25")
    page.keyboard.press("Tab")
    saved(page)

    page.goto(f"{site}/deposits/{draft.pk}/wizard/files/")
    page.get_by_label("Choose files").set_input_files(str(glider))
    expect(page.locator(".upload-item", has_text="ru07_glider.nc").locator(".upload-state")).to_have_text(
        "Ready", timeout=30_000
    )

    page.goto(f"{site}/deposits/{draft.pk}/wizard/links_licence/")
    notice = page.locator(".variables-offered")
    expect(notice).to_contain_text("The 6 variables found in your files are listed as measured when you submit")
    page.get_by_role("button", name=re.compile("^Submit")).click()
    expect(page.locator(".messages, [role=status]").first).to_contain_text("DOI", timeout=15_000)

    draft.refresh_from_db()
    assert [v["name"] for v in draft.metadata["variables"]] == GLIDER_VARIABLES
    services.deposit_act(deposit=draft, action=Action.claim, actor=moderator)
    record = services.deposit_act(deposit=draft, action=Action.approve, actor=moderator).record

    context.close()
    assert errors == [], errors
    provenance_and_variables_typed_by_nobody(record, depositor)

    for locale, viewport in (("en", None), ("fr", None), ("en", PHONE), ("fr", PHONE)):
        reader = browser.new_context(locale=f"{locale}-FR", viewport=viewport or {"width": 1280, "height": 1000})
        landing = reader.new_page()
        landing.goto(record.landing_url)
        section = landing.locator("#variables")
        heading = "Variables"
        expect(section.get_by_role("heading", name=heading)).to_be_visible()
        expect(section.locator("tbody th")).to_have_text(GLIDER_VARIABLES)
        row = section.locator("tbody tr", has_text="temperature")
        expect(row.get_by_role("link", name="sea_water_temperature")).to_have_attribute(
            "href", re.compile(r"cf-standard-name-table\.html#sea_water_temperature$")
        )
        caption = "6 variables measured" if locale == "en" else "6 variables mesurées"
        expect(section.locator("caption")).to_contain_text(caption)
        section.scroll_into_view_if_needed()
        SHOTS.mkdir(parents=True, exist_ok=True)
        section.screenshot(path=str(SHOTS / f"landing-{locale}-{'phone' if viewport else 'desktop'}.png"))
        reader.close()


def provenance_and_variables_typed_by_nobody(record, depositor) -> None:
    """Issue 19's "done when": the record the wizard published carries, in its exports, provenance and
    variables the depositor never typed again — the period given once in step 3 is the acquisition's,
    the deposit and review come from the deposit's history, the file's variables are measured."""
    import json

    import rdflib
    from django.test import Client
    from django.urls import reverse
    from rdflib import RDF

    from tests.repository.test_prov import PROV, check_prov_constraints

    client = Client()

    def export(fmt: str) -> bytes:
        response = client.get(reverse("repository:export", kwargs={"pk": record.pk, "fmt": fmt}))
        assert response.status_code == 200, response.content
        return response.content

    graph = rdflib.Graph().parse(data=export("prov-turtle"), format="turtle")
    check_prov_constraints(graph)
    dataset = rdflib.URIRef(f"https://doi.org/{record.doi}")
    acquisition, deposit_step, review = (
        rdflib.URIRef(f"{record.landing_url}#{name}") for name in ("acquisition", "deposit", "review")
    )
    assert (dataset, PROV.wasGeneratedBy, acquisition) in graph
    assert (acquisition, RDF.type, PROV.Activity) in graph
    assert graph.value(acquisition, PROV.startedAtTime).toPython().date().isoformat() == "2013-08-24"
    assert set(graph.objects(dataset, PROV.wasInfluencedBy)) == {deposit_step, review}
    [who] = graph.objects(deposit_step, PROV.wasAssociatedWith)
    assert str(graph.value(who, rdflib.RDFS.label)) == depositor.public_name

    schemaorg = json.loads(export("schemaorg"))
    measured = [v["name"] for v in schemaorg["variableMeasured"]]
    assert measured == GLIDER_VARIABLES
    assert schemaorg["prov:wasGeneratedBy"]


@pytest.mark.parametrize(("locale", "viewport"), [("en-GB", None), ("fr-FR", PHONE), ("en-GB", PHONE), ("fr-FR", None)])
def test_the_files_variables_are_offered_ticked_in_step_3_and_one_unticked_stays_out(
    site, browser, draft, depositor, glider, locale, viewport
):
    from deposit import services

    data = glider.read_bytes()
    services.file_add_bytes(deposit=draft, actor=depositor, name="ru07_glider.nc", chunks=[data], size=len(data))
    context, page, errors = signed_in_as(
        browser, depositor, locale=locale, viewport=viewport or {"width": 1280, "height": 1000}
    )
    page.goto(f"{site}/deposits/{draft.pk}/wizard/where_when/")
    table = page.locator("#f-variables")
    rows = table.locator(":scope > [data-rows] > fieldset")
    expect(rows).to_have_count(6)
    names = rows.locator("input[data-name='name']")
    assert [names.nth(i).input_value() for i in range(6)] == GLIDER_VARIABLES
    keep = "Measured in this dataset" if locale == "en-GB" else "Mesurée dans ce jeu de données"
    for i in range(6):
        expect(rows.nth(i).get_by_label(re.compile(keep))).to_be_checked()
    expect(rows.nth(3).locator("input[data-name='unit_text']")).to_have_value("Celsius")
    label = f"variables-{locale[:2]}-{'phone' if viewport else 'desktop'}"
    section = page.locator("fieldset.wcard", has=table)
    section.locator(":scope > legend").evaluate("el => el.scrollIntoView()")
    shoot(page, f"{label}-offered")

    rows.nth(5).get_by_label(re.compile(keep)).uncheck()  # `v`
    saved(page)
    draft.refresh_from_db()
    assert [v["name"] for v in draft.metadata["variables"]] == GLIDER_VARIABLES[:5]

    page.reload()
    expect(rows).to_have_count(6)
    expect(rows.nth(5).get_by_label(re.compile(keep))).not_to_be_checked()
    expect(rows.nth(5)).to_have_class(re.compile(r"\boffered\b"))
    rows.nth(5).scroll_into_view_if_needed()
    shoot(page, f"{label}-unticked")
    page.locator("#f-temporal_extent-start").fill("2013-08-24")
    page.keyboard.press("Tab")
    saved(page)
    draft.refresh_from_db()
    assert [v["name"] for v in draft.metadata["variables"]] == GLIDER_VARIABLES[:5]  # `v` stays out
    context.close()
    assert errors == [], errors
