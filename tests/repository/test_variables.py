"""Measured variables that match the files (issue 19): real NetCDF files (compliance-checker's CDL
samples made by ncgen) and CSV files uploaded to a deposit, previewed as the upload does it,
submitted (which fills the variables nobody decided) and published; the schema.org JSON-LD's
`variableMeasured` and the landing page's table name what the files hold, as the files name it."""

from __future__ import annotations

import json

import netCDF4
import pytest
from django.conf import settings
from django.urls import reverse
from lxml import html as lxml_html

from deposit import services as deposit_services
from deposit.workflow import Action
from repository import conformance
from repository.metadata import MetadataDocument, validate_document
from repository.netcdf import CF_TABLE_URI
from repository.variables import csv_column, from_netcdf, unit_code
from tests.factories import complete_metadata
from tests.repository.doi_support import approve
from tests.repository.test_netcdf import ncgen, real_file  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db

CTD_CSV = (
    b"time,lat,lon,depth (m),temp_c,psal,oxygen (umol kg-1),turbidity [NTU],chl_degC?\n"
    b"2024-04-25,46.5,-4.2,5,12.5,35.1,250,0.4,1\n"
)


def deposit_with(depositor, communities, files: dict[str, bytes], metadata=None):
    deposit = deposit_services.deposit_create(
        owner=depositor, metadata=metadata or complete_metadata(), community=communities["ocean"]
    )
    for name, data in files.items():
        deposit_services.file_add_bytes(deposit=deposit, actor=depositor, name=name, chunks=[data], size=len(data))
    return deposit


def publish(deposit, depositor, moderator):
    deposit = deposit_services.deposit_act(deposit=deposit, action=Action.submit, actor=depositor)
    return approve(deposit, moderator).record


def schemaorg(client, record) -> dict:
    response = client.get(reverse("repository:export", kwargs={"pk": record.pk, "fmt": "schemaorg"}))
    assert response.status_code == 200
    return response.json()


def measured_in_file(path) -> dict[str, dict]:
    """What the file itself says of each variable, read with the library here (not the preview)."""
    with netCDF4.Dataset(str(path)) as ds:
        return {name: {a: str(var.getncattr(a)) for a in var.ncattrs()} for name, var in ds.variables.items()}


# --- NetCDF ----------------------------------------------------------------------------------------


def test_a_glider_files_variables_are_its_measured_quantities_with_their_cf_names_and_units(
    client, depositor, moderator, communities, real_file
):
    path = real_file("ru07-20130824T170228_rt0")
    deposit = deposit_with(depositor, communities, {"ru07_glider.nc": path.read_bytes()})
    record = publish(deposit, depositor, moderator)

    measured = schemaorg(client, record)["variableMeasured"]
    in_file = measured_in_file(path)
    # The measured quantities; not the coordinates (time, lat, lon, depth, pressure: each states an
    # axis), the QC flags, the ids (segment_id, profile_id) nor the platform's and instrument's containers.
    assert [v["name"] for v in measured] == ["conductivity", "density", "salinity", "temperature", "u", "v"]
    for variable in measured:
        attributes = in_file[variable["name"]]
        assert variable["@type"] == "PropertyValue"
        assert variable["unitText"] == attributes["units"]
        assert variable["description"] == attributes["long_name"]
        assert variable["propertyID"] == f"{CF_TABLE_URI}#{attributes['standard_name']}"
    by_name = {v["name"]: v for v in measured}
    assert by_name["temperature"]["unitCode"] == "CEL"  # "Celsius"
    assert by_name["u"]["unitCode"] == "MTS"  # "m s-1"
    assert "unitCode" not in by_name["conductivity"]  # "S m-1": not in the table, so no code


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("kibesillah", ["sea_water_temperature"]),
        ("usgs_dem_saipan", ["elev"]),
        ("index_ragged", ["temperature", "humidity"]),
        ("swan", ["shgt", "mper", "mdir", "pper", "pdir"]),  # not the forecast's reference time and period
    ],
)
def test_other_real_files_give_their_data_variables_and_nothing_else(
    client, depositor, moderator, communities, real_file, name, expected
):
    path = real_file(name)
    record = publish(deposit_with(depositor, communities, {f"{name}.nc": path.read_bytes()}), depositor, moderator)
    measured = schemaorg(client, record)["variableMeasured"]
    assert [v["name"] for v in measured] == expected
    in_file = measured_in_file(path)
    assert all(v.get("unitText") == in_file[v["name"]].get("units") for v in measured)


