"""Every export of a record, read back the way its consumers read it: DataCite XML against the 4.6
XSD; DataCite JSON against DataCite's JSON Schema and turned back into valid XML; schema.org as
JSON-LD (pyld and rdflib, with no network); BibTeX with a BibTeX parser, RIS with a RIS reader,
CSL-JSON against the CSL data schema; formatted citations in APA, Harvard and Chicago."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse
from lxml import etree

from repository import conformance
from repository.xml_validation import validate
from tests.repository.landing_support import (
    ORCID_ANNE,
    add_version,
    counting,  # noqa: F401 - the fixture
    full_metadata,
    record_create,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("counting")]

D = "{http://datacite.org/schema/kernel-4}"
SDO = "http://schema.org/"  # the namespace of schema.org's RDF, which SOSO's shapes target


@pytest.fixture
def record(depositor, communities):
    return record_create(
        owner=depositor, community=communities["ocean"], files=[("ctd casts.nc", 4096), ("README.md", 512)]
    )


def export(client, record, fmt: str, **params):
    response = client.get(reverse("repository:export", kwargs={"pk": record.pk, "fmt": fmt}), params)
    assert response.status_code == 200, response.content
    return response


# --- DataCite ----------------------------------------------------------------------------------------


def test_the_datacite_xml_is_valid_against_the_4_6_schema(client, record):
    response = export(client, record, "datacite-xml")
    assert response["Content-Type"] == "application/vnd.datacite.datacite+xml; charset=utf-8"
    assert validate(response.content, "datacite-4.6") == []
    root = etree.fromstring(response.content)
    assert root.findtext(f"{D}identifier") == record.doi


def datacite_facts(xml: bytes) -> dict:
    """What a DataCite record says, independent of element order and formatting."""
    root = etree.fromstring(xml)

    def ordered(items):  # tuples with None (an attribute left out) sort too
        return sorted(items, key=repr)

    def texts(path):
        return ordered((el.text or "").strip() for el in root.iterfind(path))

    return {
        "identifier": root.findtext(f"{D}identifier"),
        "creators": texts(f"{D}creators/{D}creator/{D}creatorName"),
        "orcids": texts(f"{D}creators/{D}creator/{D}nameIdentifier"),
        "affiliations": ordered(
            (el.text, el.get("affiliationIdentifier")) for el in root.iterfind(f".//{D}affiliation")
        ),
        "titles": ordered((el.text, el.get("titleType")) for el in root.iterfind(f"{D}titles/{D}title")),
        "publisher": root.findtext(f"{D}publisher"),
        "year": root.findtext(f"{D}publicationYear"),
        "type": root.find(f"{D}resourceType").get("resourceTypeGeneral"),
        "subjects": ordered((el.text, el.get("valueURI")) for el in root.iterfind(f"{D}subjects/{D}subject")),
        "contributors": ordered(
            (el.findtext(f"{D}contributorName"), el.get("contributorType"))
            for el in root.iterfind(f"{D}contributors/{D}contributor")
        ),
        "dates": ordered((el.text, el.get("dateType")) for el in root.iterfind(f"{D}dates/{D}date")),
        "related": ordered((el.text, el.get("relationType")) for el in root.iterfind(f".//{D}relatedIdentifier")),
        "rights": ordered((el.text, el.get("rightsURI")) for el in root.iterfind(f"{D}rightsList/{D}rights")),
        "descriptions": ordered((el.text, el.get("descriptionType")) for el in root.iterfind(f".//{D}description")),
        "boxes": ordered(tuple(float(c.text) for c in box) for box in root.iterfind(f".//{D}geoLocationBox")),
        "points": ordered(tuple(float(c.text) for c in pt) for pt in root.iterfind(f".//{D}geoLocationPoint")),
        "polygon_points": len(list(root.iterfind(f".//{D}polygonPoint"))),
        "funders": ordered(
            (el.findtext(f"{D}funderName"), el.findtext(f"{D}awardNumber"))
            for el in root.iterfind(f".//{D}fundingReference")
        ),
    }


def test_the_datacite_json_follows_datacite_s_schema_and_says_what_the_xml_says(client, record):
    from datacite import schema45

    xml = export(client, record, "datacite-xml").content
    response = export(client, record, "datacite-json")
    assert response["Content-Type"] == "application/vnd.datacite.datacite+json; charset=utf-8"
    data = response.json()
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in schema45.validator.iter_errors(data)]
    assert errors == []
    assert data["doi"] == record.doi and data["url"] == record.landing_url
    assert data["types"] == {"resourceTypeGeneral": "Dataset", "resourceType": "CTD profiles"}
    assert data["publisher"] == {"name": "Estran"} and data["publicationYear"] == str(record.publication_date.year)
    anne = data["creators"][0]
    assert anne["nameIdentifiers"] == [
        {
            "nameIdentifier": f"https://orcid.org/{ORCID_ANNE}",
            "nameIdentifierScheme": "ORCID",
            "schemeUri": "https://orcid.org",
        }
    ]
    assert anne["affiliation"][0]["affiliationIdentifier"] == "https://ror.org/044jxhp58"
    assert data["geoLocations"][0]["geoLocationBox"] == {
        "westBoundLongitude": -6.0,
        "eastBoundLongitude": -1.0,
        "southBoundLatitude": 43.5,
        "northBoundLatitude": 48.0,
    }
    # DataCite's own JSON-to-XML conversion of it is valid 4.6 XML, and says what our XML says.
    back = schema45.tostring(data).encode()
    assert validate(back, "datacite-4.6") == []
    assert datacite_facts(back) == datacite_facts(xml)


# --- schema.org JSON-LD --------------------------------------------------------------------------------


def no_network(url, options=None):
    raise AssertionError(f"The JSON-LD processor tried to fetch {url}")


@pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")  # rdflib's own parser
def test_the_schema_org_json_ld_is_linked_data_read_without_the_network(client, record):
    from pyld import jsonld

    response = export(client, record, "schemaorg")
    assert response["Content-Type"] == "application/ld+json; charset=utf-8"
    data = response.json()
    expanded = jsonld.expand(data, {"documentLoader": no_network})
    assert len(expanded) == 1
    dataset = expanded[0]
    assert dataset["@type"] == [SDO + "Dataset"] and dataset["@id"] == f"https://doi.org/{record.doi}"
    identifier = dataset[SDO + "identifier"][0]
    assert identifier["@type"] == [SDO + "PropertyValue"]
    assert identifier[SDO + "propertyID"] == [{"@value": "https://registry.identifiers.org/registry/doi"}]
    creators = dataset[SDO + "creator"][0]["@list"]
    assert creators[0]["@id"] == f"https://orcid.org/{ORCID_ANNE}" and creators[0]["@type"] == [SDO + "Person"]
    assert creators[2]["@type"] == [SDO + "Organization"]
    download = dataset[SDO + "distribution"][1]
    assert download["@type"] == [SDO + "DataDownload"]
    assert download[SDO + "contentUrl"] == [{"@value": f"{record.landing_url}/files/ctd%20casts.nc"}]
    assert download["http://spdx.org/rdf/terms#checksum"][0]["http://spdx.org/rdf/terms#algorithm"] == [
        {"@id": "http://spdx.org/rdf/terms#checksumAlgorithm_sha256"}
    ]
    # rdflib reads the same graph
    import rdflib

    graph = rdflib.Graph().parse(data=response.content, format="json-ld")
    dataset_node = rdflib.URIRef(f"https://doi.org/{record.doi}")
    assert (dataset_node, rdflib.RDF.type, rdflib.URIRef(SDO + "Dataset")) in graph
    assert (dataset_node, rdflib.URIRef(SDO + "name"), rdflib.Literal(record.title)) in graph


def test_the_schema_org_json_ld_follows_science_on_schema_org(client, record, settings):
    data = export(client, record, "schemaorg").json()
    assert data["@context"]["@vocab"] == "http://schema.org/"
    # The identifier has no @id: sharing the Dataset's would make them one node in RDF.
    assert data["identifier"] == {
        "@type": "PropertyValue",
        "propertyID": "https://registry.identifiers.org/registry/doi",
        "value": f"doi:{record.doi}",
        "url": f"https://doi.org/{record.doi}",
    }
    assert data["@id"] == data["sameAs"] == f"https://doi.org/{record.doi}" and data["url"] == record.landing_url
    anne = data["creator"]["@list"][0]
    assert anne["@id"] == f"https://orcid.org/{ORCID_ANNE}" and anne["givenName"] == "Anne"
    assert anne["identifier"] == {
        "@type": "PropertyValue",
        "propertyID": "https://registry.identifiers.org/registry/orcid",
        "value": f"orcid:{ORCID_ANNE}",
        "url": f"https://orcid.org/{ORCID_ANNE}",
    }
    assert anne["affiliation"] == [
        {
            "@type": "Organization",
            "name": "Ifremer",
            "@id": "https://ror.org/044jxhp58",
            "identifier": {
                "@type": "PropertyValue",
                "propertyID": "https://registry.identifiers.org/registry/ror",
                "value": "ror:044jxhp58",
                "url": "https://ror.org/044jxhp58",
            },
        }
    ]
    places = data["spatialCoverage"]
    assert places[0] == {
        "@type": "Place",
        "name": "Bay of Biscay",
        "geo": {"@type": "GeoShape", "box": "43.5 -6 48 -1"},
        "additionalProperty": {
            "@type": "PropertyValue",
            "name": "depth",
            "description": "metres below the sea surface, positive down",
            "minValue": 0.0,
            "maxValue": 2000.0,
            "unitCode": "MTR",
            "unitText": "m",
        },
    }
    assert places[1]["geo"] == {"@type": "GeoCoordinates", "latitude": 46.5, "longitude": -4.25}
    assert places[2]["geo"]["polygon"] == "44 -5 44 -2 47 -3.5 44 -5"
    assert data["temporalCoverage"] == "2024-04-25/2024-05-30"
    # the P02 theme and the P01 parameter are variables; the instrument and the place are not
    assert data["variableMeasured"] == [
        {
            "@type": "PropertyValue",
            "name": "Sea water temperature",
            "propertyID": "http://vocab.nerc.ac.uk/collection/P02/current/TEMP/",
        },
        {
            "@type": "PropertyValue",
            "name": "Practical salinity of the water body",
            "propertyID": "http://vocab.nerc.ac.uk/collection/P01/current/PSALPR01/",
        },
    ]
    assert {
        "@type": "DefinedTerm",
        "name": "Sea water temperature",
        "inDefinedTermSet": "NERC P02",
        "url": "http://vocab.nerc.ac.uk/collection/P02/current/TEMP/",
    } in data["keywords"]
    assert "Bay of Biscay" in data["keywords"]
    assert [(d["name"], d["encodingFormat"], d["contentSize"]) for d in data["distribution"]] == [
        ("README.md", "text/markdown", "512 B"),
        ("ctd casts.nc", "application/x-netcdf", "4096 B"),
    ]
    assert data["license"] == "https://spdx.org/licenses/CC-BY-4.0"
    # The repository is a node of its own, its home page its @id; with no ROR id or re3data DOI
    # configured, it has no identifier and its organisation is a blank node.
    assert data["includedInDataCatalog"] == {
        "@type": "DataCatalog",
        "@id": settings.SITE_URL + "/",
        "name": "Estran",
        "url": settings.SITE_URL + "/",
    }
    assert data["publisher"] == data["provider"] == {"@type": "Organization", "name": "Estran"}
    assert data["funding"][0]["funder"] == {
        "@type": "Organization",
        "name": "Agence nationale de la recherche",
        "identifier": "https://ror.org/00rbzpz17",
        "@id": "https://ror.org/00rbzpz17",
    }
    assert (
        data["subjectOf"]
        == data["citation"]
        == [{"@id": "https://doi.org/10.1016/j.pocean.2024.103210", "@type": "CreativeWork"}]
    )
    assert data["datePublished"] == record.publication_date.isoformat()
    assert data["creditText"].startswith("Le Goff, A.; Martin, P.")


# --- The repository as a node: ROR id and re3data DOI (REPOSITORY_ROR_ID, REPOSITORY_RE3DATA_ID) ------

ROR = "https://ror.org/02feahw73"
RE3DATA = "10.17616/R31NJMSY"


@pytest.fixture
def identified(settings):
    """The repository with a ROR id given bare and a re3data DOI given as doi: and in lower case, as
    an operator may type them."""
    settings.REPOSITORY_ROR_ID = "02feahw73"
    settings.REPOSITORY_RE3DATA_ID = "doi:10.17616/r31njmsy"
    return settings


ROR_NODE = {
    "@type": "Organization",
    "name": "Estran",
    "@id": ROR,
    "identifier": {
        "@type": "PropertyValue",
        "propertyID": "https://registry.identifiers.org/registry/ror",
        "value": "ror:02feahw73",
        "url": ROR,
    },
}


@pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")  # rdflib's own parser
def test_the_repository_is_one_identified_node_of_every_record_s_json_ld(client, record, identified):
    import rdflib

    response = export(client, record, "schemaorg")
    data = response.json()
    site = identified.SITE_URL + "/"
    assert data["includedInDataCatalog"] == {
        "@type": "DataCatalog",
        "@id": site,
        "name": "Estran",
        "url": site,
        "identifier": {
            "@type": "PropertyValue",
            "propertyID": "https://registry.identifiers.org/registry/doi",
            "value": f"doi:{RE3DATA}",
            "url": f"https://doi.org/{RE3DATA}",
        },
    }
    assert data["publisher"] == ROR_NODE
    assert data["provider"] == {"@type": "Organization", "name": "Estran", "@id": ROR}  # the same node
    # In RDF: the catalogue and the organisation are named nodes, each described once, however many
    # properties point at them.
    graph = rdflib.Graph().parse(data=response.content, format="json-ld")
    sdo = rdflib.Namespace(SDO)
    dataset, catalog, ror = (rdflib.URIRef(u) for u in (f"https://doi.org/{record.doi}", site, ROR))
    assert (dataset, sdo.includedInDataCatalog, catalog) in graph
    assert (catalog, rdflib.RDF.type, sdo.DataCatalog) in graph
    assert (catalog, sdo.url, rdflib.Literal(site)) in graph
    [catalog_id] = graph.objects(catalog, sdo.identifier)
    assert graph.value(catalog_id, sdo.value) == rdflib.Literal(f"doi:{RE3DATA}")
    assert (dataset, sdo.publisher, ror) in graph and (dataset, sdo.provider, ror) in graph
    assert list(graph.objects(ror, sdo.name)) == [rdflib.Literal("Estran")]
    assert len(list(graph.objects(ror, sdo.identifier))) == 1
    assert conformance.soso_violations(data, conformance.SOSO_REQUIRED) == {s: [] for s in conformance.SOSO_REQUIRED}


def test_the_datacite_publisher_carries_the_repository_s_ror_id(client, record, identified):
    xml = export(client, record, "datacite-xml").content
    assert validate(xml, "datacite-4.6") == []
    publisher = etree.fromstring(xml).find(f"{D}publisher")
    assert publisher.text == "Estran"
    assert dict(publisher.attrib) == {
        "publisherIdentifier": ROR,
        "publisherIdentifierScheme": "ROR",
        "schemeURI": "https://ror.org",
    }
    assert export(client, record, "datacite-json").json()["publisher"] == {
        "name": "Estran",
        "publisherIdentifier": ROR,
        "publisherIdentifierScheme": "ROR",
        "schemeUri": "https://ror.org",  # the REST API's spelling
    }


def test_the_iso_publisher_and_repository_contacts_carry_the_ror_id(client, record, identified):
    xml = export(client, record, "iso19115-3").content
    assert validate(xml, "iso19115-3") == []
    root = etree.fromstring(xml)
    ns = {
        "cit": "http://standards.iso.org/iso/19115/-3/cit/2.0",
        "mcc": "http://standards.iso.org/iso/19115/-3/mcc/1.0",
        "gcx": "http://standards.iso.org/iso/19115/-3/gcx/1.0",
    }
    for role in ("publisher", "distributor", "pointOfContact"):
        names = root.xpath(
            f"//cit:CI_Responsibility[cit:role/cit:CI_RoleCode/@codeListValue='{role}']"
            "/cit:party/cit:CI_Organisation[cit:name/*='Estran']"
            "/cit:partyIdentifier/mcc:MD_Identifier/mcc:code/gcx:Anchor/@xlink:href",
            namespaces={**ns, "xlink": "http://www.w3.org/1999/xlink"},
        )
        assert names and set(names) == {ROR}, role


def test_a_publisher_named_by_the_depositor_keeps_its_name_and_gets_no_ror_id(
    client, depositor, communities, identified
):
    metadata = full_metadata()
    metadata["publisher"] = "Ifremer SISMER"
    record = record_create(owner=depositor, community=communities["ocean"], metadata=metadata)
    data = export(client, record, "schemaorg").json()
    assert data["publisher"] == {"@type": "Organization", "name": "Ifremer SISMER"}
    assert data["provider"] == ROR_NODE  # the repository still provides it
    publisher = etree.fromstring(export(client, record, "datacite-xml").content).find(f"{D}publisher")
    assert publisher.text == "Ifremer SISMER" and dict(publisher.attrib) == {}


def test_the_home_page_describes_the_catalogue_the_records_point_at(client, record, identified):
    from lxml import html as lxml_html

    page = lxml_html.fromstring(client.get("/").content)
    [script] = page.xpath("//script[@type='application/ld+json']/text()")
    catalog = json.loads(script)
    included = export(client, record, "schemaorg").json()["includedInDataCatalog"]
    assert catalog["@context"] == {"@vocab": "http://schema.org/", "spdx": "http://spdx.org/rdf/terms#"}
    assert {k: catalog[k] for k in included} == included  # the same node, its @id and identifier
    assert catalog["description"] == "Research data for the Earth system and the ocean"
    assert catalog["publisher"] == ROR_NODE


def test_without_identifiers_the_home_page_s_catalogue_has_none(client, settings):
    from lxml import html as lxml_html

    page = lxml_html.fromstring(client.get("/", HTTP_ACCEPT_LANGUAGE="fr").content)
    catalog = json.loads(page.xpath("//script[@type='application/ld+json']/text()")[0])
    assert catalog["@id"] == catalog["url"] == settings.SITE_URL + "/"
    assert "identifier" not in catalog
    assert catalog["publisher"] == {"@type": "Organization", "name": "Estran"}
    assert catalog["description"] == "Données de recherche pour le système Terre et l'océan"


def test_an_ongoing_collection_has_an_open_temporal_coverage(client, depositor, communities):
    metadata = full_metadata()
    metadata["temporal_extent"] = {"start": "2024-04-25", "ongoing": True}
    record = record_create(owner=depositor, community=communities["ocean"], metadata=metadata)
    assert export(client, record, "schemaorg").json()["temporalCoverage"] == "2024-04-25/.."


# --- Citations ---------------------------------------------------------------------------------------


def test_the_bibtex_is_read_back_by_a_bibtex_parser(client, record):
    import bibtexparser
    from bibtexparser import middlewares

    response = export(client, record, "bibtex")
    assert response["Content-Type"] == "application/x-bibtex; charset=utf-8"
    text = response.content.decode()
    library = bibtexparser.parse_string(
        text, append_middleware=[middlewares.SeparateCoAuthors(), middlewares.SplitNameParts()]
    )
    assert library.failed_blocks == [] and len(library.entries) == 1
    entry = library.entries[0]
    assert entry.entry_type == "misc"
    fields = {name: field.value for name, field in entry.fields_dict.items()}
    authors = fields["author"]
    assert (authors[0].last, authors[0].first) == (["Le", "Goff"], ["Anne"])
    assert (authors[1].last, authors[1].first) == (["Martin"], ["Paul"])
    # the organisation stays one name, its special characters escaped
    assert authors[2].last == ["{Coriolis \\& Co\\_data \\{centre\\}}"] and authors[2].first == []
    assert fields["doi"] == record.doi and fields["url"] == f"https://doi.org/{record.doi}"
    assert fields["year"] == str(record.publication_date.year) and fields["publisher"] == "Estran"
    assert fields["title"] == record.title
    assert entry.key.startswith(f"LeGoff{record.publication_date.year}_")
    decoded = bibtexparser.parse_string(text, append_middleware=[middlewares.LatexDecodingMiddleware()])
    assert "Coriolis & Co_data {centre}" in decoded.entries[0].fields_dict["author"].value


def test_the_ris_is_read_back_by_a_ris_reader(client, record):
    import rispy

    response = export(client, record, "ris")
    assert response["Content-Type"] == "application/x-research-info-systems; charset=utf-8"
    [entry] = rispy.loads(response.content.decode())
    assert entry["type_of_reference"] == "DATA"
    assert entry["authors"] == ["Le Goff, Anne", "Martin, Paul", "Coriolis & Co_data {centre}"]
    assert entry["title"] == record.title and entry["year"] == str(record.publication_date.year)
    assert entry["doi"] == record.doi and entry["urls"] == [f"https://doi.org/{record.doi}"]
    assert entry["publisher"] == "Estran" and entry["edition"] == "1"
    assert entry["keywords"] == [
        "Sea water temperature",
        "Practical salinity of the water body",
        "Bay of Biscay",
        "CTD",
    ]
    assert entry["date"] == record.publication_date.isoformat().replace("-", "/")


# The parts of the CSL data schema (citation-style-language/schema, csl-data.json) our items use.
CSL_DATA_SCHEMA = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["id", "type"],
        "properties": {
            "id": {"type": ["string", "number"]},
            "type": {
                "enum": [
                    "article",
                    "article-journal",
                    "book",
                    "chapter",
                    "collection",
                    "dataset",
                    "document",
                    "event",
                    "graphic",
                    "motion_picture",
                    "paper-conference",
                    "report",
                    "software",
                    "song",
                    "standard",
                    "thesis",
                    "webpage",
                ]
            },
            "author": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "family": {"type": "string"},
                        "given": {"type": "string"},
                        "literal": {"type": "string"},
                    },
                    "additionalProperties": False,
                },
            },
            "issued": {
                "type": "object",
                "properties": {
                    "date-parts": {
                        "type": "array",
                        "items": {
                            "type": "array",
                            "items": {"type": ["string", "number"]},
                            "minItems": 1,
                            "maxItems": 3,
                        },
                        "minItems": 1,
                        "maxItems": 2,
                    }
                },
                "additionalProperties": False,
            },
            "title": {"type": "string"},
            "publisher": {"type": "string"},
            "DOI": {"type": "string"},
            "URL": {"type": "string"},
            "version": {"type": "string"},
            "abstract": {"type": "string"},
            "keyword": {"type": "string"},
            "language": {"type": "string"},
            "genre": {"type": "string"},
        },
        "additionalProperties": False,
    },
}


def test_the_csl_json_is_csl_data(client, record):
    import jsonschema

    response = export(client, record, "csl-json")
    assert response["Content-Type"] == "application/vnd.citationstyles.csl+json; charset=utf-8"
    items = json.loads(response.content)
    jsonschema.validate(items, CSL_DATA_SCHEMA)
    [item] = items
    assert item["type"] == "dataset" and item["DOI"] == record.doi
    assert item["author"] == [
        {"family": "Le Goff", "given": "Anne"},
        {"family": "Martin", "given": "Paul"},
        {"literal": "Coriolis & Co_data {centre}"},
    ]
    assert item["issued"] == {"date-parts": [[record.publication_date.year]]} and item["version"] == "1"


@pytest.mark.parametrize(
    ("style", "expected"),
    [
        (
            "apa",
            "Le Goff, A., Martin, P., & Coriolis & Co_data {{centre}}. ({year}). CTD casts of the PELGAS 2024 "
            "cruise, Bay of Biscay (Version 1) [CTD profiles]. Estran. https://doi.org/{doi}",
        ),
        (
            "harvard",
            "Le Goff, A., Martin, P. and Coriolis & Co_data {{centre}} ({year}) “CTD casts of the PELGAS 2024 "
            "cruise, Bay of Biscay.” Estran. Available at: https://doi.org/{doi}.",
        ),
        # full given names, as the style says (tests/repository/test_citations.py compares with citeproc-js)
        (
            "chicago",
            "Le Goff, Anne, Paul Martin, and Coriolis & Co_data {{centre}}. {year}. “CTD Casts of the PELGAS "
            "2024 Cruise, Bay of Biscay.” CTD profiles. Version 1. Estran. https://doi.org/{doi}.",
        ),
        (
            "datacite",
            "Le Goff, A.; Martin, P.; Coriolis & Co_data {{centre}} ({year}). CTD casts of the PELGAS 2024 "
            "cruise, Bay of Biscay. Estran. https://doi.org/{doi}",
        ),
    ],
)
def test_the_formatted_citation_in_each_style(client, record, style, expected):
    response = export(client, record, "citation", style=style)
    assert response["Content-Type"] == "text/x-bibliography; charset=utf-8"
    assert "Content-Disposition" not in response
    assert response.content.decode() == expected.format(year=record.publication_date.year, doi=record.doi) + "\n"


def test_the_formatted_citation_defaults_to_apa_and_speaks_french(client, record):
    apa = export(client, record, "citation").content.decode()
    assert apa == export(client, record, "citation", style="apa").content.decode()
    french = export(client, record, "citation", style="harvard", locale="fr").content.decode()
    assert "Coriolis & Co_data {centre} (" in french and "« CTD casts" in french and "Disponible sur" in french


def test_any_csl_style_can_be_asked_for_by_name_and_an_unknown_one_is_refused(client, record):
    ieee = export(client, record, "citation", style="ieee").content.decode()
    assert "A. Le Goff, P. Martin" in ieee and f"doi: {record.doi}" in ieee
    url = reverse("repository:export", kwargs={"pk": record.pk, "fmt": "citation"})
    for bad in ({"style": "no-such-style"}, {"style": "../../../etc/passwd"}, {"locale": "xx-YY"}):
        response = client.get(url, bad)
        assert response.status_code == 400, bad
        assert "Unknown" in response.content.decode()


def test_a_second_version_is_cited_as_such(client, record):
    second = add_version(record)
    assert "Version 2." in export(client, second, "citation", style="datacite").content.decode()
    assert "(Version 2)" in export(client, second, "citation", style="apa").content.decode()
    [entry] = __import__("rispy").loads(export(client, second, "ris").content.decode())
    assert entry["edition"] == "2"


# --- The export URLs -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fmt", "name"),
    [
        ("datacite-xml", "xml"),
        ("datacite-json", "json"),
        ("schemaorg", "jsonld"),
        ("bibtex", "bib"),
        ("ris", "ris"),
        ("csl-json", "json"),
        ("iso19115-3", "xml"),
    ],
)
def test_each_export_downloads_with_a_file_name(client, record, fmt, name):
    response = export(client, record, fmt)
    assert response["Content-Disposition"] == f'attachment; filename="estran-{record.pk}-{fmt}.{name}"'
    assert response["Access-Control-Allow-Origin"] == "*"
    # An export at its own URL is a part of the record: it points at the page and the linkset, and
    # gives no cite-as (the DOI is the dataset's: FAIR Signposting, level 1, metadata resources).
    assert response["Link"] == (
        f'<{record.landing_url}>; rel="describes"; type="text/html", '
        f'<{record.landing_url}/export/linkset>; rel="linkset"; type="application/linkset+json"'
    )


def test_an_unknown_format_or_record_is_not_found(client, record):
    assert client.get(reverse("repository:export", kwargs={"pk": record.pk, "fmt": "marcxml"})).status_code == 404
    assert client.get(reverse("repository:export", kwargs={"pk": 999999, "fmt": "bibtex"})).status_code == 404


@pytest.mark.parametrize("role", [None, "depositor", "other_depositor", "moderator", "other_moderator", "admin"])
def test_the_exports_are_public_for_every_role(client, record, role, request):
    if role:
        client.force_login(request.getfixturevalue(role))
    for fmt in ("datacite-json", "schemaorg", "bibtex", "ris", "csl-json", "citation", "linkset"):
        assert client.get(reverse("repository:export", kwargs={"pk": record.pk, "fmt": fmt})).status_code == 200
