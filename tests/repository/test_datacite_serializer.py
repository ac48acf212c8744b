"""DataCite 4.6 XML from the metadata document, and the offline XSD validation it is checked with."""

from __future__ import annotations

import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest
from lxml import etree

from repository import xml_validation
from repository.metadata import (
    LICENCES,
    ContributorType,
    DateType,
    DescriptionType,
    FunderIdentifierType,
    KeywordType,
    MetadataDocument,
    RelationType,
    ResourceTypeGeneral,
    validate_document,
)
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
    return MetadataDocument.model_validate(
        {
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
                    "affiliations": [
                        {"name": "CNRS", "ror": "https://ror.org/02feahw73"},
                        {"name": "Laboratoire d'Océanographie Physique et Spatiale"},
                    ],
                },
                {"name": "Coriolis data centre", "name_type": "Organizational"},
            ],
            "descriptions": [
                {
                    "description": "Temperature, salinity and dissolved oxygen profiles from 48 CTD casts "
                    "between Fiji and Tonga, 0-2000 dbar."
                },
                {
                    "description": "SBE 911plus, processed with SBE Data Processing 7.26;\n"
                    "salinity calibrated against bottle samples.",
                    "description_type": "Methods",
                },
            ],
            "resource_type": {"general": "Dataset", "type": "CTD profiles"},
            "language": "en",
            "version": "1.2",
            "point_of_contact": {
                "name": "Le Goff, Maëlle",
                "email": "maelle.legoff@example.org",
                "organisation": "Ifremer",
                "orcid": "0000-0002-1825-0097",
            },
            "subjects": [
                {
                    "subject": "EARTH SCIENCE > OCEANS > OCEAN TEMPERATURE > WATER TEMPERATURE",
                    "scheme": "GCMD Science Keywords",
                    "scheme_uri": "https://gcmd.earthdata.nasa.gov/kms/concepts/concept_scheme/sciencekeywords",
                    "value_uri": "https://gcmd.earthdata.nasa.gov/kms/concept/4ad0c52f-8f8f-4ba2-9b79-0a5ac1f5fb7b",
                },
                {
                    "subject": "Temperature of the water column",
                    "scheme": "BODC Parameter Discovery Vocabulary",
                    "scheme_uri": "http://vocab.nerc.ac.uk/collection/P02/current/",
                    "value_uri": "http://vocab.nerc.ac.uk/collection/P02/current/TEMP/",
                },
                {"subject": "South Pacific"},
            ],
            "rights": [LICENCES["CC-BY-4.0"].model_dump()],
            "geo_locations": [
                {
                    "place": "Lau Basin, between Fiji and Tonga",
                    "box": {"west": 177.5, "east": -173.25, "south": -21.0, "north": -15.5},
                },
                {"place": "Station 12", "point": {"longitude": -175.2, "latitude": -18.75}},
            ],
            "dates": [
                {"date": "2023-03-02/2023-04-15", "date_type": "Collected"},
                {"date": "2024-01-15/", "date_type": "Collected"},
                {"date": "2023-06-01", "date_type": "Created"},
            ],
            "related_identifiers": [
                {
                    "identifier": "10.1016/j.dsr.2020.103345",
                    "identifier_type": "DOI",
                    "relation_type": "IsSupplementTo",
                    "resource_type_general": "JournalArticle",
                },
                {
                    "identifier": "https://github.com/estran-ocean/ctd-processing",
                    "identifier_type": "URL",
                    "relation_type": "IsCompiledBy",
                    "resource_type_general": "Software",
                },
            ],
        }
    )


def minimal_document(**extra) -> MetadataDocument:
    return MetadataDocument.model_validate(
        {
            "titles": [{"title": "Sediment core MD19-3580, grain size"}],
            "creators": [{"name": "Doe, Jane"}],
            "descriptions": [{"description": "Laser grain size every centimetre."}],
            "point_of_contact": {"name": "Doe, Jane", "email": "jane.doe@example.org"},
            "rights": [LICENCES["CC0-1.0"].model_dump()],
            "language": None,
            **extra,
        }
    )


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
        "creatorName",
        "givenName",
        "familyName",
        "nameIdentifier",
        "affiliation",
        "affiliation",
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
        ("pointLongitude", -175.2),
        ("pointLatitude", -18.75),
    ]