def test_a_netcdf_header_previewed_before_roles_is_read_by_the_same_rule():
    """A preview stored before the reader gave each variable its role (no `axis` either)."""
    preview = {
        "kind": "netcdf",
        "variables": [
            {"name": "time", "dimensions": ["time"], "dtype": "float64", "attributes": {"units": "days since 1950"}},
            {"name": "lat", "dimensions": ["obs"], "dtype": "float32", "attributes": {"units": "degrees_north"}},
            {"name": "TEMP", "dimensions": ["obs"], "dtype": "float32", "attributes": {"units": "degC"}},
            {
                "name": "TEMP_QC",
                "dimensions": ["obs"],
                "dtype": "int8",
                "attributes": {"standard_name": "x status_flag"},
            },
            {"name": "id", "dimensions": ["obs"], "dtype": "int32", "attributes": {}},
            {"name": "label", "dimensions": ["obs"], "dtype": "string", "attributes": {"units": "1"}},
        ],
    }
    assert from_netcdf(preview) == [{"name": "TEMP", "unit_text": "degC", "unit_code": "CEL"}]


# --- CSV -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("temp_c", {"name": "temp_c"}),  # Celsius, a count or a correction: no unit is guessed
        ("psal", {"name": "psal"}),
        ("temp (degC)", {"name": "temp (degC)", "unit_text": "degC", "unit_code": "CEL"}),
        ("temp [°C]", {"name": "temp [°C]", "unit_text": "°C", "unit_code": "CEL"}),
        ("temp_degC", {"name": "temp_degC", "unit_text": "degC", "unit_code": "CEL"}),
        ("pres_dbar", {"name": "pres_dbar", "unit_text": "dbar"}),
        ("oxygen (umol kg-1)", {"name": "oxygen (umol kg-1)", "unit_text": "umol kg-1"}),
        ("chl [mg/m^3]", {"name": "chl [mg/m^3]", "unit_text": "mg/m^3"}),
        ("temp (sensor 2)", {"name": "temp (sensor 2)"}),  # words, not a unit
        ("temp (2)", {"name": "temp (2)"}),
        ("time", None),
        ("Latitude", None),
        ("depth (m)", None),
        ("", None),
    ],
)
def test_a_csv_header_gives_its_unit_only_when_it_states_one(header, expected):
    assert csv_column(header) == expected


def test_unit_codes_come_only_from_the_table():
    assert unit_code("Celsius") == "CEL" and unit_code("kg m-3") == "KMQ" and unit_code("W m-2") == "D54"
    assert unit_code("psu") is None and unit_code("Percent") is None and unit_code("") is None


def test_a_csv_files_columns_are_its_variables_named_as_its_header_writes_them(
    client, depositor, moderator, communities
):
    deposit = deposit_with(depositor, communities, {"ctd.csv": CTD_CSV, "README.md": b"# CTD\n"})
    record = publish(deposit, depositor, moderator)
    measured = schemaorg(client, record)["variableMeasured"]
    assert measured == [
        {"@type": "PropertyValue", "name": "temp_c"},
        {"@type": "PropertyValue", "name": "psal"},
        {"@type": "PropertyValue", "name": "oxygen (umol kg-1)", "unitText": "umol kg-1"},
        {"@type": "PropertyValue", "name": "turbidity [NTU]", "unitText": "NTU"},
        {"@type": "PropertyValue", "name": "chl_degC?"},
    ]
    header = CTD_CSV.split(b"\n", 1)[0].decode().split(",")
    assert all(v["name"] in header for v in measured)


def test_variables_of_several_files_are_listed_once_each(client, depositor, moderator, communities, real_file):
    glider = real_file("ru07-20130824T170228_rt0").read_bytes()
    csv = b"temperature,turbidity (NTU)\n12.5,0.4\n"
    record = publish(
        deposit_with(depositor, communities, {"a_glider.nc": glider, "b_bottle.csv": csv}), depositor, moderator
    )
    names = [v["name"] for v in schemaorg(client, record)["variableMeasured"]]
    assert names == ["conductivity", "density", "salinity", "temperature", "u", "v", "turbidity (NTU)"]


# --- What the depositor decided ------------------------------------------------------------------


def test_a_list_the_depositor_saved_is_kept_at_submission_even_empty(client, depositor, moderator, communities):
    metadata = complete_metadata()
    metadata["variables"] = []  # every variable unticked in the wizard
    record = publish(deposit_with(depositor, communities, {"ctd.csv": CTD_CSV}, metadata), depositor, moderator)
    assert record.metadata["variables"] == []
    # the parameter keywords, as before there were variables; none of the file's columns
    measured = [v["name"] for v in schemaorg(client, record).get("variableMeasured", [])]
    assert not {"temp_c", "psal"} & set(measured)


def test_without_variables_the_parameter_keywords_are_the_measured_variables(client, depositor, moderator, communities):
    metadata = complete_metadata()
    temp = "http://vocab.nerc.ac.uk/collection/P02/current/TEMP/"
    metadata["subjects"] = [{"subject": "Temperature", "keyword_type": "parameter", "value_uri": temp}]
    metadata["variables"] = []
    record = publish(deposit_with(depositor, communities, {"notes.txt": b"hello\n"}, metadata), depositor, moderator)
    assert schemaorg(client, record)["variableMeasured"] == [
        {"@type": "PropertyValue", "name": "Temperature", "propertyID": temp}
    ]


