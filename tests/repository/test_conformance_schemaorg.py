"""The schema.org JSON-LD of every corpus record, on its landing page and as the `schemaorg` export,
against science-on-schema.org's shapes (`soso_common_v1.2.3`), Google Dataset Search's required
properties (`googleRequired`) and EarthCube GeoCODES' (`P418Required`): no violation. Google's
recommended properties (`googleRecommended`) are counted: what is left is listed below, each with
why the metadata cannot fill it (README, "For catalogue operators")."""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import date

import pytest
import rdflib
from django.conf import settings
from django.urls import reverse
from lxml import html as lxml_html

from repository import conformance
from repository.metadata import MetadataDocument
from repository.serializers.schemaorg import Distribution, to_schemaorg
from tests.repository.conformance_corpus import CORPUS, Cast, build
from tests.repository.landing_support import full_metadata

pytestmark = pytest.mark.django_db

SDO = rdflib.Namespace("http://schema.org/")


@pytest.fixture
def cast(depositor, admin, communities):
    return Cast(depositor, admin, communities)


def schemaorg_export(client, record) -> dict:
    response = client.get(reverse("repository:export", kwargs={"pk": record.pk, "fmt": "schemaorg"}))
    assert response.status_code == 200
    return response.json()


def landing_jsonld(client, record) -> list[dict]:
    response = client.get(record.landing_url.removeprefix(settings.SITE_URL))
    assert response.status_code == 200
    page = lxml_html.fromstring(response.content)
    return [json.loads(text) for text in page.xpath("//script[@type='application/ld+json']/text()")]


@pytest.mark.parametrize("name", list(CORPUS))
def test_the_json_ld_of_every_record_passes_soso_google_and_geocodes(client, cast, name):
    record = build(name, cast)
    documents = {"export": schemaorg_export(client, record)}
    if not record.is_withdrawn:  # a tombstone embeds no JSON-LD
        [documents["landing page"]] = landing_jsonld(client, record)
        assert documents["landing page"] == documents["export"]
    for where, data in documents.items():
        found = conformance.soso_violations(data, conformance.SOSO_REQUIRED)
        assert found == {shape: [] for shape in conformance.SOSO_REQUIRED}, where


# What Google's recommended properties still miss, and why the metadata cannot fill it:
# - keywords from a thesaurus are DefinedTerms (SOSO's guidance, which Google's shape reads as
#   "not a literal");
# - a record has several places (one Place each: their names stay with their shapes);
# - no article to cite, no other title, no measured variable, no extent: the depositor gave none.
KNOWN_RECOMMENDED = {
    "rich": {("keywords", "Value is not of Node Kind sh:Literal"): 3, ("spatialCoverage", "More than 1 values"): 1},
    "second_version": {
        ("keywords", "Value is not of Node Kind sh:Literal"): 3,
        ("spatialCoverage", "More than 1 values"): 1,
    },
    "embargoed": {("keywords", "Value is not of Node Kind sh:Literal"): 3},
    "organisations": {
        ("alternateName", "Less than 1 values"): 1,
        ("citation", "Less than 1 values"): 1,
        ("spatialCoverage", "Less than 1 values"): 1,
        ("temporalCoverage", "Less than 1 values"): 1,
        ("variableMeasured", "Less than 1 values"): 1,
    },
    "polygon": {
        ("keywords", "Value is not of Node Kind sh:Literal"): 1,
        ("citation", "Less than 1 values"): 1,
        ("variableMeasured", "Less than 1 values"): 1,
    },
    "points": {
        ("keywords", "Value is not of Node Kind sh:Literal"): 1,
        ("citation", "Less than 1 values"): 1,
        ("spatialCoverage", "More than 1 values"): 1,
    },
    "withdrawn": {
        ("keywords", "Value is not of Node Kind sh:Literal"): 3,
        ("spatialCoverage", "More than 1 values"): 1,
    },
    "derived": {
        ("keywords", "Value is not of Node Kind sh:Literal"): 3,
        ("citation", "Less than 1 values"): 1,
        ("spatialCoverage", "More than 1 values"): 1,
    },
}


@pytest.mark.parametrize("name", list(CORPUS))
def test_google_s_recommended_properties_miss_only_what_the_metadata_does_not_have(client, cast, name):
    data = schemaorg_export(client, build(name, cast))
    found = conformance.soso_violations(data, ["googleRecommended"])["googleRecommended"]
    left = Counter((v.where.rsplit("/", 1)[-1], re.sub(r" on <.*", "", v.message)) for v in found)
    assert dict(left) == KNOWN_RECOMMENDED[name]


def test_the_dataset_its_identifiers_and_its_people_stay_apart_in_rdf(client, cast):
    data = schemaorg_export(client, build("rich", cast))
    graph = conformance.jsonld_graph([data])
    dataset = rdflib.URIRef(data["@id"])
    assert set(graph.objects(dataset, rdflib.RDF.type)) == {SDO.Dataset}
    assert list(graph.objects(dataset, SDO.url)) == [rdflib.Literal(data["url"])]
    [identifier] = graph.objects(dataset, SDO.identifier)
    assert identifier != dataset and (identifier, rdflib.RDF.type, SDO.PropertyValue) in graph
    assert list(graph.objects(dataset, SDO.sameAs)) == [rdflib.Literal(data["@id"])]
    people = set(graph.subjects(rdflib.RDF.type, SDO.Person))
    # Anne (ORCID iD), Paul (none) and the contributor Chiara (ORCID iD): three people, one name each,
    # none of them also a PropertyValue
    assert sorted(str(graph.value(p, SDO.name)) for p in people) == ["Anne Le Goff", "Chiara Rossi", "Paul Martin"]
    assert all(len(list(graph.objects(p, SDO.name))) == 1 for p in people)
    assert not any((p, rdflib.RDF.type, SDO.PropertyValue) in graph for p in people)
    anne = rdflib.URIRef("https://orcid.org/0000-0002-1825-0097")
    assert anne in people and len(list(graph.objects(anne, SDO.url))) == 0