def test_related_identifiers_carry_type_relation_and_resource_type():
    root = parse(to_datacite_xml(ctd_document(), doi=DOI, publication_year=2024))
    paper, code = root.xpath("dc:relatedIdentifiers/dc:relatedIdentifier", namespaces=NS)
    assert paper.text == "10.1016/j.dsr.2020.103345"
    assert (paper.get("relatedIdentifierType"), paper.get("relationType"), paper.get("resourceTypeGeneral")) == (
        "DOI",
        "IsSupplementTo",
        "JournalArticle",
    )
    assert (code.get("relatedIdentifierType"), code.get("relationType"), code.get("resourceTypeGeneral")) == (
        "URL",
        "IsCompiledBy",
        "Software",
    )


def test_a_software_heritage_id_becomes_a_resolver_url_since_4_6_has_no_swhid_type():
    document = minimal_document(
        related_identifiers=[
            {
                "identifier": "swh:1:dir:d198bc9d7a6bcf6db04f476d29314f157507d505",
                "identifier_type": "SWHID",
                "relation_type": "IsCompiledBy",
            }
        ]
    )
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
        "identifier",
        "creators",
        "titles",
        "publisher",
        "publicationYear",
        "resourceType",
        "contributors",
        "rightsList",
        "descriptions",
    ]
    assert texts(root, "dc:creators/dc:creator/dc:givenName/text()") == ["Jane"]
    assert texts(root, "dc:resourceType/@resourceTypeGeneral") == ["Dataset"]
    assert texts(root, "dc:rightsList/dc:rights/@rightsIdentifier") == ["CC0-1.0"]
    # The point of contact (required) is the one contributor; access is open by default.
    assert texts(root, "dc:contributors/dc:contributor/@contributorType") == ["ContactPerson"]
    assert texts(root, "dc:rightsList/dc:rights/@rightsURI")[-1] == "info:eu-repo/semantics/openAccess"


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


def test_a_relation_type_unknown_to_datacite_is_refused_by_the_document():
    data = ctd_document().model_dump(mode="json")
    data["related_identifiers"][0]["relation_type"] = "Inspires"

    document, problems = validate_document(data)

    assert document is None
    assert [(p["step"], p["field"]) for p in problems] == [("links_licence", "related_identifiers.0.relation_type")]
    assert "'IsSupplementTo'" in problems[0]["message"]


def test_the_xsd_catches_a_relation_type_unknown_to_datacite_in_xml_built_by_hand():
    # The document cannot hold such a value any more; the XSD check is still the last line.
    xml = to_datacite_xml(ctd_document(), doi=DOI, publication_year=2024)
    assert validate(xml) == []
    tampered = xml.replace(b'relationType="IsSupplementTo"', b'relationType="Inspires"')
    assert tampered != xml

    errors = validate(tampered)

    assert len(errors) == 1
    assert errors[0].startswith("line ")
    assert "relationType" in errors[0] and "'Inspires'" in errors[0]


# ---- every field of the document: a corpus, each output valid against the XSD -------------------

IN_A_YEAR = date.today() + timedelta(days=365)
CONTACT = {"name": "Garcia, Sofia", "email": "sofia.garcia@example.org", "organisation": "Ifremer"}


def with_base(**fields) -> dict:
    """A small valid document, with `fields` replacing or adding top-level fields."""
    return {
        "titles": [{"title": "Glider section across the Ibiza Channel, March 2024"}],
        "creators": [{"name": "Garcia, Sofia", "orcid": "0000-0002-1825-0097"}],
        "descriptions": [{"description": "Temperature, salinity and oxygen from a Slocum glider."}],
        "point_of_contact": CONTACT,
        "rights": [LICENCES["CC-BY-4.0"].model_dump()],
        **fields,
    }


