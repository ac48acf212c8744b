"""DataCite 4.6 XML from the metadata document, and the offline XSD validation it is checked with."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from lxml import etree

from repository import xml_validation
from repository.metadata import LICENCES, MetadataDocument
from repository.serializers.datacite import to_datacite_xml
from repository.xml_validation import XMLInvalid, assert_valid, validate

REPO_ROOT = Path(__file__).parents[2]
SHARED = REPO_ROOT.parent / "shared"
EXAMPLES = SHARED / "schemas" / "examples"
NS = {"dc": "http://datacite.org/schema/kernel-4"}
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
DOI = "10.80000/estran.kqw38-jmz79"


def ctd_document() -> MetadataDocument:
    """A CTD section across the antimeridian, described the way a depositor would."""
    return MetadataDocument.model_validate({
        "titles": [
            {"title": "CTD profiles of the FIJI-TONGA 2023 cruise (R/V L'Atalante)"},
            {"title": "Profils CTD de la campagne FIJI-TONGA 2023", "title_type": "TranslatedTitle", "lang": "fr"},
        ],
        "creators": [
            {
                "name": "Le Goff, Maëlle",
                "orcid": "https://orcid.org/0000-0002-1825-0097",
                "affiliations": [
                    {"name": "Ifremer", "ror": "https://ror.org/044jxhp58"},
                    {"name": "Université de Bretagne Occidentale", "ror": "https://ror.org/01b8h3982"},
                ],
            },
            {
                "name": "Nakamura, Kenji",
                "orcid": "0000-0002-1694-233x",
                "affiliations": [{"name": "CNRS", "ror": "https://ror.org/02feahw73"},
                                 {"name": "Laboratoire d'Océanographie Physique et Spatiale"}],
            },
            {"name": "Coriolis data centre", "name_type": "Organizational"},
        ],
        "descriptions": [
            {"description": "Temperature, salinity and dissolved oxygen profiles from 48 CTD casts "
                            "between Fiji and Tonga, 0-2000 dbar."},
            {"description": "SBE 911plus, processed with SBE Data Processing 7.26;\n"
                            "salinity calibrated against bottle samples.",
             "description_type": "Methods"},
        ],
        "resource_type": {"general": "Dataset", "type": "CTD profiles"},
        "language": "en",
        "version": "1.2",
        "subjects": [
            {"subject": "EARTH SCIENCE > OCEANS > OCEAN TEMPERATURE > WATER TEMPERATURE",
             "scheme": "GCMD Science Keywords",
             "scheme_uri": "https://gcmd.earthdata.nasa.gov/kms/concepts/concept_scheme/sciencekeywords",
             "value_uri": "https://gcmd.earthdata.nasa.gov/kms/concept/4ad0c52f-8f8f-4ba2-9b79-0a5ac1f5fb7b"},
            {"subject": "Temperature of the water column", "scheme": "BODC Parameter Discovery Vocabulary",
             "scheme_uri": "http://vocab.nerc.ac.uk/collection/P02/current/",
             "value_uri": "http://vocab.nerc.ac.uk/collection/P02/current/TEMP/"},
            {"subject": "South Pacific"},
        ],
        "rights": [LICENCES["CC-BY-4.0"].model_dump()],
        "geo_locations": [
            {"place": "Lau Basin, between Fiji and Tonga",
             "box": {"west": 177.5, "east": -173.25, "south": -21.0, "north": -15.5}},
            {"place": "Station 12", "point": {"longitude": -175.2, "latitude": -18.75}},
        ],
        "dates": [
            {"date": "2023-03-02/2023-04-15", "date_type": "Collected"},
            {"date": "2024-01-15/", "date_type": "Collected"},
            {"date": "2023-06-01", "date_type": "Created"},
        ],
        "related_identifiers": [
            {"identifier": "10.1016/j.dsr.2020.103345", "identifier_type": "DOI",
             "relation_type": "IsSupplementTo", "resource_type_general": "Text"},
            {"identifier": "https://github.com/estran-ocean/ctd-processing", "identifier_type": "URL",
             "relation_type": "IsCompiledBy", "resource_type_general": "Software"},
        ],
    })


def minimal_document(**extra) -> MetadataDocument:
    return MetadataDocument.model_validate({
        "titles": [{"title": "Sediment core MD19-3580, grain size"}],
        "creators": [{"name": "Doe, Jane"}],
        "descriptions": [{"description": "Laser grain size every centimetre."}],
        "rights": [LICENCES["CC0-1.0"].model_dump()],
        "language": None,
        **extra,
    })


def parse(xml: bytes) -> etree._Element:
    return etree.fromstring(xml)


def texts(root: etree._Element, path: str) -> list[str]:
    return [str(v) for v in root.xpath(path, namespaces=NS)]


# ---- the serializer ---------------------------------------------------------


def test_ctd_dataset_serializes_to_valid_datacite_4_6(settings):
    settings.DOI_PUBLISHER = "Estran test"
    xml = to_datacite_xml(ctd_document(), doi=DOI, publication_year=2024)

    assert validate(xml, "datacite-4.6") == []
    root = parse(xml)
    assert root.tag == "{http://datacite.org/schema/kernel-4}resource"
    assert root.get("{http://www.w3.org/2001/XMLSchema-instance}schemaLocation") == (
        "http://datacite.org/schema/kernel-4 http://schema.datacite.org/meta/kernel-4.6/metadata.xsd"
    )
    assert texts(root, "dc:identifier[@identifierType='DOI']/text()") == [DOI]
    assert texts(root, "dc:publisher/text()") == ["Estran test"]
    assert texts(root, "dc:publicationYear/text()") == ["2024"]
    assert texts(root, "dc:resourceType[@resourceTypeGeneral='Dataset']/text()") == ["CTD profiles"]
    assert texts(root, "dc:language/text()") == ["en"]
    assert texts(root, "dc:version/text()") == ["1.2"]


def test_creators_carry_orcid_ids_and_ror_affiliations():
    root = parse(to_datacite_xml(ctd_document(), doi=DOI, publication_year=2024))
    creators = root.xpath("dc:creators/dc:creator", namespaces=NS)
    assert len(creators) == 3

    first, second, organisation = creators
    assert texts(first, "dc:creatorName/@nameType") == ["Personal"]
    assert texts(first, "dc:creatorName/text()") == ["Le Goff, Maëlle"]
    assert texts(first, "dc:givenName/text()") == ["Maëlle"]
    assert texts(first, "dc:familyName/text()") == ["Le Goff"]
    orcid = first.xpath("dc:nameIdentifier", namespaces=NS)[0]
    assert orcid.text == "https://orcid.org/0000-0002-1825-0097"
    assert orcid.get("nameIdentifierScheme") == "ORCID"
    assert orcid.get("schemeURI") == "https://orcid.org"
    affiliation = first.xpath("dc:affiliation", namespaces=NS)[0]
    assert affiliation.text == "Ifremer"
    assert affiliation.get("affiliationIdentifier") == "https://ror.org/044jxhp58"
    assert affiliation.get("affiliationIdentifierScheme") == "ROR"
    assert affiliation.get("schemeURI") == "https://ror.org"
    assert len(first.xpath("dc:affiliation", namespaces=NS)) == 2

    # The ORCID iD was normalised by the document (lower-case check digit x).
    assert texts(second, "dc:nameIdentifier/text()") == ["https://orcid.org/0000-0002-1694-233X"]
    unidentified = second.xpath("dc:affiliation[not(@affiliationIdentifier)]", namespaces=NS)
    assert [a.text for a in unidentified] == ["Laboratoire d'Océanographie Physique et Spatiale"]
    assert unidentified[0].get("affiliationIdentifierScheme") is None

    # The XSD's creator is a sequence: the child order matters.
    assert [etree.QName(c).localname for c in first] == [
        "creatorName", "givenName", "familyName", "nameIdentifier", "affiliation", "affiliation"
    ]

    assert texts(organisation, "dc:creatorName/@nameType") == ["Organizational"]
    assert texts(organisation, "dc:creatorName/text()") == ["Coriolis data centre"]
    assert organisation.xpath("dc:givenName | dc:familyName | dc:nameIdentifier", namespaces=NS) == []


def test_titles_subjects_dates_rights_and_descriptions_keep_their_attributes():
    root = parse(to_datacite_xml(ctd_document(), doi=DOI, publication_year=2024))

    titles = root.xpath("dc:titles/dc:title", namespaces=NS)
    assert titles[0].get("titleType") is None
    assert titles[1].get("titleType") == "TranslatedTitle"
    assert titles[1].get(XML_LANG) == "fr"

    gcmd, bodc, free = root.xpath("dc:subjects/dc:subject", namespaces=NS)
    assert gcmd.get("subjectScheme") == "GCMD Science Keywords"
    assert gcmd.get("schemeURI").endswith("/sciencekeywords")
    assert bodc.get("valueURI") == "http://vocab.nerc.ac.uk/collection/P02/current/TEMP/"
    assert free.text == "South Pacific" and free.attrib == {}

    dates = [(d.text, d.get("dateType")) for d in root.xpath("dc:dates/dc:date", namespaces=NS)]
    assert dates == [
        ("2023-03-02/2023-04-15", "Collected"),
        ("2024-01-15/", "Collected"),  # an open range: data still being collected
        ("2023-06-01", "Created"),
    ]

    rights = root.xpath("dc:rightsList/dc:rights", namespaces=NS)[0]
    assert rights.text == "Creative Commons Attribution 4.0 International"
    assert rights.get("rightsIdentifier") == "CC-BY-4.0"
    assert rights.get("rightsIdentifierScheme") == "SPDX"
    assert rights.get("rightsURI") == "https://creativecommons.org/licenses/by/4.0/legalcode"

    descriptions = root.xpath("dc:descriptions/dc:description", namespaces=NS)
    assert [d.get("descriptionType") for d in descriptions] == ["Abstract", "Methods"]
    assert "\nsalinity calibrated" in descriptions[1].text


def test_geolocations_keep_a_box_crossing_the_antimeridian_and_a_point():
    root = parse(to_datacite_xml(ctd_document(), doi=DOI, publication_year=2024))
    box_location, point_location = root.xpath("dc:geoLocations/dc:geoLocation", namespaces=NS)

    assert texts(box_location, "dc:geoLocationPlace/text()") == ["Lau Basin, between Fiji and Tonga"]
    box = box_location.xpath("dc:geoLocationBox", namespaces=NS)[0]
    assert [(etree.QName(c).localname, float(c.text)) for c in box] == [
        ("westBoundLongitude", 177.5),
        ("eastBoundLongitude", -173.25),  # west > east: the box crosses 180°
        ("southBoundLatitude", -21.0),
        ("northBoundLatitude", -15.5),
    ]
    point = point_location.xpath("dc:geoLocationPoint", namespaces=NS)[0]
    assert [(etree.QName(c).localname, float(c.text)) for c in point] == [
        ("pointLongitude", -175.2), ("pointLatitude", -18.75)
    ]


def test_related_identifiers_carry_type_relation_and_resource_type():
    root = parse(to_datacite_xml(ctd_document(), doi=DOI, publication_year=2024))
    paper, code = root.xpath("dc:relatedIdentifiers/dc:relatedIdentifier", namespaces=NS)
    assert paper.text == "10.1016/j.dsr.2020.103345"
    assert (paper.get("relatedIdentifierType"), paper.get("relationType"), paper.get("resourceTypeGeneral")) == (
        "DOI", "IsSupplementTo", "Text"
    )
    assert (code.get("relatedIdentifierType"), code.get("relationType"), code.get("resourceTypeGeneral")) == (
        "URL", "IsCompiledBy", "Software"
    )


def test_a_software_heritage_id_becomes_a_resolver_url_since_4_6_has_no_swhid_type():
    document = minimal_document(related_identifiers=[
        {"identifier": "swh:1:dir:d198bc9d7a6bcf6db04f476d29314f157507d505", "identifier_type": "SWHID",
         "relation_type": "IsCompiledBy"}
    ])
    xml = to_datacite_xml(document, doi=DOI)

    assert validate(xml) == []
    related = parse(xml).xpath("dc:relatedIdentifiers/dc:relatedIdentifier", namespaces=NS)[0]
    assert related.get("relatedIdentifierType") == "URL"
    assert related.text == "https://archive.softwareheritage.org/swh:1:dir:d198bc9d7a6bcf6db04f476d29314f157507d505"


def test_minimal_document_is_valid_and_has_no_empty_optional_wrappers(settings):
    settings.DOI_PUBLISHER = "Estran"
    xml = to_datacite_xml(minimal_document(), doi=DOI)

    assert validate(xml) == []
    root = parse(xml)
    assert [etree.QName(c).localname for c in root] == [
        "identifier", "creators", "titles", "publisher", "publicationYear", "resourceType",
        "rightsList", "descriptions",
    ]
    assert texts(root, "dc:creators/dc:creator/dc:givenName/text()") == ["Jane"]
    assert texts(root, "dc:resourceType/@resourceTypeGeneral") == ["Dataset"]
    assert texts(root, "dc:rightsList/dc:rights/@rightsIdentifier") == ["CC0-1.0"]


def test_publisher_and_year_precedence(settings):
    from django.utils import timezone

    settings.DOI_PUBLISHER = "From settings"
    document = minimal_document()

    root = parse(to_datacite_xml(document, doi=DOI))
    assert texts(root, "dc:publisher/text()") == ["From settings"]
    assert texts(root, "dc:publicationYear/text()") == [str(timezone.now().year)]

    root = parse(to_datacite_xml(document, doi=DOI, publisher="From argument", publication_year=2021))
    assert texts(root, "dc:publisher/text()") == ["From argument"]
    assert texts(root, "dc:publicationYear/text()") == ["2021"]

    own = minimal_document(publisher="Ifremer SISMER", publication_year=2019)
    root = parse(to_datacite_xml(own, doi=DOI, publisher="From argument"))
    assert texts(root, "dc:publisher/text()") == ["Ifremer SISMER"]
    assert texts(root, "dc:publicationYear/text()") == ["2019"]
    root = parse(to_datacite_xml(own, doi=DOI, publication_year=2025))
    assert texts(root, "dc:publicationYear/text()") == ["2025"]


def test_control_characters_pasted_into_text_are_dropped():
    document = minimal_document(descriptions=[{"description": "Grain\x0bsize\x07 data"}])
    xml = to_datacite_xml(document, doi=DOI)
    assert validate(xml) == []
    assert texts(parse(xml), "dc:descriptions/dc:description/text()") == ["Grainsize data"]


def test_a_relation_type_unknown_to_datacite_makes_the_xml_invalid():
    # relation_type is free text in the document: the XSD is what catches a wrong value.
    document = ctd_document()
    document.related_identifiers[0].relation_type = "Inspires"
    errors = validate(to_datacite_xml(document, doi=DOI, publication_year=2024))
    assert len(errors) == 1
    assert errors[0].startswith("line ")
    assert "relationType" in errors[0] and "'Inspires'" in errors[0]


# ---- the validator ----------------------------------------------------------


def test_validator_reports_malformed_xml_with_its_line():
    errors = validate(b"<resource>\n<identifier>\n</resource>")
    assert errors and errors[0].startswith("line 3: ")
    assert "mismatch" in errors[0]


def test_validator_rejects_a_document_of_another_namespace():
    errors = validate(b"<resource><identifier>x</identifier></resource>")
    assert errors == ["line 1: Element 'resource': No matching global declaration available for the validation root."]


def test_assert_valid_raises_with_every_error():
    xml = to_datacite_xml(minimal_document(), doi=DOI).replace(b"<publicationYear>", b"<publicationYear>MMXX")
    with pytest.raises(XMLInvalid) as excinfo:
        assert_valid(xml, "datacite-4.6")
    assert any("publicationYear" in e for e in excinfo.value.errors)
    assert_valid(to_datacite_xml(minimal_document(), doi=DOI), "datacite-4.6")


def test_validator_refuses_an_unknown_mode():
    with pytest.raises(ValueError, match="Unknown validation mode"):
        validate(b"<a/>", "datacite-3")


def test_validator_compiles_offline_from_any_directory_without_django(tmp_path):
    # A fresh interpreter, started elsewhere, with no catalog in its environment: the bundle is
    # found from the module's own path, and Django is not imported (the fake DataCite relies on it).
    script = (
        "import sys; sys.path.insert(0, %r)\n"
        "from repository.xml_validation import validate, MODES\n"
        "for mode in MODES: assert validate(b'<x/>', mode), mode\n"
        "assert 'django' not in sys.modules, 'django imported'\n"
        "print('ok')\n"
    ) % str(REPO_ROOT)
    env = {"PATH": "/usr/bin:/bin"}
    result = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_schema_bundle_is_shipped_inside_the_project():
    schemas = REPO_ROOT / "repository" / "schemas"
    assert xml_validation.SCHEMAS_DIR == schemas
    for path in ("catalog.xml", "SOURCES.tsv", "datacite/kernel-4.6/metadata.xsd",
                 "iso19115-3/schemas.isotc211.org/19115/-3/mdb/2.0/mdb.xsd",
                 "oai-pmh/www.openarchives.org/OAI/2.0/OAI-PMH.xsd"):
        assert (schemas / path).is_file(), path
    assert not (schemas / "examples").exists()


def _examples(*modes: str) -> list:
    params = []
    for mode in modes:
        folder = EXAMPLES / mode
        if not folder.is_dir():
            params.append(pytest.param(mode, None, marks=pytest.mark.skip(reason=f"{folder} is absent"),
                                       id=f"{mode}-absent"))
            continue
        params += [pytest.param(mode, path, id=f"{mode}/{path.name}") for path in sorted(folder.glob("*.xml"))]
    return params


@pytest.mark.parametrize(("mode", "path"), _examples("datacite-4.6"))
def test_upstream_datacite_examples_are_judged_like_the_shared_tool(mode, path):
    errors = validate(path.read_bytes(), "datacite-4.6")
    if path.name.endswith("-invalid.xml"):
        assert errors, f"{path.name} should be invalid"
        assert all(e.startswith("line ") for e in errors)
    else:
        assert errors == []


@pytest.mark.parametrize(("mode", "path"), _examples("iso19115-3", "oai-pmh"))
def test_other_modes_judge_the_shared_examples(mode, path):
    errors = validate(path.read_bytes(), mode)
    assert bool(errors) == path.name.endswith("-invalid.xml"), errors