def test_with_variables_the_parameter_keywords_are_not_listed_beside_them(client, depositor, moderator, communities):
    metadata = complete_metadata()
    metadata["subjects"] = [
        {
            "subject": "Temperature",
            "keyword_type": "parameter",
            "value_uri": "http://vocab.nerc.ac.uk/collection/P02/current/TEMP/",
        }
    ]
    record = publish(deposit_with(depositor, communities, {"ctd.csv": CTD_CSV}, metadata), depositor, moderator)
    names = [v["name"] for v in schemaorg(client, record)["variableMeasured"]]
    assert "Temperature" not in names and names[0] == "temp_c"


def test_the_document_refuses_a_variable_twice_and_an_unknown_field(depositor):
    metadata = complete_metadata()
    metadata["variables"] = [{"name": "temp"}, {"name": "temp", "unit_text": "degC"}]
    _doc, problems = validate_document(metadata)
    assert [(p["step"], p["field"]) for p in problems] == [("where_when", "variables.1.name")]
    metadata["variables"] = [{"name": "temp", "units": "degC"}]
    _doc, problems = validate_document(metadata)
    assert [(p["step"], p["field"]) for p in problems] == [("where_when", "variables.0.units")]
    metadata["variables"] = [{"name": "temp", "property_id": "javascript:alert(1)"}]
    _doc, problems = validate_document(metadata)
    assert [(p["step"], p["field"]) for p in problems] == [("where_when", "variables.0.property_id")]


# --- Where they are shown ----------------------------------------------------------------------------


def test_the_landing_page_shows_the_variables_table_and_its_json_ld_passes_soso(
    client, depositor, moderator, communities, real_file
):
    path = real_file("ru07-20130824T170228_rt0")
    record = publish(deposit_with(depositor, communities, {"ru07_glider.nc": path.read_bytes()}), depositor, moderator)
    response = client.get(record.landing_url.removeprefix(settings.SITE_URL))
    assert response.status_code == 200
    page = lxml_html.fromstring(response.content)
    rows = page.xpath("//section[@id='variables']//tbody/tr")
    assert [r.xpath("string(th)") for r in rows] == ["conductivity", "density", "salinity", "temperature", "u", "v"]
    temperature = rows[3]
    assert [c.text_content().strip() for c in temperature.xpath("td")] == [
        "Temperature",
        "sea_water_temperature",
        "Celsius",
    ]
    assert temperature.xpath("td/a/@href") == [f"{CF_TABLE_URI}#sea_water_temperature"]
    [jsonld] = [json.loads(t) for t in page.xpath("//script[@type='application/ld+json']/text()")]
    found = conformance.soso_violations(jsonld, conformance.SOSO_REQUIRED)
    assert found == {shape: [] for shape in conformance.SOSO_REQUIRED}
    assert MetadataDocument.model_validate(record.metadata).variables[3].unit_code == "CEL"


def test_the_iso_export_describes_the_variables_as_coverage_content_valid_and_passing_geonetwork_s_rules(
    client, depositor, moderator, communities, real_file
):
    from lxml import etree

    from repository.xml_validation import validate

    path = real_file("ru07-20130824T170228_rt0")
    record = publish(deposit_with(depositor, communities, {"ru07_glider.nc": path.read_bytes()}), depositor, moderator)
    response = client.get(reverse("repository:export", kwargs={"pk": record.pk, "fmt": "iso19115-3"}))
    assert response.status_code == 200
    xml = b"".join(response.streaming_content) if response.streaming else response.content
    assert validate(xml, "iso19115-3") == []
    found = conformance.geonetwork_violations(xml)
    assert found["iso"] == [] and found["datacite"] == [], found
    ns = {
        "mdb": "http://standards.iso.org/iso/19115/-3/mdb/2.0",
        "mrc": "http://standards.iso.org/iso/19115/-3/mrc/2.0",
        "mcc": "http://standards.iso.org/iso/19115/-3/mcc/1.0",
        "gco": "http://standards.iso.org/iso/19115/-3/gco/1.0",
        "gcx": "http://standards.iso.org/iso/19115/-3/gcx/1.0",
        "xlink": "http://www.w3.org/1999/xlink",
    }
    root = etree.fromstring(xml)
    samples = root.xpath("mdb:contentInfo/mrc:MD_CoverageDescription//mrc:MD_RangeDimension", namespaces=ns)
    names = [s.xpath("string(mrc:name[1]//mcc:code/gco:CharacterString)", namespaces=ns) for s in samples]
    assert names == ["conductivity", "density", "salinity", "temperature", "u", "v"]
    temperature = samples[3]
    assert temperature.xpath("string(mrc:description/gco:CharacterString)", namespaces=ns) == "Temperature (Celsius)"
    assert temperature.xpath("mrc:name[2]//gcx:Anchor/@xlink:href", namespaces=ns) == [
        f"{CF_TABLE_URI}#sea_water_temperature"
    ]
    assert samples[0].xpath("string(mrc:description/gco:CharacterString)", namespaces=ns) == "Conductivity (S m-1)"