def full_document() -> dict:
    """Every field the document has, most of them several times."""
    return with_base(
        titles=[
            {"title": "Glider section across the Ibiza Channel, March 2024", "lang": "en"},
            *[
                {"title": f"A {kind} title", "title_type": kind, "lang": "fr"}
                for kind in ("AlternativeTitle", "Subtitle", "TranslatedTitle", "Other")
            ],
        ],
        creators=[
            {
                "name": "Garcia, Sofia",
                "orcid": "https://orcid.org/0000-0002-1825-0097",
                "affiliations": [{"name": "Ifremer", "ror": "044jxhp58"}, {"name": "LOPS"}],
            },
            {
                "name": "Nakamura, Kenji",
                "given_name": "Kenji",
                "family_name": "Nakamura",
                "orcid": "0000-0002-1694-233X",
            },
            {"name": "SOCIB glider facility", "name_type": "Organizational", "ror": "https://ror.org/05a28rw58"},
        ],
        descriptions=[
            {"description": f"A {kind.value} description.", "description_type": kind.value, "lang": "en"}
            for kind in DescriptionType
        ],
        resource_type={"general": "Dataset", "type": "Glider section"},
        publisher="Ifremer SISMER",
        publication_year=2025,
        language="en-GB",
        version="2.0",
        lineage="Slocum G2 glider, SBE CTD; processed with the SOCIB toolbox; salinity corrected for thermal lag.",
        subjects=[
            {
                "subject": "Temperature of the water column",
                "scheme": "BODC Parameter Discovery Vocabulary",
                "scheme_uri": "http://vocab.nerc.ac.uk/collection/P02/current/",
                "value_uri": "http://vocab.nerc.ac.uk/collection/P02/current/TEMP/",
                "keyword_type": "parameter",
            },
            {
                "subject": "Balearic Sea",
                "scheme": "SeaVoX salt and fresh water body gazetteer",
                "scheme_uri": "http://vocab.nerc.ac.uk/collection/C19/current/",
                "value_uri": "http://vocab.nerc.ac.uk/collection/C19/current/3_1_1_3/",
                "keyword_type": "place",
            },
            {
                "subject": "SEAGLIDER",
                "scheme": "GCMD Platforms",
                "keyword_type": "platform",
                "value_uri": "https://gcmd.earthdata.nasa.gov/kms/concept/51edfe40-a819-400d-9067-5d114b27b825",
            },
            {
                "subject": "CTD",
                "scheme": "SeaDataNet device categories",
                "keyword_type": "instrument",
                "value_uri": "http://vocab.nerc.ac.uk/collection/L05/current/130/",
            },
            *[{"subject": f"a {kind.value} keyword", "keyword_type": kind.value, "lang": "en"} for kind in KeywordType],
        ],
        contributors=[
            {
                "name": f"Person, {kind.name}",
                "contributor_type": kind.value,
                "orcid": "0000-0001-5109-3700" if kind is ContributorType.project_leader else None,
            }
            for kind in ContributorType
        ]
        + [
            {
                "name": "Ifremer",
                "name_type": "Organizational",
                "ror": "https://ror.org/044jxhp58",
                "contributor_type": "HostingInstitution",
            },
        ],
        point_of_contact={**CONTACT, "orcid": "0000-0002-1825-0097"},
        funding_references=[
            {
                "funder_name": "Agence Nationale de la Recherche",
                "funder_identifier": "https://ror.org/00rbzpz17",
                "funder_identifier_type": "ROR",
                "award_number": "ANR-21-CE01-0001",
                "award_uri": "https://anr.fr/Project-ANR-21-CE01-0001",
                "award_title": "Mesoscale fronts in the Balearic Sea",
            },
            {
                "funder_name": "European Commission",
                "funder_identifier": "10.13039/501100000780",
                "funder_identifier_type": "Crossref Funder ID",
                "award_number": "101000001",
            },
            {
                "funder_name": "Some foundation",
                "funder_identifier": "0000 0001 2259 7504",
                "funder_identifier_type": "ISNI",
            },
            {"funder_name": "Some institute", "funder_identifier": "grid.4444.0", "funder_identifier_type": "GRID"},
            {"funder_name": "A local sponsor", "funder_identifier": "LS-42", "funder_identifier_type": "Other"},
            {"funder_name": "An anonymous donor"},
        ],
        access={"level": "embargoed", "embargo_until": IN_A_YEAR.isoformat()},
        geo_locations=[
            {"place": "Ibiza Channel", "box": {"west": 0.5, "east": 1.5, "south": 38.5, "north": 39.1}},
            {
                "place": "Across the antimeridian",
                "box": {"west": 170.0, "east": -170.0, "south": -20.0, "north": -10.0},
            },
            {"point": {"longitude": 1.0, "latitude": 38.8}},
            {
                "polygon": [
                    {"longitude": 0.5, "latitude": 38.5},
                    {"longitude": 1.5, "latitude": 38.5},
                    {"longitude": 1.0, "latitude": 39.1},
                ]
            },
            {"place": "Mooring IC-1"},
        ],
        temporal_extent={"start": "2024-03-01", "end": "2024-03-21"},
        vertical_extent={"minimum": 0, "maximum": 950, "unit": "m", "reference": "depth"},
        dates=[{"date": f"2024-0{1 + i % 9}-01", "date_type": kind.value} for i, kind in enumerate(DateType)],
        related_identifiers=[
            {
                "identifier": "https://doi.org/10.1016/j.dsr.2020.103345",
                "identifier_type": "DOI",
                "relation_type": "IsSupplementTo",
                "resource_type_general": "JournalArticle",
            },
            {
                "identifier": "https://github.com/socib/glider-toolbox",
                "identifier_type": "URL",
                "relation_type": "IsCompiledBy",
                "resource_type_general": "Software",
            },
            {
                "identifier": "swh:1:rev:309cf2674ee7a0749978cf8265ab91a60aea0f7d",
                "identifier_type": "SWHID",
                "relation_type": "IsCompiledBy",
                "resource_type_general": "Software",
            },
            {"identifier": "20.500.12345/abc", "identifier_type": "Handle", "relation_type": "References"},
            {"identifier": "ark:/13030/tf5p30086k", "identifier_type": "ARK", "relation_type": "IsDerivedFrom"},
        ]
        + [
            {
                "identifier": "https://example.org/related",
                "identifier_type": "URL",
                "relation_type": kind.value,
                "resource_type_general": general.value,
            }
            for kind, general in zip(RelationType, list(ResourceTypeGeneral) * 2, strict=False)
        ],
    )


