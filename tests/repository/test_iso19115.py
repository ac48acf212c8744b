"""ISO 19115-3 (mdb 2.0) from the metadata document: valid against the official schemas for every
record of the corpus, and written the way GeoNetwork's iso19115-3.2018 profile reads it."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from lxml import etree

from repository.metadata import LICENCES, KeywordType
from repository.serializers import inspire
from repository.serializers.iso19115 import (
    NS,
    DistributedFile,
    IsoResource,
    Party,
    metadata_uuid,
    to_iso19115_3_element,
    to_iso19115_3_xml,
)
from repository.xml_validation import validate
from tests.repository.test_datacite_serializer import CORPUS, DOI, IN_A_YEAR, build, full_document, with_base

CODELISTS = "http://standards.iso.org/iso/19115/resources/Codelists/cat/codelists.xml"
HREF = "{http://www.w3.org/1999/xlink}href"
LANDING = "https://data.estran.example.org/records/42"


def resource(**changes) -> IsoResource:
    base = {
        "doi": DOI,
        "landing_url": LANDING,
        "metadata_url": LANDING + "/export/iso19115-3",
        "publication_date": date(2025, 2, 3),
        "created": datetime(2025, 2, 3, 9, 30, 12, 345678, tzinfo=UTC),
        "modified": datetime(2025, 2, 4, 10, 0, 1, tzinfo=UTC),
        "repository": Party(
            name="Estran", email="contact@data.estran.example.org", url="https://data.estran.example.org/"
        ),
        "files": (
            DistributedFile("ctd_casts.nc", LANDING + "/files/ctd_casts.nc", 2_500_000, "a" * 64),
            DistributedFile("README.txt", LANDING + "/files/README.txt", 1_200, "b" * 64),
        ),
        "community_slug": "ocean",
        "community_name": "Ocean (ODATIS)",
        "today": date(2025, 2, 4),
    }
    return IsoResource(**{**base, **changes})


def iso(data: dict, **changes) -> etree._Element:
    xml = to_iso19115_3_xml(build(data), resource=resource(**changes))
    assert validate(xml, "iso19115-3") == []
    return etree.fromstring(xml)


def texts(el, path: str) -> list[str]:
    return [str(v).strip() for v in el.xpath(path, namespaces=NS)]


# --- Valid for every record of the corpus -------------------------------------------------------


@pytest.mark.parametrize("name", list(CORPUS))
def test_every_document_of_the_corpus_is_valid_iso_19115_3(name):
    xml = to_iso19115_3_xml(build(CORPUS[name]), resource=resource())
    assert validate(xml, "iso19115-3") == []


@pytest.mark.parametrize("name", list(CORPUS))
def test_a_withdrawn_record_of_the_corpus_is_valid_too(name):
    withdrawn = resource(withdrawn_at=datetime(2025, 6, 1, 8, 0, tzinfo=UTC), files=())
    assert validate(to_iso19115_3_xml(build(CORPUS[name]), resource=withdrawn), "iso19115-3") == []


def test_a_record_with_no_file_and_no_extent_is_valid():
    assert (
        validate(to_iso19115_3_xml(build(with_base()), resource=resource(files=(), metadata_url="")), "iso19115-3")
        == []
    )


def test_the_validator_catches_an_iso_document_put_wrong():
    root = to_iso19115_3_element(build(with_base()), resource=resource())
    identification = root.find("mdb:identificationInfo/mri:MD_DataIdentification", NS)
    abstract = identification.find("mri:abstract", NS)
    identification.remove(abstract)
    identification.append(abstract)  # out of the schema's order
    errors = validate(etree.tostring(root), "iso19115-3")
    assert errors and "abstract" in " ".join(errors)


# --- The metadata record ------------------------------------------------------------------------


def test_metadata_identifier_language_character_set_scope_contact_and_date_stamp():
    root = iso(with_base(resource_type={"general": "Dataset", "type": "Glider section"}, language="fr"))
    assert texts(root, "mdb:metadataIdentifier/mcc:MD_Identifier/mcc:code/gco:CharacterString/text()") == [
        metadata_uuid(DOI)
    ]
    assert texts(root, "mdb:metadataIdentifier/*/mcc:codeSpace/*/text()") == ["urn:uuid"]
    assert "/" not in metadata_uuid(DOI) and metadata_uuid(DOI) == metadata_uuid(DOI.upper())
    assert texts(root, "mdb:defaultLocale/*/lan:language/lan:LanguageCode/@codeListValue") == ["fre"]
    assert texts(root, "mdb:defaultLocale/*/lan:language/lan:LanguageCode/@codeList") == [
        "http://www.loc.gov/standards/iso639-2/"
    ]
    assert texts(root, "mdb:defaultLocale/*/lan:characterEncoding/*/@codeListValue") == ["utf8"]
    # no location: a non-geographic dataset (ISO 19115-1 requires a geographic extent of a dataset)
    assert texts(root, "mdb:metadataScope/*/mdb:resourceScope/mcc:MD_ScopeCode/@codeListValue") == [
        "nonGeographicDataset"
    ]
    assert texts(root, "mdb:metadataScope/*/mdb:resourceScope/mcc:MD_ScopeCode/@codeList") == [
        f"{CODELISTS}#MD_ScopeCode"
    ]
    assert texts(root, "mdb:metadataScope/*/mdb:name/*/text()") == ["Glider section"]
    contact = root.xpath("mdb:contact/cit:CI_Responsibility", namespaces=NS)[0]
    assert texts(contact, "cit:role/*/@codeListValue") == ["pointOfContact"]
    assert texts(contact, "cit:party/cit:CI_Organisation/cit:name/*/text()") == ["Estran"]
    assert texts(contact, ".//cit:electronicMailAddress/*/text()") == ["contact@data.estran.example.org"]
    # INSPIRE reads the metadata contact's role as the position of an individual of the organisation
    assert texts(contact, "cit:party/*/cit:individual/*/cit:positionName/*/text()") == ["Repository administrator"]
    dates = {
        t: d
        for d, t in zip(
            texts(root, "mdb:dateInfo/*/cit:date/gco:DateTime/text()"),
            texts(root, "mdb:dateInfo/*/cit:dateType/*/@codeListValue"),
            strict=True,
        )
    }
    assert dates == {"creation": "2025-02-03T09:30:12Z", "revision": "2025-02-04T10:00:01Z"}
    assert texts(root, "mdb:metadataStandard/*/cit:title/*/text()") == ["ISO 19115-3"]
    assert texts(root, "mdb:metadataLinkage/*/cit:linkage/*/text()") == [LANDING + "/export/iso19115-3"]


def test_a_dataset_with_a_location_is_a_dataset():
    located = with_base(geo_locations=[{"place": "Ibiza Channel"}])
    root = iso(located)
    assert texts(root, "mdb:metadataScope/*/mdb:resourceScope/*/@codeListValue") == ["dataset"]
    # a place with no shape is a geographic description, identified by its name
    assert texts(
        extent(root), "gex:geographicElement/gex:EX_GeographicDescription/gex:geographicIdentifier/*/mcc:code/*/text()"
    ) == ["Ibiza Channel"]


def test_software_and_text_resources_get_their_scope():
    assert texts(
        iso(with_base(resource_type={"general": "Software"})), "mdb:metadataScope/*/mdb:resourceScope/*/@codeListValue"
    ) == ["software"]
    assert texts(
        iso(with_base(resource_type={"general": "Report"})), "mdb:metadataScope/*/mdb:resourceScope/*/@codeListValue"
    ) == ["document"]


# --- Identification -----------------------------------------------------------------------------


def citation(root):
    return root.xpath("mdb:identificationInfo/mri:MD_DataIdentification/mri:citation/cit:CI_Citation", namespaces=NS)[0]


def identification(root):
    return root.xpath("mdb:identificationInfo/mri:MD_DataIdentification", namespaces=NS)[0]


def test_citation_has_titles_dates_edition_and_the_doi_as_identifier():
    root = iso(full_document())
    cited = citation(root)
    assert texts(cited, "cit:title/*/text()") == ["Glider section across the Ibiza Channel, March 2024"]
    assert texts(cited, "cit:alternateTitle/*/text()") == [
        f"A {k} title" for k in ("AlternativeTitle", "Subtitle", "TranslatedTitle", "Other")
    ]
    dates = list(
        zip(
            texts(cited, "cit:date/*/cit:dateType/*/@codeListValue"),
            texts(cited, "cit:date/*/cit:date/gco:Date/text()"),
            strict=True,
        )
    )
    assert dates[0] == ("publication", "2025-02-03")
    assert ("released", IN_A_YEAR.isoformat()) in dates  # the embargo's end
    assert {kind for kind, _ in dates} >= {"creation", "revision", "validityBegins", "adopted", "unavailable"}
    assert texts(cited, "cit:edition/*/text()") == ["2.0"]
    identifier = cited.xpath("cit:identifier/mcc:MD_Identifier", namespaces=NS)[0]
    anchor = identifier.xpath("mcc:code/gcx:Anchor", namespaces=NS)[0]
    assert anchor.get(HREF) == f"https://doi.org/{DOI}" and anchor.text == f"https://doi.org/{DOI}"
    assert texts(identifier, "mcc:codeSpace/*/text()") == ["doi.org"]
    assert texts(cited, "cit:onlineResource/*/cit:linkage/*/text()") == [LANDING]


def test_creators_are_authors_with_orcid_and_ror_party_identifiers():
    cited = citation(iso(full_document()))
    authors = cited.xpath(
        "cit:citedResponsibleParty/cit:CI_Responsibility[cit:role/*/@codeListValue='author']", namespaces=NS
    )
    assert len(authors) == 3
    garcia, nakamura, socib = authors
    # A person with affiliations: inside the first affiliation's organisation, the others after.
    assert texts(garcia, "cit:party/cit:CI_Organisation/cit:name/*/text()") == ["Ifremer", "LOPS"]
    ror = garcia.xpath("cit:party[1]/cit:CI_Organisation/cit:partyIdentifier/mcc:MD_Identifier", namespaces=NS)[0]
    assert texts(ror, "mcc:code/gcx:Anchor/@xlink:href") == ["https://ror.org/044jxhp58"]
    assert texts(ror, "mcc:codeSpace/*/text()") == ["ROR"]
    person = garcia.xpath("cit:party[1]/cit:CI_Organisation/cit:individual/cit:CI_Individual", namespaces=NS)[0]
    assert texts(person, "cit:name/*/text()") == ["Garcia, Sofia"]
    assert texts(person, "cit:partyIdentifier/*/mcc:code/gcx:Anchor/@xlink:href") == [
        "https://orcid.org/0000-0002-1825-0097"
    ]
    assert texts(person, "cit:partyIdentifier/*/mcc:codeSpace/*/text()") == ["ORCID"]
    # A person with no affiliation is an individual party.
    assert texts(nakamura, "cit:party/cit:CI_Individual/cit:name/*/text()") == ["Nakamura, Kenji"]
    # An organisation as creator, with its ROR id.
    assert texts(socib, "cit:party/cit:CI_Organisation/cit:name/*/text()") == ["SOCIB glider facility"]
    assert texts(socib, "cit:party/cit:CI_Organisation/cit:partyIdentifier/*/mcc:code/gcx:Anchor/@xlink:href") == [
        "https://ror.org/05a28rw58"
    ]
    assert socib.xpath(".//cit:CI_Individual", namespaces=NS) == []


def test_organisations_as_only_creators():
    cited = citation(iso(CORPUS["organisation creators"]))
    authors = cited.xpath("cit:citedResponsibleParty/*[cit:role/*/@codeListValue='author']", namespaces=NS)
    assert [texts(a, "cit:party/cit:CI_Organisation/cit:name/*/text()") for a in authors] == [
        ["Coriolis data centre"],
        ["Ifremer", "Ministère de la Recherche"],
    ]


def test_contributors_publisher_and_funders_get_their_roles():
    cited = citation(iso(full_document()))
    roles = texts(cited, "cit:citedResponsibleParty/*/cit:role/*/@codeListValue")
    assert {
        "pointOfContact",
        "custodian",
        "distributor",
        "editor",
        "resourceProvider",
        "originator",
        "principalInvestigator",
        "collaborator",
        "mediator",
        "stakeholder",
        "rightsHolder",
        "sponsor",
        "contributor",
        "publisher",
        "funder",
    } <= set(roles)
    publisher = cited.xpath("cit:citedResponsibleParty/*[cit:role/*/@codeListValue='publisher']", namespaces=NS)
    assert texts(publisher[0], "cit:party/*/cit:name/*/text()") == ["Ifremer SISMER"]
    funders = cited.xpath("cit:citedResponsibleParty/*[cit:role/*/@codeListValue='funder']", namespaces=NS)
    assert len(funders) == 6
    anr = funders[0].xpath("cit:party/cit:CI_Organisation/cit:partyIdentifier/mcc:MD_Identifier", namespaces=NS)[0]
    assert texts(anr, "mcc:code/gcx:Anchor/@xlink:href") == ["https://ror.org/00rbzpz17"]
    assert texts(anr, "mcc:codeSpace/*/text()") == ["ROR"]


def test_abstract_purpose_credits_status_and_point_of_contact():
    ident = identification(iso(full_document()))
    assert texts(ident, "mri:abstract/*/text()") == ["A Abstract description."]
    assert texts(ident, "mri:purpose/*/text()") == ["Produced within Mesoscale fronts in the Balearic Sea."]
    assert texts(ident, "mri:credit/*/text()")[0] == (
        "Agence Nationale de la Recherche, grant ANR-21-CE01-0001 (Mesoscale fronts in the Balearic Sea)"
    )
    assert texts(ident, "mri:status/*/@codeListValue") == ["completed"]
    contact, publisher = ident.xpath("mri:pointOfContact/cit:CI_Responsibility", namespaces=NS)
    assert texts(contact, "cit:role/*/@codeListValue") == ["pointOfContact"]
    assert texts(contact, "cit:party/cit:CI_Organisation/cit:name/*/text()") == ["Ifremer"]
    # the organisation's address is the contact's: where INSPIRE and OWSLib look for it
    assert texts(contact, "cit:party/cit:CI_Organisation/cit:contactInfo//cit:electronicMailAddress/*/text()") == [
        "sofia.garcia@example.org"
    ]
    # the publisher is a point of contact too, where GeoNetwork's DOI check looks for it
    assert texts(publisher, "cit:role/*/@codeListValue") == ["publisher"]
    assert texts(publisher, "cit:party/cit:CI_Organisation/cit:name/*/text()") == ["Ifremer SISMER"]
    person = contact.xpath(".//cit:CI_Individual", namespaces=NS)[0]
    assert texts(person, "cit:name/*/text()") == ["Garcia, Sofia"]
    assert texts(person, ".//cit:electronicMailAddress/*/text()") == ["sofia.garcia@example.org"]
    assert texts(person, "cit:partyIdentifier/*/mcc:code/gcx:Anchor/@xlink:href") == [
        "https://orcid.org/0000-0002-1825-0097"
    ]
    assert texts(ident, "mri:supplementalInformation/*/text()") == [
        "A TableOfContents description.\n\nA TechnicalInfo description.\n\nA Other description."
    ]


def test_a_contact_desk_is_an_individual_party_with_its_address():
    ident = identification(iso(CORPUS["contact that is a desk, not a person"]))
    assert texts(ident, "mri:pointOfContact/*/cit:party/cit:CI_Individual/cit:name/*/text()") == ["SISMER data desk"]
    assert texts(ident, "mri:pointOfContact[1]//cit:electronicMailAddress/*/text()") == ["sismer@example.org"]


def test_topic_category_follows_the_community():
    assert texts(identification(iso(with_base())), "mri:topicCategory/*/text()") == ["oceans"]
    assert texts(identification(iso(with_base(), community_slug="atmosphere")), "mri:topicCategory/*/text()") == [
        "climatologyMeteorologyAtmosphere"
    ]


def test_keywords_are_grouped_by_thesaurus_with_anchors_to_concepts():
    ident = identification(iso(full_document()))
    groups = ident.xpath("mri:descriptiveKeywords/mri:MD_Keywords", namespaces=NS)
    by_thesaurus = {
        texts(g, "mri:thesaurusName/*/cit:title/*/text()")[0]
        if g.xpath("mri:thesaurusName", namespaces=NS)
        else None: g
        for g in groups
    }
    p02 = by_thesaurus["BODC Parameter Discovery Vocabulary"]
    keyword = p02.xpath("mri:keyword/gcx:Anchor", namespaces=NS)[0]
    assert (keyword.text, keyword.get(HREF)) == (
        "Temperature of the water column",
        "http://vocab.nerc.ac.uk/collection/P02/current/TEMP/",
    )
    assert texts(p02, "mri:type/*/@codeListValue") == ["theme"]  # a parameter, GeoNetwork's way
    assert texts(p02, "mri:type/*/@codeList") == [f"{CODELISTS}#MD_KeywordTypeCode"]
    title = p02.xpath("mri:thesaurusName/cit:CI_Citation/cit:title/gcx:Anchor", namespaces=NS)[0]
    assert title.get(HREF) == "http://vocab.nerc.ac.uk/collection/P02/current/"
    assert texts(p02, "mri:thesaurusName/*/cit:identifier/*/mcc:code/gcx:Anchor/@xlink:href") == [
        "http://vocab.nerc.ac.uk/collection/P02/current/"
    ]
    place = by_thesaurus["SeaVoX salt and fresh water body gazetteer"]
    assert texts(place, "mri:type/*/@codeListValue") == ["place"]
    # A thesaurus with no URI is cited by its title only.
    platforms = by_thesaurus["GCMD Platforms"]
    assert texts(platforms, "mri:thesaurusName/*/cit:title/gco:CharacterString/text()") == ["GCMD Platforms"]
    assert texts(platforms, "mri:type/*/@codeListValue") == ["platform"]
    # Free keywords, one group per type; places of the locations; the community as data centre.
    types = [
        texts(g, "mri:type/*/@codeListValue")[0] for g in groups if not g.xpath("mri:thesaurusName", namespaces=NS)
    ]
    assert len(types) == len(set(types))
    assert set(types) >= {k.value for k in KeywordType if k is not KeywordType.parameter} | {"dataCentre"}
    free_places = next(
        g
        for g in groups
        if not g.xpath("mri:thesaurusName", namespaces=NS) and texts(g, "mri:type/*/@codeListValue") == ["place"]
    )
    assert {"Ibiza Channel", "Mooring IC-1", "Across the antimeridian"} <= set(
        texts(free_places, "mri:keyword/*/text()")
    )
    centre = next(g for g in groups if texts(g, "mri:type/*/@codeListValue") == ["dataCentre"])
    assert texts(centre, "mri:keyword/*/text()") == ["Ocean (ODATIS)"]


def extent(root):
    return identification(root).xpath("mri:extent/gex:EX_Extent", namespaces=NS)[0]


def boxes(ext) -> list[tuple[float, ...]]:
    return [
        tuple(float(v) for v in texts(b, "*/gco:Decimal/text()"))
        for b in ext.xpath("gex:geographicElement/gex:EX_GeographicBoundingBox", namespaces=NS)
    ]


def test_a_box_across_the_antimeridian_is_written_as_its_two_halves():
    ext = extent(iso(CORPUS["antimeridian box"]))
    assert boxes(ext) == [(177.5, 180.0, -21.0, -15.5), (-180.0, -173.25, -21.0, -15.5)]
    assert texts(ext, "gex:description/*/text()") == ["Lau Basin"]


def test_boxes_points_polygons_temporal_and_vertical_extents():
    ext = extent(iso(full_document()))
    assert boxes(ext) == [
        (0.5, 1.5, 38.5, 39.1),
        (170.0, 180.0, -20.0, -10.0),
        (-180.0, -170.0, -20.0, -10.0),
        (1.0, 1.0, 38.8, 38.8),  # a point: a box of no size
        (0.5, 1.5, 38.5, 39.1),  # the polygon's box, what catalogues' spatial indexes read
    ]
    polygon = ext.xpath(".//gex:EX_BoundingPolygon/gex:polygon/gml:Polygon", namespaces=NS)[0]
    assert polygon.get("srsName") == "http://www.opengis.net/def/crs/EPSG/0/4326"
    # Latitude first, as EPSG:4326 has it; the ring closed.
    assert texts(polygon, ".//gml:posList/text()") == ["38.5 0.5 38.5 1.5 39.1 1 38.5 0.5"]
    period = ext.xpath("gex:temporalElement/*/gex:extent/gml:TimePeriod", namespaces=NS)[0]
    assert texts(period, "gml:beginPosition/text()") == ["2024-03-01"]
    assert texts(period, "gml:endPosition/text()") == ["2024-03-21"]
    vertical = ext.xpath("gex:verticalElement/gex:EX_VerticalExtent", namespaces=NS)[0]
    assert texts(vertical, "gex:minimumValue/*/text()") == ["0"] and texts(vertical, "gex:maximumValue/*/text()") == [
        "950"
    ]
    assert texts(vertical, ".//mrs:referenceSystemIdentifier/*/mcc:code/gcx:Anchor/@xlink:href") == [
        "http://www.opengis.net/def/crs/EPSG/0/5715"
    ]


def test_an_ongoing_collection_ends_now_and_is_in_progress():
    root = iso(CORPUS["ongoing extent"])
    period = extent(root).xpath(".//gml:TimePeriod", namespaces=NS)[0]
    assert texts(period, "gml:beginPosition/text()") == ["2024-04-25"]
    assert texts(period, "gml:endPosition/@indeterminatePosition") == ["now"]
    assert texts(identification(root), "mri:status/*/@codeListValue") == ["onGoing"]


def test_altitudes_are_heights_above_mean_sea_level():
    ext = extent(iso(CORPUS["vertical extent only"]))
    assert texts(ext, ".//mrs:referenceSystemIdentifier/*/mcc:code/gcx:Anchor/text()") == ["EPSG:5714"]
    assert ext.xpath("gex:geographicElement | gex:temporalElement", namespaces=NS) == []


def test_gml_ids_differ_between_records_so_that_a_response_can_hold_many():
    one = to_iso19115_3_element(build(full_document()), resource=resource())
    other = to_iso19115_3_element(build(full_document()), resource=resource(doi="10.80000/estran.other-00000"))
    ids = lambda root: set(root.xpath("//@gml:id", namespaces=NS))  # noqa: E731
    assert ids(one) and not ids(one) & ids(other)


def test_the_licence_and_open_access_are_legal_constraints():
    ident = identification(iso(with_base()))
    licence, access = ident.xpath("mri:resourceConstraints/mco:MD_LegalConstraints", namespaces=NS)
    assert texts(licence, "mco:useConstraints/*/@codeListValue") == ["license"]
    assert texts(licence, "mco:otherConstraints/gcx:Anchor/@xlink:href") == [
        "https://creativecommons.org/licenses/by/4.0/legalcode"
    ]
    assert texts(licence, "mco:reference/*/cit:identifier/*/mcc:code/gcx:Anchor/text()") == ["CC-BY-4.0"]
    assert texts(access, "mco:accessConstraints/*/@codeListValue") == ["otherRestrictions"]
    assert "info:eu-repo/semantics/openAccess" in texts(access, "mco:otherConstraints/gcx:Anchor/@xlink:href")


def test_an_embargo_is_an_access_constraint_and_each_file_says_until_when():
    root = iso(CORPUS["embargo"])
    access = identification(root).xpath("mri:resourceConstraints/mco:MD_LegalConstraints", namespaces=NS)[-1]
    anchor = access.xpath("mco:otherConstraints/gcx:Anchor", namespaces=NS)[0]
    assert anchor.get(HREF) == "info:eu-repo/semantics/embargoedAccess"
    assert IN_A_YEAR.isoformat() in anchor.text
    downloads = root.xpath("//mrd:onLine/*[cit:protocol/*/text()='WWW:DOWNLOAD']", namespaces=NS)
    assert len(downloads) == 2
    assert all(f"embargoed until {IN_A_YEAR.isoformat()}" in texts(d, "cit:description/*/text()")[0] for d in downloads)
    # From the embargo's day the files are open, before the daily task rewrites the metadata.
    later = iso(CORPUS["embargo"], today=IN_A_YEAR)
    assert not any("embargoed" in t for t in texts(later, "//mrd:onLine//cit:description/*/text()"))


def test_related_publications_and_code_are_associated_resources():
    ident = identification(iso(full_document()))
    associated = ident.xpath("mri:associatedResource/mri:MD_AssociatedResource", namespaces=NS)
    assert len(associated) == 5 + 38
    article, code, swh = associated[:3]
    assert texts(article, "mri:name/*/cit:identifier/*/mcc:code/gcx:Anchor/@xlink:href") == [
        "https://doi.org/10.1016/j.dsr.2020.103345"
    ]
    assert texts(article, "mri:name/*/cit:title/*/text()") == ["JournalArticle 10.1016/j.dsr.2020.103345"]
    assert texts(article, "mri:name/*/cit:otherCitationDetails/*/text()") == ["DataCite relationType: IsSupplementTo"]
    assert texts(article, "mri:associationType/*/@codeListValue") == ["crossReference"]
    assert texts(code, "mri:associationType/*/@codeListValue") == ["dependency"]
    assert texts(swh, "mri:name/*/cit:onlineResource/*/cit:linkage/*/text()") == [
        "https://archive.softwareheritage.org/swh:1:rev:309cf2674ee7a0749978cf8265ab91a60aea0f7d"
    ]


def test_distribution_lists_the_doi_the_landing_page_and_every_file():
    root = iso(with_base())
    distribution = root.xpath("mdb:distributionInfo/mrd:MD_Distribution", namespaces=NS)[0]
    assert texts(distribution, "mrd:distributionFormat/*/mrd:formatSpecificationCitation/*/cit:title/*/text()") == [
        "NetCDF",
        "Text",
    ]
    assert texts(distribution, "mrd:distributor//cit:role/*/@codeListValue") == ["distributor"]
    options = distribution.xpath("mrd:transferOptions/mrd:MD_DigitalTransferOptions", namespaces=NS)[0]
    assert texts(options, "mrd:transferSize/*/text()") == ["2.5012"]
    links = [
        (
            texts(o, "cit:protocol/*/text()")[0],
            texts(o, "cit:linkage/*/text()")[0],
            texts(o, "cit:function/*/@codeListValue")[0],
        )
        for o in options.xpath("mrd:onLine/*", namespaces=NS)
    ]
    assert links == [
        ("DOI", f"https://doi.org/{DOI}", "information"),
        ("WWW:LINK", LANDING, "information"),
        ("WWW:DOWNLOAD", LANDING + "/files/ctd_casts.nc", "download"),
        ("WWW:DOWNLOAD", LANDING + "/files/README.txt", "download"),
    ]
    assert "SHA-256 " + "a" * 64 in texts(options, "mrd:onLine[3]/*/cit:description/*/text()")[0]


def test_lineage_statement_scope_and_sources():
    root = iso(full_document())
    lineage = root.xpath("mdb:resourceLineage/mrl:LI_Lineage", namespaces=NS)[0]
    statement = texts(lineage, "mrl:statement/*/text()")[0]
    assert statement.startswith("Slocum G2 glider") and "A Methods description." in statement
    assert texts(lineage, "mrl:scope/*/mcc:level/*/@codeListValue") == ["dataset"]
    sources = texts(lineage, "mrl:source/*/mrl:description/*/text()")
    assert "Compiled with https://github.com/socib/glider-toolbox" in sources
    assert "Derived from ark:/13030/tf5p30086k" in sources
    assert iso(with_base()).xpath("mdb:resourceLineage", namespaces=NS) == []


def test_a_withdrawn_record_lists_no_file_and_says_so():
    root = iso(with_base(), withdrawn_at=datetime(2025, 6, 1, 8, 0, tzinfo=UTC), files=())
    assert texts(identification(root), "mri:status/*/@codeListValue") == ["withdrawn"]
    assert ("unavailable", "2025-06-01") in zip(
        texts(citation(root), "cit:date/*/cit:dateType/*/@codeListValue"),
        texts(citation(root), "cit:date/*/cit:date/*/text()"),
        strict=True,
    )
    assert root.xpath("//mrd:onLine/*[cit:protocol/*/text()='WWW:DOWNLOAD']", namespaces=NS) == []
    assert any("Withdrawn on 2025-06-01" in t for t in texts(root, "//mco:otherConstraints/*/text()"))


def test_control_characters_pasted_into_text_are_dropped():
    data = with_base(descriptions=[{"description": "Bad\x0bchar\x02acters"}])
    assert texts(identification(iso(data)), "mri:abstract/*/text()") == ["Badcharacters"]


def test_a_day_old_embargo_that_ended_still_serializes_for_the_published_record():
    data = with_base(access={"level": "embargoed", "embargo_until": (date.today() + timedelta(days=1)).isoformat()})
    document = build(data)
    later = resource(today=date.today() + timedelta(days=30))
    assert validate(to_iso19115_3_xml(document, resource=later), "iso19115-3") == []


# --- What GeoNetwork's INSPIRE and DOI rules read (tests/repository/test_conformance_iso.py runs them) --


def test_every_legal_constraint_states_its_conditions_of_access_and_use():
    ident = identification(iso(with_base()))
    licence, access = ident.xpath("mri:resourceConstraints/mco:MD_LegalConstraints", namespaces=NS)
    assert texts(licence, "mco:useLimitation/*/text()") == [
        "Use is subject to the licence Creative Commons Attribution 4.0 International (CC-BY-4.0): "
        "https://creativecommons.org/licenses/by/4.0/legalcode"
    ]
    assert texts(access, "mco:useLimitation/*/text()") == [
        "No conditions apply to access: the files and the metadata are public."
    ]
    embargoed = identification(iso(CORPUS["embargo"]))
    assert texts(embargoed, "mri:resourceConstraints[2]/*/mco:useLimitation/*/text()") == [
        f"The files are embargoed until {IN_A_YEAR.isoformat()}; the metadata are public."
    ]
    gone = datetime(2025, 6, 1, 8, 0, tzinfo=UTC)
    withdrawn = identification(iso(with_base(), withdrawn_at=gone, files=()))
    assert texts(withdrawn, "mri:resourceConstraints[2]/*/mco:useLimitation/*/text()")[0].startswith(
        "Withdrawn on 2025-06-01"
    )


def inspire_keywords(root) -> list[tuple[str, str]]:
    group = [
        g
        for g in identification(root).xpath("mri:descriptiveKeywords/mri:MD_Keywords", namespaces=NS)
        if texts(g, "mri:thesaurusName/*/cit:title/gcx:Anchor/@xlink:href") == [inspire.THEMES_URI]
    ]
    if not group:
        return []
    [group] = group
    assert texts(group, "mri:thesaurusName/*/cit:title/*/text()") == ["GEMET - INSPIRE themes, version 1.0"]
    assert texts(group, "mri:thesaurusName/*/cit:date/*/cit:date/gco:Date/text()") == ["2008-06-01"]
    return [(k.text, k.get(HREF)) for k in group.xpath("mri:keyword/gcx:Anchor", namespaces=NS)]


def test_the_inspire_theme_is_the_depositor_s_else_the_community_s():
    located = with_base(
        geo_locations=[{"place": "Ibiza Channel", "box": {"west": 0.5, "east": 1.5, "south": 38.5, "north": 39.1}}]
    )
    assert inspire_keywords(iso(located)) == [
        ("Oceanographic geographical features", "http://inspire.ec.europa.eu/theme/of")
    ]
    assert inspire_keywords(iso(located, community_slug="atmosphere")) == [
        ("Atmospheric conditions", "http://inspire.ec.europa.eu/theme/ac")
    ]
    chosen = {
        **located,
        "subjects": [
            {
                "subject": "Régions maritimes",
                "scheme": "INSPIRE",
                "scheme_uri": "http://inspire.ec.europa.eu/theme",
                "value_uri": "http://inspire.ec.europa.eu/theme/sr",
                "lang": "fr",
            }
        ],
    }
    assert inspire_keywords(iso(chosen)) == [("Régions maritimes", "http://inspire.ec.europa.eu/theme/sr")]
    # INSPIRE is about spatial data: no location, no default theme
    assert inspire_keywords(iso(with_base())) == []


def test_a_derived_dataset_is_no_revision_and_its_sources_make_a_lineage_statement():
    derived = with_base(
        related_identifiers=[
            {"identifier": "10.5072/source-1", "identifier_type": "DOI", "relation_type": "IsDerivedFrom"},
            {"identifier": "https://github.com/estran/grid", "identifier_type": "URL", "relation_type": "IsCompiledBy"},
        ]
    )
    root = iso(derived)
    types = texts(identification(root), "mri:associatedResource/*/mri:associationType/*/@codeListValue")
    assert types == ["crossReference", "dependency"]
    assert texts(root, "mdb:resourceLineage/*/mrl:statement/*/text()") == [
        "Derived from 10.5072/source-1; Compiled with https://github.com/estran/grid."
    ]


def test_a_version_s_parent_is_its_concept():
    from repository.serializers.iso19115 import metadata_uuid

    root = iso(with_base(), concept_doi="10.80000/estran.concept")
    [parent] = root.xpath("mdb:parentMetadata", namespaces=NS)
    assert parent.get("uuidref") == metadata_uuid("10.80000/estran.concept")
    assert texts(parent, "cit:CI_Citation/cit:identifier/*/mcc:code/*/text()") == [
        metadata_uuid("10.80000/estran.concept"),
        "https://doi.org/10.80000/estran.concept",
    ]
    assert iso(with_base()).xpath("mdb:parentMetadata", namespaces=NS) == []


def test_a_polygon_across_the_antimeridian_gets_the_smaller_box_in_two_halves():
    ring = [
        {"longitude": 175.0, "latitude": -20.0},
        {"longitude": -175.0, "latitude": -20.0},
        {"longitude": -178.0, "latitude": -15.0},
        {"longitude": 175.0, "latitude": -20.0},
    ]
    ext = extent(iso(with_base(geo_locations=[{"polygon": ring}])))
    assert boxes(ext) == [(175.0, 180.0, -20.0, -15.0), (-180.0, -175.0, -20.0, -15.0)]


def test_the_depositor_s_conditions_of_use_are_written_instead_of_the_licence_s():
    conditions = "Cite the DOI and the data paper in any publication; no use for navigation."
    licence, access = identification(iso(with_base(use_conditions=conditions))).xpath(
        "mri:resourceConstraints/mco:MD_LegalConstraints", namespaces=NS
    )
    assert texts(licence, "mco:useLimitation/*/text()") == [conditions]
    # the licence is still cited, and the access keeps its own conditions
    assert texts(licence, "mco:reference/*/cit:title/gcx:Anchor/text()") == [
        "Creative Commons Attribution 4.0 International"
    ]
    assert texts(access, "mco:useLimitation/*/text()") == [
        "No conditions apply to access: the files and the metadata are public."
    ]
    # they belong with the first licence; a second one states what it sets
    two = with_base(
        use_conditions=conditions, rights=[LICENCES["CC-BY-4.0"].model_dump(), LICENCES["ODbL-1.0"].model_dump()]
    )
    constraints = identification(iso(two)).xpath("mri:resourceConstraints/mco:MD_LegalConstraints", namespaces=NS)
    assert [texts(c, "mco:useLimitation/*/text()") for c in constraints[:2]] == [
        [conditions],
        [
            "Use is subject to the licence Open Data Commons Open Database License v1.0 (ODbL-1.0): "
            "https://opendatacommons.org/licenses/odbl/1-0/"
        ],
    ]
