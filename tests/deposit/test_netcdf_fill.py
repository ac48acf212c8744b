"""'Fill from NetCDF' does not offer a CF standard name twice (issue 15): a name whose NERC term the
deposit's keywords already hold (the NVS P07 term of that name, or the P02 group NVS files it
under) is offered unticked, saying under which keyword it is already there; each suggested name
carries the concepts that say the same, from the loaded thesauri (a loaded P07 term and its
broader concept) and the P02 groups NVS files the common ocean names under."""

from __future__ import annotations

import json
import re

import pytest
from django.urls import reverse

from deposit import services
from tests.deposit.test_wizard import netcdf_from_cdl
from tests.factories import complete_metadata
from vocabularies.mappings import cf_equivalents

P02 = "http://vocab.nerc.ac.uk/collection/P02/current/"
P07 = "http://vocab.nerc.ac.uk/collection/P07/current/"


@pytest.fixture
def draft(depositor, communities):
    metadata = complete_metadata()
    metadata["subjects"] = [
        {
            "subject": "Temperature of the water column",
            "keyword_type": "parameter",
            "scheme": "NERC P02",
            "value_uri": f"{P02}TEMP/",
        },
        {"subject": "sea_water_salinity", "keyword_type": "parameter", "scheme": "NERC P07", "value_uri": f"{P07}X1/"},
    ]
    return services.deposit_create(owner=depositor, metadata=metadata, community="ocean")


def test_a_cf_name_already_said_by_a_nerc_keyword_is_offered_unticked(client, depositor, draft, tmp_path):
    data = netcdf_from_cdl("ru07-20130824T170228_rt0", tmp_path)
    services.file_add_bytes(deposit=draft, actor=depositor, name="ru07_glider.nc", chunks=[data], size=len(data))
    file = draft.files.get()
    client.force_login(depositor)
    panel = client.get(reverse("deposit:wizard-suggestions", kwargs={"pk": draft.pk, "file_pk": file.pk}))
    html = panel.content.decode()
    boxes = {
        label.strip().split()[0]: "checked" in tag
        for tag, label in re.findall(r'(<input type="checkbox" data-use="subjects"[^>]*>)\s*([^<]+)', html)
    }
    assert boxes["sea_water_temperature"] is False  # its P02 group, TEMP, is a keyword
    assert boxes["sea_water_salinity"] is False  # its P07 term is a keyword
    assert boxes["sea_water_electrical_conductivity"] is True
    assert "already among your keywords as “Temperature of the water column”" in html
    assert "already among your keywords as “sea_water_salinity”" in html

    payload = json.loads(re.search(r"data-suggestions='([^']*)'", html).group(1).replace("&quot;", '"'))
    by_name = {s["subject"]: s for s in payload["subjects"]}
    assert by_name["sea_water_electrical_conductivity"]["equivalents"] == [f"{P02}CNDC/"]
    assert "already" not in by_name["sea_water_electrical_conductivity"]


def test_a_loaded_p07_term_and_the_concept_it_is_filed_under_are_equivalents(db):
    from vocabularies.models import Concept, Thesaurus

    p07 = Thesaurus.objects.create(slug="nvs-p07", title="CF Standard Names (NVS P07)", uri=P07)
    Concept.objects.create(
        thesaurus=p07,
        uri=f"{P07}CFSN0335/",
        pref_label_en="sea_water_temperature",
        broader_uri=f"{P02}TEMP/",
    )
    Concept.objects.create(thesaurus=p07, uri=f"{P07}CFV13N1/", pref_label_en="sea_floor_depth_below_geoid")
    found = cf_equivalents(["sea_water_temperature", "sea_floor_depth_below_geoid", "air_temperature"])
    assert found == {
        "sea_water_temperature": [f"{P07}CFSN0335/", f"{P02}TEMP/"],  # P02 from the thesaurus and the table: once
        "sea_floor_depth_below_geoid": [f"{P07}CFV13N1/"],
        "air_temperature": [],
    }