CORPUS = {
    "everything": full_document(),
    "antimeridian box": with_base(
        geo_locations=[{"place": "Lau Basin", "box": {"west": 177.5, "east": -173.25, "south": -21.0, "north": -15.5}}]
    ),
    "polygon only": with_base(
        geo_locations=[
            {
                "polygon": [
                    {"longitude": -5.0, "latitude": 48.0},
                    {"longitude": -4.0, "latitude": 48.0},
                    {"longitude": -4.0, "latitude": 49.0},
                    {"longitude": -5.0, "latitude": 49.0},
                    {"longitude": -5.0, "latitude": 48.0},
                ]
            }
        ]
    ),
    "ongoing extent": with_base(temporal_extent={"start": "2024-04-25", "ongoing": True}),
    "organisation creators": with_base(
        creators=[
            {"name": "Coriolis data centre", "name_type": "Organizational"},
            {
                "name": "Ifremer",
                "name_type": "Organizational",
                "ror": "https://ror.org/044jxhp58",
                "affiliations": [{"name": "Ministère de la Recherche"}],
            },
        ]
    ),
    "embargo": with_base(access={"level": "embargoed", "embargo_until": IN_A_YEAR.isoformat()}),
    "funding with ROR": with_base(
        funding_references=[{"funder_name": "CNRS", "funder_identifier": "02feahw73", "funder_identifier_type": "ROR"}]
    ),
    "funding with Crossref Funder ID": with_base(
        funding_references=[
            {
                "funder_name": "European Commission",
                "funder_identifier": "https://doi.org/10.13039/501100000780",
                "funder_identifier_type": "Crossref Funder ID",
                "award_number": "862626",
                "award_uri": "https://cordis.europa.eu/project/id/862626",
                "award_title": "EuroSea",
            }
        ]
    ),
    "all contributor types": with_base(
        contributors=[
            {
                "name": f"Contributor {i}",
                "name_type": "Organizational" if i % 2 else "Personal",
                "contributor_type": kind.value,
            }
            for i, kind in enumerate(ContributorType)
        ]
    ),
    "contact that is a desk, not a person": with_base(
        point_of_contact={"name": "SISMER data desk", "email": "sismer@example.org"}
    ),
    "vertical extent only": with_base(vertical_extent={"minimum": 120, "maximum": 3000, "reference": "altitude"}),
}


