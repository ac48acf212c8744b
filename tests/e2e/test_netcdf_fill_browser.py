"""'Fill from NetCDF' in Chromium (issue 15): the file's box replaces the deposit's bounding box
(one box on the form and on the map, not a second beside it), and a CF standard name whose NERC
term is among the keywords is offered unticked and, ticked anyway, not added beside that term;
the other names are added. The file is a real glider file made from CDL by ncgen. Screenshots go to
/tmp/shots_misc/."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.test_moderation_round_browser import signed_in

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots_misc")
TEMP = "http://vocab.nerc.ac.uk/collection/P02/current/TEMP/"


@pytest.fixture
def site(live_server, settings):
    settings.SITE_URL = live_server.url
    settings.DOI_PROVIDER = "local"
    return live_server.url


@pytest.fixture
def draft(depositor, communities, tmp_path):
    from deposit import services
    from tests.deposit.test_wizard import netcdf_from_cdl
    from tests.factories import complete_metadata

    metadata = complete_metadata()  # a box over the Bay of Biscay
    metadata["subjects"] = [
        {
            "subject": "Temperature of the water column",
            "keyword_type": "parameter",
            "scheme": "NERC P02",
            "value_uri": TEMP,
        }
    ]
    deposit = services.deposit_create(owner=depositor, metadata=metadata, community="ocean")
    data = netcdf_from_cdl("ru07-20130824T170228_rt0", tmp_path)
    services.file_add_bytes(deposit=deposit, actor=depositor, name="ru07_glider.nc", chunks=[data], size=len(data))
    return deposit


def test_the_files_box_replaces_the_deposits_and_a_cf_name_is_not_added_beside_its_nerc_term(
    site, browser, draft, depositor
):
    context, page, errors = signed_in(browser, depositor)
    page.goto(f"{site}/deposits/{draft.pk}/wizard/where_when/")
    expect(page.locator("#map")).to_have_attribute("data-ready", re.compile("."))
    boxes = page.locator('[data-repeat="geo_locations"] [data-row][data-kind="box"]')
    expect(boxes).to_have_count(1)

    page.get_by_role("button", name="Fill from ru07_glider.nc").click()
    panel = page.locator("#netcdf-panel")
    temperature = panel.get_by_label(re.compile(r"\bsea_water_temperature \("))
    expect(temperature).not_to_be_checked()
    expect(panel).to_contain_text("already among your keywords as “Temperature of the water column”")
    expect(panel.get_by_label(re.compile(r"\bsea_water_salinity \("))).to_be_checked()
    temperature.check()  # ticked anyway: still not added beside its NERC term
    SHOTS.mkdir(parents=True, exist_ok=True)
    panel.screenshot(path=str(SHOTS / "netcdf-suggestions.png"))
    panel.get_by_role("button", name="Fill the form with the ticked values").click()

    # One box, the file's, kept under the deposit's place name; one shape on the map.
    expect(boxes).to_have_count(1)
    expect(page.locator("#f-geo_locations-0-box-west")).to_have_value("-120.7855")
    expect(page.locator("#f-geo_locations-0-box-north")).to_have_value("34.85172")
    expect(page.locator("#f-geo_locations-0-place")).to_have_value("Bay of Biscay")
    expect(page.locator("#map path.leaflet-interactive")).to_have_count(1)
    # The CF names added, but not the one its NERC term already says.
    chips = page.locator("#f-parameters .chip-label")
    expect(chips).to_contain_text(["Temperature of the water column", "sea_water_electrical_conductivity"])
    assert "sea_water_temperature" not in chips.all_inner_texts()
    assert chips.all_inner_texts().count("sea_water_salinity") == 1

    expect(page.locator("#save-status")).to_have_attribute("data-state", "saved", timeout=15_000)
    page.screenshot(path=str(SHOTS / "netcdf-filled.png"), full_page=True)
    draft.refresh_from_db()
    assert [g["box"]["west"] for g in draft.metadata["geo_locations"] if g.get("box")] == [-120.7855]
    subjects = [s["subject"] for s in draft.metadata["subjects"]]
    assert "sea_water_temperature" not in subjects and subjects.count("Temperature of the water column") == 1
    context.close()
    assert errors == [], errors