def test_an_embargoed_record_lists_its_files_without_a_download_address(client, cast):
    record = build("embargoed", cast)
    data = schemaorg_export(client, record)
    assert [d["name"] for d in data["distribution"]] == ["pco2_2025.csv", "pco2_2025.nc"]
    assert not any("contentUrl" in d for d in data["distribution"])
    assert data["conditionsOfAccess"] == f"Embargoed: the files are available from {record.embargo_until.isoformat()}."
    [on_the_page] = landing_jsonld(client, record)
    assert not any("contentUrl" in d for d in on_the_page["distribution"])


def test_files_get_their_download_address_on_the_day_the_embargo_ends():
    metadata = full_metadata()
    metadata["access"] = {"level": "embargoed", "embargo_until": "2027-03-01"}
    document = MetadataDocument.model_validate(metadata)
    files = [Distribution("ctd.nc", 10, "a" * 64, "https://estran.example/records/1/files/ctd.nc")]

    def urls(today):
        data = to_schemaorg(
            document,
            doi="10.5072/x",
            url="https://estran.example/records/1",
            date_published=date(2026, 3, 1),
            distributions=files,
            today=today,
        )
        return [d.get("contentUrl") for d in data["distribution"]]

    assert urls(date(2027, 2, 28)) == [None]
    assert urls(date(2027, 3, 1)) == ["https://estran.example/records/1/files/ctd.nc"]


def test_a_record_without_keywords_has_its_community_as_one(client, cast):
    data = schemaorg_export(client, build("organisations", cast))
    assert data["keywords"] == ["Land surfaces"]
    assert "spatialCoverage" not in data and "temporalCoverage" not in data and "variableMeasured" not in data
    assert [c["@type"] for c in data["creator"]["@list"]] == ["Organization", "Organization"]
    assert data["creator"]["@list"][0]["@id"] == "https://ror.org/044jxhp58"


def test_parameters_and_variables_of_parameter_vocabularies_are_measured_variables(client, cast):
    data = schemaorg_export(client, build("points", cast))
    assert data["variableMeasured"] == [
        {"@type": "PropertyValue", "name": "Coral cover"},
        {
            "@type": "PropertyValue",
            "name": "Hard coral cover",
            "propertyID": "http://vocab.nerc.ac.uk/collection/P01/current/CORLCVR1/",
        },
    ]
    cf = "https://cfconventions.org/Data/cf-standard-names/current/build/cf-standard-name-table.html"
    metadata = full_metadata()
    metadata["subjects"] = [
        {
            "subject": "sea_water_temperature",
            "scheme": "CF Standard Names",
            "scheme_uri": cf,
            "value_uri": f"{cf}#sea_water_temperature",
            "keyword_type": "theme",
        }
    ]
    document = MetadataDocument.model_validate(metadata)
    data = to_schemaorg(
        document, doi="10.5072/x", url="https://estran.example/records/1", date_published=date(2026, 3, 1)
    )
    assert data["variableMeasured"] == [
        {"@type": "PropertyValue", "name": "sea_water_temperature", "propertyID": f"{cf}#sea_water_temperature"}
    ]


def test_spatial_and_temporal_coverage_as_soso_writes_them(client, cast):
    points = schemaorg_export(client, build("points", cast))
    assert [p["geo"] for p in points["spatialCoverage"]] == [
        {"@type": "GeoCoordinates", "latitude": -22.3, "longitude": 166.45},
        {"@type": "GeoCoordinates", "latitude": -13.3, "longitude": -176.2},
        {"@type": "GeoShape", "box": "-23 163.5 -12.5 -175.5"},  # west > east: across the antimeridian
    ]
    assert points["temporalCoverage"] == "2024-03-01/2024-11-30"
    polygon = schemaorg_export(client, build("polygon", cast))
    [place] = polygon["spatialCoverage"]
    assert place["geo"] == {"@type": "GeoShape", "polygon": "42.6 -1.8 42.3 3.2 43.1 2.9 43.4 -1.5 42.6 -1.8"}
    assert place["additionalProperty"]["name"] == "altitude"
    assert polygon["temporalCoverage"] == "2023-01-01/.."


def test_a_collected_date_is_the_temporal_coverage_when_there_is_no_temporal_extent():
    metadata = full_metadata()
    metadata["temporal_extent"] = None
    metadata["dates"] = [{"date": "2024-04-25/", "date_type": "Collected"}]
    document = MetadataDocument.model_validate(metadata)
    data = to_schemaorg(
        document, doi="10.5072/x", url="https://estran.example/records/1", date_published=date(2026, 3, 1)
    )
    assert data["temporalCoverage"] == "2024-04-25/.."


def test_a_long_abstract_is_shortened_to_what_google_reads():
    metadata = full_metadata()
    metadata["descriptions"] = [{"description": "Casts " * 2000}]
    document = MetadataDocument.model_validate(metadata)
    data = to_schemaorg(
        document, doi="10.5072/x", url="https://estran.example/records/1", date_published=date(2026, 3, 1)
    )
    assert len(data["description"]) <= 5000 and data["description"].endswith("Casts…")
    assert conformance.soso_violations(data, ["googleRequired"]) == {"googleRequired": []}