def build(data: dict) -> MetadataDocument:
    document, problems = validate_document(data)
    assert problems == []
    return document


def xml_of(data: dict) -> etree._Element:
    xml = to_datacite_xml(build(data), doi=DOI, publication_year=2025)
    assert validate(xml, "datacite-4.6") == []
    return parse(xml)


@pytest.mark.parametrize("name", list(CORPUS))
def test_every_document_of_the_corpus_is_valid_datacite_4_6(name):
    xml = to_datacite_xml(build(CORPUS[name]), doi=DOI, publication_year=2025)
    assert validate(xml, "datacite-4.6") == []


def test_the_full_document_uses_every_enumeration_the_document_offers():
    data = full_document()
    assert {c["contributor_type"] for c in data["contributors"]} == {k.value for k in ContributorType}
    assert {r["relation_type"] for r in data["related_identifiers"]} == {k.value for k in RelationType}
    assert {r.get("resource_type_general") for r in data["related_identifiers"]} >= {
        k.value for k in ResourceTypeGeneral
    }
    assert {d["date_type"] for d in data["dates"]} == {k.value for k in DateType}
    assert {f.get("funder_identifier_type") for f in data["funding_references"]} >= {
        k.value for k in FunderIdentifierType
    }
    assert {s["keyword_type"] for s in data["subjects"]} == {k.value for k in KeywordType}


def test_contributors_carry_their_type_orcid_and_ror():
    root = xml_of(full_document())
    contributors = root.xpath("dc:contributors/dc:contributor", namespaces=NS)
    types = [c.get("contributorType") for c in contributors]
    assert set(types) == {k.value for k in ContributorType}

    leader = root.xpath("dc:contributors/dc:contributor[@contributorType='ProjectLeader']", namespaces=NS)[0]
    assert [etree.QName(c).localname for c in leader] == [
        "contributorName",
        "givenName",
        "familyName",
        "nameIdentifier",
    ]
    assert texts(leader, "dc:nameIdentifier/text()") == ["https://orcid.org/0000-0001-5109-3700"]
    assert texts(leader, "dc:nameIdentifier/@nameIdentifierScheme") == ["ORCID"]

    host = root.xpath("dc:contributors/dc:contributor[@contributorType='HostingInstitution']", namespaces=NS)[-1]
    assert texts(host, "dc:contributorName/text()") == ["Ifremer"]
    assert texts(host, "dc:contributorName/@nameType") == ["Organizational"]
    ror = host.xpath("dc:nameIdentifier", namespaces=NS)[0]
    assert (ror.text, ror.get("nameIdentifierScheme"), ror.get("schemeURI")) == (
        "https://ror.org/044jxhp58",
        "ROR",
        "https://ror.org",
    )


