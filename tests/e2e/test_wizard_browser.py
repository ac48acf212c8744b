"""The five-step wizard in Chromium: a depositor describes a realistic ocean dataset (a CTD section
with two creators and their ORCID iDs, a bounding box drawn on the map with the mouse, NERC P02
parameters picked from the type-ahead, an article DOI), reloads in the middle of step 3 and finds
everything, uploads the data, submits; a moderator approves; the record's DataCite XML validates
against the DataCite 4.6 XSD. Also: two tabs never overwrite each other silently, and edits typed
while the server is unreachable survive the tab being closed. Screenshots of every step, at a
laptop's and a tablet's width, go to var/screenshots/wizard-*.png."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

from tests.e2e.test_browser_flow import SCREENSHOTS, sign_in, sign_out

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ANNE = "0000-0002-1825-0097"
JOSIAH = "0000-0001-5109-3700"
IFREMER = "https://ror.org/044jxhp58"
TITLE = "CTD section across the Bay of Biscay shelf break, PELGAS 2024"
ARTICLE = "10.5194/os-20-1-2024"
CSV = b"station,time,latitude,longitude,pressure_dbar,temperature_degC,salinity_psu\n" + b"".join(
    (
        f"P{i:02},2024-05-0{1 + i % 9}T0{i % 10}:00Z,{45 + i / 10:.2f},{-5 + i / 10:.2f},"
        f"{d},{14 - d / 200:.2f},35.6{i % 10}\n"
    ).encode()
    for i in range(12)
    for d in (5, 50, 200, 1000)
)
README = (
    b"CTD section, PELGAS 2024.\nColumns: station, time (UTC), latitude, longitude (degrees), pressure (dbar), ...\n"
)
LAPTOP = {"width": 1280, "height": 800}
TABLET = {"width": 820, "height": 1180}


@pytest.fixture
def site(live_server, settings):
    settings.SITE_URL = live_server.url
    settings.DOI_PROVIDER = "local"
    return live_server.url


@pytest.fixture
def context(browser):
    context = browser.new_context(viewport=LAPTOP, locale="en-GB")
    context.set_default_timeout(15_000)
    yield context
    context.close()


@pytest.fixture
def page(context):
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    assert not errors, errors  # no JavaScript error on any page


@pytest.fixture
def thesauri(db):
    """The demo vocabulary set (NERC P02 parameters, L05 instruments, C19 places, GCMD platforms,
    INSPIRE themes), loaded with the vocabularies app's loader. TODO: NERC P01 has no SKOS export in
    ../shared/vocabularies yet; the parameters picked here are P02 concepts."""
    from vocabularies.services import thesaurus_load

    path = Path(__file__).resolve().parents[2] / "vocabularies" / "data" / "estran-demo.ttl"
    return {report.slug for report in thesaurus_load(path=path)}


@pytest.fixture
def anne(depositor):
    depositor.first_name, depositor.last_name = "Anne", "Le Goff"
    depositor.display_name = "Anne Le Goff"
    depositor.orcid, depositor.orcid_authenticated = ANNE, True
    depositor.affiliation, depositor.affiliation_ror = "Ifremer", IFREMER
    depositor.save()
    return depositor


def shot(page, name: str, *, full_page: bool = True) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"wizard-{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


def saved(page) -> None:
    """Wait until the autosave has nothing left to send."""
    from playwright.sync_api import expect

    expect(page.locator("#save-status")).to_have_attribute("data-state", "saved", timeout=15_000)


def pick(page, group: str, query: str, label: str) -> None:
    """Type in a thesaurus type-ahead and choose the suggestion `label`."""
    from playwright.sync_api import expect

    box = page.locator(f"#ta-{group}")
    box.fill(query)
    option = page.locator(
        f"#ta-{group}-list [role=option]", has=page.locator(".opt-label", has_text=re.compile(f"^{re.escape(label)}$"))
    )
    expect(option).to_be_visible()
    option.click()
    expect(page.locator(f"#f-{group} .chip-label", has_text=label)).to_be_visible()


def go(page, label: str, step: str) -> None:
    page.locator(".wizard-actions").get_by_role("button", name=re.compile(re.escape(label))).click()
    page.wait_for_url(re.compile(rf"/wizard/{step}/$"))


def map_point(page, lat: float, lon: float) -> tuple[float, float]:
    """Where (lat, lon) is on the screen now."""
    x, y = page.evaluate(
        "([lat, lon]) => { const p = EstranMap.map.latLngToContainerPoint([lat, lon]); return [p.x, p.y]; }", [lat, lon]
    )
    box = page.locator("#map").bounding_box()
    return box["x"] + x, box["y"] + y


def test_a_depositor_deposits_a_ctd_section_through_the_five_steps(
    site, context, page, anne, moderator, communities, thesauri, tmp_path
):
    from playwright.sync_api import expect

    from deposit.models import Deposit
    from repository.xml_validation import validate

    assert "nvs-p02" in thesauri
    sign_in(page, site, "depositor")
    page.get_by_role("link", name="New deposit").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("New deposit")
    shot(page, "00-start")
    page.get_by_label("Title of the dataset").fill(TITLE)
    page.get_by_role("button", name="Start the deposit").click()
    page.wait_for_url(re.compile(r"/deposits/\d+/wizard/describe/$"))
    deposit = Deposit.objects.get(owner=anne)

    # 1. Describe.
    expect(page.locator("#f-title")).to_have_value(TITLE)
    page.locator("#f-abstract").fill(
        "Temperature and salinity profiles from 48 CTD casts across the shelf break of the Bay of Biscay, "
        "PELGAS 2024 survey (R/V Thalassa), 25 April to 30 May 2024, surface to 2000 m."
    )
    page.get_by_label("Precise type (free text)").fill("CTD profiles")
    page.get_by_label("Lineage").fill(
        "SBE 911plus CTD, dual T/C sensors calibrated before the cruise; processed with SBE Data Processing "
        "7.26 (filter, align, loop edit), averaged in 1 dbar bins; checked against bottle salinities."
    )
    pick(page, "keywords", "ocean", "Oceanographic geographical features")
    page.get_by_label("Free keywords").fill("PELGAS; shelf break")
    page.locator("#f-community").select_option("ocean")
    saved(page)
    expect(page.locator('.wstep[data-step="describe"]')).to_have_class(re.compile("status-complete"))
    shot(page, "01-describe")

    # 2. People and funding: the depositor is the first creator; a second one, reordered by drag
    # and back with the keyboard.
    go(page, "People and funding", "people")
    expect(page.locator("#f-creators-0-family_name")).to_have_value("Le Goff")
    expect(page.locator("#f-creators-0-orcid")).to_have_value(ANNE)
    expect(page.locator("#f-creators-0-affiliations-0-ror")).to_have_value(IFREMER)
    page.get_by_role("button", name="Add a creator").click()
    page.locator("#f-creators-1-family_name").fill("Carberry")
    page.locator("#f-creators-1-given_name").fill("Josiah")
    page.locator("#f-creators-1-orcid").fill("0000-0001-5109-3701")
    page.locator("#f-creators-1-given_name").click()
    expect(page.locator("#f-creators-1-orcid-check")).to_contain_text("check digit")  # checked as typed
    page.locator("#f-creators-1-orcid").fill(JOSIAH)
    page.locator("#f-creators-1 [data-add=affiliations]").click()
    page.locator("#f-creators-1-affiliations-0-name").fill("Wesleyan University")
    page.locator("#f-creators-1-affiliations-0-ror").fill("05h7xva58")
    page.locator("#f-creators-1-affiliations-0-name").click()
    expect(page.locator("#f-creators-1-orcid-check")).to_have_count(0)
    page.locator("#f-creators-0 legend").evaluate("el => el.scrollIntoView({block: 'start'})")
    page.locator("#f-creators-1 [data-drag]").drag_to(page.locator("#f-creators-0 legend"))
    expect(page.locator("#f-creators-0-family_name")).to_have_value("Carberry")
    page.locator("#f-creators-0").get_by_role("button", name="Move down").click()
    expect(page.locator("#f-creators-0-family_name")).to_have_value("Le Goff")
    page.get_by_role("button", name="Add a funding").click()
    page.locator("#f-funding_references-0-funder_name").fill("Agence nationale de la recherche")
    page.locator("#f-funding_references-0-funder_identifier_type").select_option("ROR")
    page.locator("#f-funding_references-0-funder_identifier").fill("https://ror.org/00rbzpz17")
    page.locator("#f-funding_references-0-award_number").fill("ANR-22-CE01-0001")
    saved(page)
    shot(page, "02-people")

    # 3. Where and when: a box drawn with the mouse, then a reload in the middle of the step.
    go(page, "Where and when", "where_when")
    page.locator("#map").scroll_into_view_if_needed()
    page.evaluate("() => { EstranMap.map.setView([46, -4], 5, {animate: false}); }")
    page.get_by_role("button", name="Draw a box").click()
    expect(page.get_by_role("button", name="Draw a box")).to_have_attribute("aria-pressed", "true")
    x0, y0 = map_point(page, 48.0, -6.0)
    x1, y1 = map_point(page, 43.5, -1.5)
    page.mouse.move(x0, y0)
    page.mouse.down()
    page.mouse.move((x0 + x1) / 2, (y0 + y1) / 2, steps=5)
    page.mouse.move(x1, y1, steps=5)
    page.mouse.up()
    west = float(page.locator("#f-geo_locations-0-box-west").input_value())
    north = float(page.locator("#f-geo_locations-0-box-north").input_value())
    east = float(page.locator("#f-geo_locations-0-box-east").input_value())
    south = float(page.locator("#f-geo_locations-0-box-south").input_value())
    assert abs(west + 6) < 0.3 and abs(east + 1.5) < 0.3 and abs(south - 43.5) < 0.3 and abs(north - 48) < 0.3
    page.locator("#f-geo_locations-0-place").fill("Bay of Biscay")
    # Typing a number redraws the shape (and a number out of range is flagged at once).
    page.locator("#f-geo_locations-0-box-north").fill("95")
    page.locator("#f-geo_locations-0-place").click()
    expect(page.locator("#f-geo_locations-0-box-north-check")).to_contain_text("between −90 and 90")
    page.locator("#f-geo_locations-0-box-north").fill("48")
    page.locator("#f-geo_locations-0-place").click()
    expect(page.locator("#f-geo_locations-0-box-north-check")).to_have_count(0)
    pick(page, "parameters", "temperature", "Temperature of the water column")
    pick(page, "parameters", "salinity", "Salinity of the water column")
    pick(page, "instruments", "CTD", "CTD")
    page.get_by_label("Start date", exact=True).fill("2024-04-25")
    page.get_by_label("End date", exact=True).fill("2024-05-30")
    page.get_by_label("Minimum (m)").fill("0")
    saved(page)
    # The last value is typed and the page reloaded at once, before any autosave could run.
    page.get_by_label("Maximum (m)").fill("2000")
    page.reload()
    expect(page.get_by_label("Maximum (m)")).to_have_value("2000")
    expect(page.locator("#f-geo_locations-0-place")).to_have_value("Bay of Biscay")
    expect(page.locator("#f-geo_locations-0-box-west")).to_have_value(str(west).removesuffix(".0"))
    expect(page.locator("#f-parameters .chip-label")).to_have_text(
        ["Temperature of the water column", "Salinity of the water column"]
    )
    expect(page.get_by_label("Start date", exact=True)).to_have_value("2024-04-25")
    expect(page.get_by_label("End date", exact=True)).to_have_value("2024-05-30")
    saved(page)
    deposit.refresh_from_db()
    assert deposit.metadata["vertical_extent"]["maximum"] == 2000.0
    assert page.locator("#map path.leaflet-interactive").count() >= 1  # the box, drawn again from the saved numbers
    shot(page, "03-where-when")

    # 4. Files.
    go(page, "Files", "files")
    csv, readme = tmp_path / "ctd_section_pelgas2024.csv", tmp_path / "README.txt"
    csv.write_bytes(CSV)
    readme.write_bytes(README)
    if page.locator("form.upload-form").count():
        page.locator("form.upload-form input[type=file]").set_input_files([str(csv), str(readme)])
        page.locator("form.upload-form").get_by_role("button", name="Upload").click()
    else:  # the browser uploader of the upload issue
        page.locator("input[type=file]").first.set_input_files([str(csv), str(readme)])
    for _attempt in range(60):
        page.wait_for_timeout(500)
        if deposit.files.filter(state="ready").count() == 2:
            break
    page.goto(f"{site}/deposits/{deposit.pk}/wizard/files/")
    expect(page.locator("#files-table")).to_contain_text("ctd_section_pelgas2024.csv")
    expect(page.locator("#files-table")).to_contain_text(deposit.files.get(name="README.txt").sha256)
    expect(page.locator(".advice")).to_contain_text("A README is there.")
    shot(page, "04-files")

    # 5. Links, licence and review.
    go(page, "Links, licence and review", "links_licence")
    page.get_by_role("button", name="Add an article (DOI)").click()
    page.locator("#f-related_identifiers-0-identifier").fill(f"https://doi.org/{ARTICLE}")
    expect(page.get_by_label("Creative Commons Attribution 4.0 International (CC-BY-4.0)")).to_be_checked()
    page.locator("#f-version").fill("1.0")
    saved(page)
    expect(page.locator("#review")).to_contain_text("Nothing is missing: the deposit can be submitted.")
    shot(page, "05-links-review")

    # The same pages at a tablet's width.
    page.set_viewport_size(TABLET)
    for number, step in enumerate(("describe", "people", "where_when", "files", "links_licence"), start=1):
        page.goto(f"{site}/deposits/{deposit.pk}/wizard/{step}/")
        page.wait_for_timeout(300)
        shot(page, f"tablet-{number}-{step}")
    page.set_viewport_size(LAPTOP)
    # And in French (the language switcher), then back to English.
    page.get_by_role("button", name="Français").click()
    expect(page.get_by_role("heading", level=2)).to_contain_text("Liens, licence et relecture")
    page.goto(f"{site}/deposits/{deposit.pk}/wizard/where_when/")
    expect(page.get_by_role("button", name="Tracer un rectangle")).to_be_visible()
    shot(page, "fr-3-where_when")
    page.get_by_role("button", name="English").click()
    page.goto(f"{site}/deposits/{deposit.pk}/wizard/links_licence/")

    page.get_by_role("button", name="Submit for review").click()
    page.wait_for_url(re.compile(rf"/deposits/{deposit.pk}/$"))
    expect(page.locator(".messages")).to_contain_text("Submitted for review.")
    shot(page, "06-submitted")
    sign_out(page, site)

    # A moderator approves.
    sign_in(page, site, "moderator")
    page.get_by_role("link", name="Moderation queue").click()
    page.get_by_role("link", name=TITLE).click()
    page.get_by_role("button", name="Claim").click()
    page.get_by_role("button", name="Approve").click()  # then confirm: the DOI becomes permanent
    page.get_by_label("I understand that the DOI becomes permanent.").check()
    page.get_by_role("button", name="Approve and publish").click()
    expect(page.locator(".messages")).to_contain_text("Approved: the record is published.")
    deposit.refresh_from_db()
    record = deposit.record

    # The record's DataCite XML is valid and says what was typed.
    response = page.request.get(f"{site}/records/{record.pk}/export/datacite-xml")
    assert response.ok
    xml = response.body()
    assert validate(xml, "datacite-4.6") == []
    text = xml.decode()
    assert text.index(f"https://orcid.org/{ANNE}") < text.index(f"https://orcid.org/{JOSIAH}")
    assert "http://vocab.nerc.ac.uk/collection/P02/current/TEMP/" in text
    assert f">{ARTICLE}<" in text and 'relationType="IsSupplementTo"' in text
    assert re.search(r"<westBoundLongitude>-?[\d.]+</westBoundLongitude>", text)
    assert "ANR-22-CE01-0001" in text


def test_the_contact_address_is_a_visible_choice_the_communitys_by_default(site, page, depositor, communities):
    """The depositor's address is never filled in: the community's is published unless they choose
    to give one, and the e-mail field appears only then."""
    from playwright.sync_api import expect

    from deposit import services, wizard
    from deposit.models import Deposit

    deposit = services.deposit_create(
        owner=depositor, metadata=wizard.initial_metadata(depositor), community=communities["ocean"]
    )
    sign_in(page, site, "depositor")
    page.goto(f"{site}/deposits/{deposit.pk}/wizard/people/")
    community = page.get_by_label(re.compile("The contact address of ODATIS"))
    expect(community).to_be_checked()
    expect(page.locator("#f-point_of_contact-email")).to_be_hidden()

    page.get_by_label(re.compile("An address I give")).check()
    expect(page.locator("#f-point_of_contact-email")).to_be_visible()
    page.locator("#f-point_of_contact-email").fill("desk@example.org")
    page.locator("#f-point_of_contact-name").click()
    saved(page)
    assert Deposit.objects.get(pk=deposit.pk).metadata["point_of_contact"]["email"] == "desk@example.org"

    community.check()
    expect(page.locator("#f-point_of_contact-email")).to_be_hidden()
    saved(page)
    assert "email" not in Deposit.objects.get(pk=deposit.pk).metadata["point_of_contact"]


def test_two_tabs_never_overwrite_each_other_silently(site, context, page, depositor, communities):
    from playwright.sync_api import expect

    from deposit import services, wizard

    deposit = services.deposit_create(owner=depositor, metadata=wizard.initial_metadata(depositor))
    sign_in(page, site, "depositor")
    url = f"{site}/deposits/{deposit.pk}/wizard/describe/"
    page.goto(url)
    other = context.new_page()
    other.goto(url)

    page.locator("#f-title").fill("Title typed in the first tab")
    page.locator("#f-abstract").click()
    saved(page)
    other.locator("#f-title").fill("Title typed in the second tab")
    other.locator("#f-abstract").click()

    conflict = other.locator("#wizard-conflict")
    expect(conflict).to_be_visible()
    expect(conflict).to_contain_text("Someone else saved this deposit")
    expect(conflict.locator("table")).to_contain_text("Title typed in the first tab")
    expect(conflict.locator("table")).to_contain_text("Title typed in the second tab")
    expect(other.locator("#save-status")).to_have_attribute("data-state", "conflict")
    shot(other, "07-conflict", full_page=False)
    deposit.refresh_from_db()
    assert deposit.title == "Title typed in the first tab"

    other.get_by_role("button", name="Load their version").click()
    expect(other.locator("#f-title")).to_have_value("Title typed in the first tab")
    other.locator("#f-title").fill("Agreed title")
    other.locator("#f-abstract").click()
    saved(other)
    deposit.refresh_from_db()
    assert deposit.title == "Agreed title"


def test_edits_typed_while_the_server_is_unreachable_survive_a_closed_tab(site, context, page, depositor, communities):
    from playwright.sync_api import expect

    from deposit import services, wizard

    deposit = services.deposit_create(owner=depositor, metadata=wizard.initial_metadata(depositor))
    sign_in(page, site, "depositor")
    url = f"{site}/deposits/{deposit.pk}/wizard/describe/"
    page.goto(url)
    page.route("**/wizard/save", lambda route: route.abort())
    page.get_by_label("Lineage").fill("Typed while the network was down.")
    page.locator("#f-title").click()
    expect(page.locator("#save-status")).to_have_attribute("data-state", "offline")
    page.close(run_before_unload=True)
    deposit.refresh_from_db()
    assert "lineage" not in deposit.metadata

    again = context.new_page()
    again.goto(url)
    expect(again.get_by_label("Lineage")).to_have_value("Typed while the network was down.")
    saved(again)
    deposit.refresh_from_db()
    assert deposit.metadata["lineage"] == "Typed while the network was down."


def test_a_netcdf_file_fills_step_three_and_a_box_is_drawn_across_the_antimeridian(
    site, page, depositor, communities, tmp_path
):
    from playwright.sync_api import expect

    from deposit import services, wizard
    from tests.deposit.test_wizard import netcdf_from_cdl

    deposit = services.deposit_create(owner=depositor, metadata=wizard.initial_metadata(depositor))
    data = netcdf_from_cdl("ru07-20130824T170228_rt0", tmp_path)
    services.file_add_bytes(deposit=deposit, actor=depositor, name="ru07_glider.nc", chunks=[data], size=len(data))
    sign_in(page, site, "depositor")
    page.goto(f"{site}/deposits/{deposit.pk}/wizard/where_when/")

    # The file's attributes, offered, accepted, then in the form (and saved).
    page.get_by_role("button", name="Fill from ru07_glider.nc").click()
    panel = page.locator("#netcdf-panel")
    expect(panel).to_contain_text("Box: west -120.7855, east -120.78092")
    expect(panel).to_contain_text("sea_water_temperature")
    panel.get_by_label(re.compile("sea_water_density")).uncheck()  # the depositor leaves one out
    shot(page, "08-netcdf-suggestions", full_page=False)
    panel.get_by_role("button", name="Fill the form with the ticked values").click()
    expect(page.locator("#f-geo_locations-0-box-west")).to_have_value("-120.7855")
    expect(page.get_by_label("Start date", exact=True)).to_have_value("2013-08-24")
    expect(page.get_by_label("Maximum (m)")).to_have_value("589")
    chips = page.locator("#f-parameters .chip-label")
    expect(chips).to_contain_text(["sea_water_electrical_conductivity", "sea_water_salinity", "sea_water_temperature"])
    assert "sea_water_density" not in chips.all_inner_texts()
    saved(page)
    deposit.refresh_from_db()
    assert deposit.metadata["geo_locations"][0]["box"]["west"] == -120.7855
    assert deposit.metadata["vertical_extent"]["maximum"] == 589.0

    # A box drawn across the antimeridian (170°E to 170°W) is stored with west > east.
    page.locator("#map").scroll_into_view_if_needed()
    page.evaluate("() => { EstranMap.map.setView([-18, 180], 4, {animate: false}); }")
    page.get_by_role("button", name="Draw a box").click()
    x0, y0 = map_point(page, -10.0, 170.0)
    x1, y1 = map_point(page, -25.0, 190.0)
    page.mouse.move(x0, y0)
    page.mouse.down()
    page.mouse.move(x1, y1, steps=8)
    page.mouse.up()
    west = float(page.locator("#f-geo_locations-1-box-west").input_value())
    east = float(page.locator("#f-geo_locations-1-box-east").input_value())
    assert abs(west - 170) < 0.5 and abs(east + 170) < 0.5
    expect(page.locator("#f-geo_locations-1 [data-antimeridian]")).to_be_visible()
    page.locator("#f-geo_locations-1-place").fill("Fiji Basin")
    saved(page)
    shot(page, "09-antimeridian", full_page=False)
    deposit.refresh_from_db()
    box = deposit.metadata["geo_locations"][1]["box"]
    assert box["west"] > box["east"]
