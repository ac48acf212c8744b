"""The conformance runner (repository/conformance) and `manage.py estran_check_conformance`: the
catalogues' own rules, run offline from the copies in the project, find what they should and
nothing else."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from repository import conformance
from tests.repository.conformance_corpus import Cast, build

SDO = "http://schema.org/"

# A Dataset that has what SOSO, Google and GeoCODES require, in the namespace SOSO's shapes target.
MINIMAL_DATASET = {
    "@context": {"@vocab": SDO},
    "@type": "Dataset",
    "@id": "https://doi.org/10.5072/example",
    "identifier": {
        "@id": "https://doi.org/10.5072/example#doi",
        "@type": "PropertyValue",
        "propertyID": "https://registry.identifiers.org/registry/doi",
        "value": "doi:10.5072/example",
    },
    "url": "https://data.example.org/records/1",
    "sameAs": "https://doi.org/10.5072/example",
    "name": "Sea surface temperature at the Roscoff buoy",
    "description": "Hourly sea surface temperature measured at the Roscoff buoy from 2020 to 2024.",
    "keywords": ["sea surface temperature"],
    "version": "1",
    "isAccessibleForFree": True,
}


def iso_document(*roles: str) -> str:
    """The smallest ISO 19115-3 record GeoNetwork's "ready for DOI" check reads, with a point of
    contact for each role."""
    contacts = "".join(
        f"""<mri:pointOfContact><cit:CI_Responsibility><cit:role><cit:CI_RoleCode codeList="x"
        codeListValue="{role}">{role}</cit:CI_RoleCode></cit:role><cit:party><cit:CI_Organisation><cit:name>
        <gco:CharacterString>Ifremer</gco:CharacterString></cit:name></cit:CI_Organisation></cit:party>
        </cit:CI_Responsibility></mri:pointOfContact>"""
        for role in roles
    )
    return f"""<mdb:MD_Metadata xmlns:mdb="http://standards.iso.org/iso/19115/-3/mdb/2.0"
      xmlns:mcc="http://standards.iso.org/iso/19115/-3/mcc/1.0" xmlns:mri="http://standards.iso.org/iso/19115/-3/mri/1.0"
      xmlns:cit="http://standards.iso.org/iso/19115/-3/cit/2.0" xmlns:gco="http://standards.iso.org/iso/19115/-3/gco/1.0">
      <mdb:metadataIdentifier><mcc:MD_Identifier><mcc:code><gco:CharacterString>4f0c-1</gco:CharacterString>
      </mcc:code></mcc:MD_Identifier></mdb:metadataIdentifier>
      <mdb:metadataScope><mdb:MD_MetadataScope><mdb:resourceScope><mcc:MD_ScopeCode codeList="x"
      codeListValue="dataset">dataset</mcc:MD_ScopeCode></mdb:resourceScope></mdb:MD_MetadataScope></mdb:metadataScope>
      <mdb:identificationInfo><mri:MD_DataIdentification><mri:citation><cit:CI_Citation>
      <cit:title><gco:CharacterString>Roscoff buoy</gco:CharacterString></cit:title>
      <cit:date><cit:CI_Date><cit:date><gco:Date>2025-01-10</gco:Date></cit:date><cit:dateType>
      <cit:CI_DateTypeCode codeList="x" codeListValue="publication">publication</cit:CI_DateTypeCode></cit:dateType>
      </cit:CI_Date></cit:date></cit:CI_Citation></mri:citation>{contacts}</mri:MD_DataIdentification>
      </mdb:identificationInfo></mdb:MD_Metadata>"""


def test_a_complete_dataset_passes_every_required_shape():
    assert conformance.soso_violations(MINIMAL_DATASET) == {name: [] for name in conformance.SOSO_REQUIRED}


def test_the_https_namespace_is_what_soso_reports_and_then_no_content_shape_fires():
    found = conformance.soso_violations({**MINIMAL_DATASET, "@context": {"@vocab": "https://schema.org/"}})
    assert [v.message for v in found["soso_common_v1.2.3"]] == [
        "Expecting SO namespace of <http://schema.org/> not <https://schema.org/>"
    ]
    assert found["googleRequired"] == [] and found["P418Required"] == []  # they target http://schema.org/Dataset


def test_a_dataset_whose_identifier_shares_its_id_has_two_urls_for_every_rule_set():
    # The mistake the DOI PropertyValue made: in RDF the two nodes are one, with two urls.
    merged = {
        **MINIMAL_DATASET,
        "identifier": {
            **MINIMAL_DATASET["identifier"],
            "@id": MINIMAL_DATASET["@id"],
            "url": "https://doi.org/10.5072/example",
        },
    }
    found = conformance.soso_violations(merged)
    assert {name for name, violations in found.items() if violations} == set(conformance.SOSO_REQUIRED)
    assert any("url" in v.where for v in found["googleRequired"])


def test_a_landing_page_s_json_ld_is_read_from_its_script_element():
    import json

    page = f'<html><head><script type="application/ld+json">{json.dumps(MINIMAL_DATASET)}</script></head></html>'
    assert conformance.jsonld_blocks(page) == [MINIMAL_DATASET]
    assert conformance.soso_violations(page)["googleRequired"] == []


def test_a_remote_context_other_than_schema_org_is_refused_not_fetched():
    with pytest.raises(ValueError, match="refusing to fetch"):
        conformance.soso_violations({**MINIMAL_DATASET, "@context": "https://example.org/context.jsonld"})
    remote = conformance.soso_violations({**MINIMAL_DATASET, "@context": "https://schema.org"})
    assert remote["soso_common_v1.2.3"] == []  # schema.org's context says http://schema.org/


def test_geonetwork_s_doi_check_wants_a_publisher_among_the_points_of_contact():
    found = conformance.geonetwork_violations(iso_document("pointOfContact"), ["datacite"])
    assert [(v.message, v.where) for v in found["datacite"]] == [
        ("datacite.publisher.missing (mri:pointOfContact with role publisher)", "/MD_Metadata")
    ]
    assert conformance.geonetwork_violations(iso_document("pointOfContact", "publisher"), ["datacite"]) == {
        "datacite": []
    }
    assert conformance.fired_rules(iso_document("pointOfContact", "publisher"), "datacite") == 1


def test_geonetwork_s_iso_and_inspire_rules_fire_and_speak_english():
    xml = iso_document("pointOfContact", "publisher")
    found = conformance.geonetwork_violations(xml, ["iso", "inspire"])
    assert "The dataset MUST provide a geographic description or a bounding box." in [v.message for v in found["iso"]]
    assert "Resource abstract is missing." in [v.message for v in found["inspire"]]
    assert conformance.fired_rules(xml, "inspire") > 5


# --- The command ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_command_checks_a_record_by_id_or_doi_against_every_required_rule_set(depositor, admin, communities):
    record = build("rich", Cast(depositor, admin, communities))
    out = io.StringIO()
    call_command("estran_check_conformance", str(record.pk), record.doi, "--quiet-progress", stdout=out)
    assert out.getvalue().splitlines() == [
        f"{rule}: 2 of 2 records pass"
        for rule in ("soso_common_v1.2.3", "googleRequired", "P418Required", "iso", "inspire", "datacite")
    ]


@pytest.mark.django_db
def test_the_command_prints_each_violation_and_exits_1(depositor, admin, communities):
    cast = Cast(depositor, admin, communities)
    build("rich", cast)
    unlocated = build("organisations", cast)  # no location: outside INSPIRE
    out = io.StringIO()
    with pytest.raises(SystemExit) as exited:
        call_command("estran_check_conformance", "--all", "--rules", "inspire,datacite", "--quiet-progress", stdout=out)
    assert exited.value.code == 1
    lines = out.getvalue().splitlines()
    assert (
        f"FAIL {unlocated.pk} {unlocated.doi} [inspire] INSPIRE theme is mandatory. "
        "(/MD_Metadata/identificationInfo/MD_DataIdentification)" in lines
    )
    assert lines[-2:] == ["inspire: 1 of 2 records pass", "datacite: 2 of 2 records pass"]


@pytest.mark.django_db
def test_the_command_refuses_an_unknown_rule_set_or_record():
    with pytest.raises(CommandError, match="Unknown rule set"):
        call_command("estran_check_conformance", "--all", "--rules", "iso,dublin-core")
    with pytest.raises(CommandError, match="No record 424242"):
        call_command("estran_check_conformance", "424242")
    with pytest.raises(CommandError, match="or --all"):
        call_command("estran_check_conformance")