def test_an_organisation_creator_carries_its_ror_id_and_no_person_names():
    root = xml_of(CORPUS["organisation creators"])
    coriolis, ifremer = root.xpath("dc:creators/dc:creator", namespaces=NS)
    assert [etree.QName(c).localname for c in coriolis] == ["creatorName"]
    assert texts(coriolis, "dc:creatorName/@nameType") == ["Organizational"]
    assert [etree.QName(c).localname for c in ifremer] == ["creatorName", "nameIdentifier", "affiliation"]
    assert texts(ifremer, "dc:nameIdentifier[@nameIdentifierScheme='ROR']/text()") == ["https://ror.org/044jxhp58"]


def test_point_of_contact_is_a_contact_person_without_its_email():
    root = xml_of(with_base(point_of_contact={**CONTACT, "orcid": "0000-0002-1825-0097"}))
    contact = root.xpath("dc:contributors/dc:contributor", namespaces=NS)
    assert len(contact) == 1
    contact = contact[0]
    assert contact.get("contributorType") == "ContactPerson"
    assert texts(contact, "dc:contributorName/text()") == ["Garcia, Sofia"]
    assert texts(contact, "dc:contributorName/@nameType") == ["Personal"]
    assert texts(contact, "dc:givenName/text()") == ["Sofia"]
    assert texts(contact, "dc:familyName/text()") == ["Garcia"]
    assert texts(contact, "dc:nameIdentifier/text()") == ["https://orcid.org/0000-0002-1825-0097"]
    assert texts(contact, "dc:affiliation/text()") == ["Ifremer"]
    assert b"sofia.garcia@example.org" not in etree.tostring(root)


def test_a_contact_that_may_not_be_a_person_gets_no_name_type():
    root = xml_of(CORPUS["contact that is a desk, not a person"])
    contact = root.xpath("dc:contributors/dc:contributor", namespaces=NS)[0]
    assert [etree.QName(c).localname for c in contact] == ["contributorName"]
    assert contact[0].get("nameType") is None and contact[0].text == "SISMER data desk"


def test_a_contact_already_listed_as_contact_person_is_not_repeated():
    data = with_base(contributors=[{"name": "garcia,  Sofia", "contributor_type": "ContactPerson"}])
    root = xml_of(data)
    assert texts(root, "dc:contributors/dc:contributor/@contributorType") == ["ContactPerson"]
    assert texts(root, "dc:contributors/dc:contributor/dc:contributorName/text()") == ["garcia,  Sofia"]


def test_funding_references_with_ror_and_crossref_funder_ids():
    root = xml_of(full_document())
    refs = root.xpath("dc:fundingReferences/dc:fundingReference", namespaces=NS)
    assert len(refs) == 6
    anr, ec, isni, grid, other, anonymous = refs

    assert [etree.QName(c).localname for c in anr] == ["funderName", "funderIdentifier", "awardNumber", "awardTitle"]
    identifier = anr.xpath("dc:funderIdentifier", namespaces=NS)[0]
    assert (identifier.text, identifier.get("funderIdentifierType"), identifier.get("schemeURI")) == (
        "https://ror.org/00rbzpz17",
        "ROR",
        "https://ror.org",
    )
    award = anr.xpath("dc:awardNumber", namespaces=NS)[0]
    assert (award.text, award.get("awardURI")) == ("ANR-21-CE01-0001", "https://anr.fr/Project-ANR-21-CE01-0001")
    assert texts(anr, "dc:awardTitle/text()") == ["Mesoscale fronts in the Balearic Sea"]

    # A bare Crossref Funder ID is stored and exported as its doi.org URL, as DataCite shows it.
    identifier = ec.xpath("dc:funderIdentifier", namespaces=NS)[0]
    assert (identifier.text, identifier.get("funderIdentifierType"), identifier.get("schemeURI")) == (
        "https://doi.org/10.13039/501100000780",
        "Crossref Funder ID",
        None,
    )
    assert texts(ec, "dc:awardNumber/text()") == ["101000001"]
    assert ec.xpath("dc:awardNumber/@awardURI", namespaces=NS) == []

    assert texts(isni, "dc:funderIdentifier/text()") == ["0000000122597504"]
    assert texts(grid, "dc:funderIdentifier/@funderIdentifierType") == ["GRID"]
    assert texts(other, "dc:funderIdentifier/@schemeURI") == []
    assert [etree.QName(c).localname for c in anonymous] == ["funderName"]


