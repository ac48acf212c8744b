"""A record deposited through the wizard in Chromium with only the required fields, a location and
the INSPIRE defaults the wizard offers (the community's theme, the conditions of use the licence
sets), moderated and published, passes the catalogues' own rules: GeoNetwork's ISO, INSPIRE and
"ready for DOI" rule sets on its ISO 19115-3 export and its OAI-PMH `iso19115-3` payload, and the
science-on-schema.org, Google and GeoCODES shapes on its landing page and its schema.org export
(repository/conformance). On the way: the defaults are visible in the form, the conditions follow
the licence as it is chosen, and the moderator's checks warn that no lineage was given.

Chromium (the Debian package) driven by Playwright against the live server and PostgreSQL."""

from __future__ import annotations

import os
import re

import pytest
from lxml import etree

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

from tests.e2e.test_browser_flow import sign_in, sign_out

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TITLE = "Glider section across the Ibiza Channel, March 2024"
ABSTRACT = (
    "Temperature, salinity and dissolved oxygen from a Slocum glider crossing the Ibiza Channel "
    "twelve times in March 2024, from the surface to 950 m."
)
OCEAN_THEME = "http://inspire.ec.europa.eu/theme/of"
CSV = b"time,latitude,longitude,depth_m,temperature_degC,salinity_psu\n2024-03-01T00:00Z,38.8,1.0,5,14.1,37.9\n"
MDB = "{http://standards.iso.org/iso/19115/-3/mdb/2.0}MD_Metadata"


@pytest.fixture
def site(live_server, settings):
    settings.SITE_URL = live_server.url
    settings.DOI_PROVIDER = "local"
    return live_server.url


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    context.close()
    assert not errors, errors  # no JavaScript error on any page


@pytest.fixture
def sofia(depositor):
    """The depositor's account as an ORCID sign-in leaves it: a name and an affiliation, which the
    wizard makes the first creator and the point of contact."""
    depositor.first_name, depositor.last_name = "Sofia", "Garcia"
    depositor.display_name = "Sofia Garcia"
    depositor.affiliation, depositor.affiliation_ror = "Ifremer", "https://ror.org/044jxhp58"
    depositor.save()
    return depositor


def saved(page) -> None:
    from playwright.sync_api import expect

    expect(page.locator("#save-status")).to_have_attribute("data-state", "saved", timeout=15_000)


def go(page, step: str) -> None:
    """To a step through the wizard's navigation (what is typed is saved on the way)."""
    page.locator(f'.wstep[data-step="{step}"] a').click()
    page.wait_for_url(re.compile(rf"/wizard/{step}/$"))