def test_a_polygon_is_a_closed_ring_of_polygon_points():
    root = xml_of(CORPUS["polygon only"])
    points = root.xpath("dc:geoLocations/dc:geoLocation/dc:geoLocationPolygon/dc:polygonPoint", namespaces=NS)
    coordinates = [(float(p[0].text), float(p[1].text)) for p in points]
    assert [etree.QName(c).localname for c in points[0]] == ["pointLongitude", "pointLatitude"]
    assert coordinates == [(-5.0, 48.0), (-4.0, 48.0), (-4.0, 49.0), (-5.0, 49.0), (-5.0, 48.0)]

    # Three points typed: closed by the document, so DataCite gets the four it requires.
    root = xml_of(full_document())
    ring = root.xpath("//dc:geoLocationPolygon/dc:polygonPoint", namespaces=NS)
    assert len(ring) == 4
    assert (ring[0][0].text, ring[0][1].text) == (ring[-1][0].text, ring[-1][1].text)


def test_temporal_extent_is_a_collected_range_open_while_ongoing():
    root = xml_of(with_base(temporal_extent={"start": "2024-04-25", "end": "2024-05-30"}))
    assert texts(root, "dc:dates/dc:date[@dateType='Collected']/text()") == ["2024-04-25/2024-05-30"]

    root = xml_of(CORPUS["ongoing extent"])
    assert texts(root, "dc:dates/dc:date[@dateType='Collected']/text()") == ["2024-04-25/"]


def test_a_date_typed_twice_is_exported_once():
    data = with_base(
        temporal_extent={"start": "2024-04-25", "end": "2024-05-30"},
        dates=[
            {"date": "2024-04-25/2024-05-30", "date_type": "Collected"},
            {"date": "2024-06-01", "date_type": "Created"},
        ],
    )
    root = xml_of(data)
    assert [(d.text, d.get("dateType")) for d in root.xpath("dc:dates/dc:date", namespaces=NS)] == [
        ("2024-04-25/2024-05-30", "Collected"),
        ("2024-06-01", "Created"),
    ]


def test_lineage_is_a_methods_description_after_the_others():
    root = xml_of(full_document())
    descriptions = root.xpath("dc:descriptions/dc:description", namespaces=NS)
    assert descriptions[-1].get("descriptionType") == "Methods"
    assert descriptions[-1].text.startswith("Slocum G2 glider, SBE CTD")
    assert [d.get("descriptionType") for d in descriptions[:-1]] == [k.value for k in DescriptionType]


def test_keywords_of_every_kind_are_subjects_with_their_thesaurus():
    root = xml_of(full_document())
    subjects = root.xpath("dc:subjects/dc:subject", namespaces=NS)
    by_text = {s.text: s for s in subjects}

    parameter = by_text["Temperature of the water column"]
    assert parameter.get("subjectScheme") == "BODC Parameter Discovery Vocabulary"
    assert parameter.get("schemeURI") == "http://vocab.nerc.ac.uk/collection/P02/current/"
    assert parameter.get("valueURI") == "http://vocab.nerc.ac.uk/collection/P02/current/TEMP/"
    place = by_text["Balearic Sea"]
    assert place.get("valueURI") == "http://vocab.nerc.ac.uk/collection/C19/current/3_1_1_3/"
    assert by_text["SEAGLIDER"].get("subjectScheme") == "GCMD Platforms"
    assert by_text["CTD"].get("valueURI") == "http://vocab.nerc.ac.uk/collection/L05/current/130/"
    free = by_text["a theme keyword"]
    assert free.get("subjectScheme") is None and free.get(XML_LANG) == "en"
    assert len(subjects) == 4 + len(KeywordType)


def test_an_embargo_is_an_available_date_and_an_embargoed_access_right():
    root = xml_of(CORPUS["embargo"])
    assert texts(root, "dc:dates/dc:date[@dateType='Available']/text()") == [IN_A_YEAR.isoformat()]
    rights = root.xpath("dc:rightsList/dc:rights", namespaces=NS)
    assert [r.get("rightsURI") for r in rights] == [
        "https://creativecommons.org/licenses/by/4.0/legalcode",
        "info:eu-repo/semantics/embargoedAccess",
    ]
    assert rights[1].text == "Embargoed access"

    root = xml_of(with_base())
    assert texts(root, "dc:rightsList/dc:rights/@rightsURI")[-1] == "info:eu-repo/semantics/openAccess"
    assert texts(root, "dc:dates/dc:date[@dateType='Available']") == []


def test_an_embargo_that_has_ended_still_serializes_for_the_published_record():
    # A record is read back long after submission: the day-dependent checks do not run then.
    data = with_base(access={"level": "embargoed", "embargo_until": "2020-01-01"})
    assert [p["field"] for p in validate_document(data)[1]] == ["access.embargo_until"]
    xml = to_datacite_xml(MetadataDocument.model_validate(data), doi=DOI, publication_year=2019)
    assert validate(xml) == []
    assert texts(parse(xml), "dc:dates/dc:date[@dateType='Available']/text()") == ["2020-01-01"]


def test_the_vertical_extent_has_no_datacite_element():
    with_extent = xml_of(CORPUS["vertical extent only"])
    without = xml_of(with_base())
    assert etree.tostring(with_extent) == etree.tostring(without)


def test_related_identifiers_of_every_type_and_relation():
    root = xml_of(full_document())
    related = root.xpath("dc:relatedIdentifiers/dc:relatedIdentifier", namespaces=NS)
    doi, url, swhid, handle, ark = related[:5]
    assert (doi.text, doi.get("relatedIdentifierType")) == ("10.1016/j.dsr.2020.103345", "DOI")
    assert url.get("relatedIdentifierType") == "URL"
    assert (swhid.text, swhid.get("relatedIdentifierType")) == (
        "https://archive.softwareheritage.org/swh:1:rev:309cf2674ee7a0749978cf8265ab91a60aea0f7d",
        "URL",
    )
    assert (handle.text, handle.get("relatedIdentifierType")) == ("20.500.12345/abc", "Handle")
    assert (ark.text, ark.get("relatedIdentifierType")) == ("ark:/13030/tf5p30086k", "ARK")
    assert {r.get("relationType") for r in related} == {k.value for k in RelationType}


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
        f"import sys; sys.path.insert(0, {str(REPO_ROOT)!r})\n"
        "from repository.xml_validation import validate, MODES\n"
        "for mode in MODES: assert validate(b'<x/>', mode), mode\n"
        "assert 'django' not in sys.modules, 'django imported'\n"
        "print('ok')\n"
    )
    env = {"PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_schema_bundle_is_shipped_inside_the_project():
    schemas = REPO_ROOT / "repository" / "schemas"
    assert schemas == xml_validation.SCHEMAS_DIR
    for path in (
        "catalog.xml",
        "SOURCES.tsv",
        "datacite/kernel-4.6/metadata.xsd",
        "iso19115-3/schemas.isotc211.org/19115/-3/mdb/2.0/mdb.xsd",
        "oai-pmh/www.openarchives.org/OAI/2.0/OAI-PMH.xsd",
    ):
        assert (schemas / path).is_file(), path
    assert not (schemas / "examples").exists()


def _examples(*modes: str) -> list:
    params = []
    for mode in modes:
        folder = EXAMPLES / mode
        if not folder.is_dir():
            params.append(
                pytest.param(mode, None, marks=pytest.mark.skip(reason=f"{folder} is absent"), id=f"{mode}-absent")
            )
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