def test_a_record_with_the_required_fields_and_the_inspire_defaults_passes_the_catalogues_rules(
    site, page, sofia, moderator, communities, tmp_path
):
    from playwright.sync_api import expect

    from deposit.models import Deposit
    from oai.protocol import oai_identifier
    from repository import conformance
    from repository.metadata import LICENCES
    from repository.serializers import inspire

    cc_by = inspire.use_conditions(LICENCES["CC-BY-4.0"])
    cc0 = inspire.use_conditions(LICENCES["CC0-1.0"])

    sign_in(page, site, "depositor")
    page.get_by_role("link", name="New deposit").click()
    page.get_by_label("Title of the dataset").fill(TITLE)
    page.get_by_label("Community").select_option("ocean")
    page.get_by_role("button", name="Start the deposit").click()
    page.wait_for_url(re.compile(r"/deposits/\d+/wizard/describe/$"))
    deposit = Deposit.objects.get(owner=sofia)

    # 1. Describe: the abstract; the INSPIRE theme is there already, the community's, and editable.
    page.locator("#f-abstract").fill(ABSTRACT)
    theme = page.get_by_label("Theme of the INSPIRE register")
    expect(theme).to_have_value(OCEAN_THEME)
    expect(theme.locator("option:checked")).to_have_text("Oceanographic geographical features")
    # It follows the community while it is left as offered: atmosphere, then back to ocean.
    page.locator("#f-community").select_option("atmosphere")
    expect(theme).to_have_value("http://inspire.ec.europa.eu/theme/ac")
    page.locator("#f-community").select_option("ocean")
    expect(theme).to_have_value(OCEAN_THEME)
    saved(page)

    # 3. Where and when: a box typed in (INSPIRE is about data with a location).
    go(page, "where_when")
    page.get_by_role("button", name="Add a box by coordinates").click()
    for side, value in (("west", "0.5"), ("east", "1.6"), ("south", "38.4"), ("north", "39.2")):
        page.locator(f"#f-geo_locations-0-box-{side}").fill(value)
    page.locator("#f-geo_locations-0-place").click()
    saved(page)

    # 4. Files.
    go(page, "files")
    data = tmp_path / "glider_ibiza_2024-03.csv"
    data.write_bytes(CSV)
    if page.locator("form.upload-form").count():
        page.locator("form.upload-form input[type=file]").set_input_files(str(data))
        page.locator("form.upload-form").get_by_role("button", name="Upload").click()
    else:  # the browser uploader
        page.locator("input[type=file]").first.set_input_files(str(data))
    for _attempt in range(60):
        page.wait_for_timeout(500)
        if deposit.files.filter(state="ready").count() == 1:
            break
    assert deposit.files.filter(state="ready").count() == 1

    # 5. The licence, with the conditions for access and use beside it, following the licence chosen.
    go(page, "links_licence")
    conditions = page.get_by_label("Conditions for access and use")
    expect(conditions).to_have_value(cc_by)
    page.get_by_label("Creative Commons Zero v1.0 Universal (CC0-1.0)").check()
    expect(conditions).to_have_value(cc0)
    page.get_by_label("Creative Commons Attribution 4.0 International (CC-BY-4.0)").check()
    expect(conditions).to_have_value(cc_by)
    saved(page)
    expect(page.locator("#review")).to_contain_text("Nothing is missing: the deposit can be submitted.")
    deposit.refresh_from_db()
    assert deposit.metadata["use_conditions"] == cc_by
    assert [s["value_uri"] for s in deposit.metadata["subjects"]] == [OCEAN_THEME]
    assert "lineage" not in deposit.metadata
    page.get_by_role("button", name="Submit for review").click()
    page.wait_for_url(re.compile(rf"/deposits/{deposit.pk}/$"))
    expect(page.locator(".messages")).to_contain_text("Submitted for review.")
    sign_out(page, site)

    # A moderator sees the INSPIRE checks (no lineage was given: a warning, not a blocker) and approves.
    sign_in(page, site, "moderator")
    page.goto(f"{site}/moderation/deposits/{deposit.pk}/")
    page.get_by_role("button", name="Claim").click()
    checks = page.locator(".checks, [data-checks]").first
    expect(checks).to_contain_text("INSPIRE theme: Oceanographic geographical features.")
    expect(checks).to_contain_text("The conditions for access and use are stated.")
    expect(checks).to_contain_text("No lineage: INSPIRE catalogues ask how the data were acquired and processed.")
    page.get_by_role("button", name="Approve").click()  # then confirm: the DOI becomes permanent
    page.get_by_label("I understand that the DOI becomes permanent.").check()
    page.get_by_role("button", name="Approve and publish").click()
    expect(page.locator(".messages")).to_contain_text("Approved: the record is published.")
    deposit.refresh_from_db()
    record = deposit.record

    # The ISO 19115-3, as the export and as harvested: GeoNetwork's three rule sets pass.
    export = page.request.get(f"{site}/records/{record.pk}/export/iso19115-3")
    assert export.ok
    harvest = page.request.get(
        f"{site}/oai?verb=GetRecord&metadataPrefix=iso19115-3&identifier={oai_identifier(record.pk)}"
    )
    assert harvest.ok
    [payload] = etree.fromstring(harvest.body()).iter(MDB)
    for where, xml in (("export", export.body()), ("oai", etree.tostring(payload))):
        found = conformance.geonetwork_violations(xml)
        assert found == {"iso": [], "inspire": [], "datacite": []}, (where, found)
        assert conformance.fired_rules(xml, "inspire") > 10, where
    text = export.body().decode()
    assert f'<gcx:Anchor xlink:href="{OCEAN_THEME}">Oceanographic geographical features</gcx:Anchor>' in text
    assert f"<gco:CharacterString>{cc_by}</gco:CharacterString>" in text

    # The landing page's JSON-LD and the schema.org export: the SOSO, Google and GeoCODES shapes pass.
    landing = page.request.get(record.landing_url)
    schemaorg = page.request.get(f"{site}/records/{record.pk}/export/schemaorg")
    assert landing.ok and schemaorg.ok
    for where, body in (("landing", landing.body()), ("schemaorg", schemaorg.body())):
        found = conformance.soso_violations(body)
        assert found == {name: [] for name in conformance.SOSO_REQUIRED}, (where, found)
