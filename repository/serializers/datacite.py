"""The DataCite Metadata Schema 4.6 XML of a metadata document (what a DOI is registered with).

What goes where, beyond the obvious:
- the point of contact is a contributor of type ContactPerson (its e-mail address is not
  published: DataCite metadata is public and has no element for it);
- every keyword, free or from a thesaurus (places, platforms, instruments, parameters too), is a
  subject with its thesaurus (subjectScheme, schemeURI) and concept (valueURI);
- the temporal extent is a `Collected` date, an RKMS-ISO8601 range (`2024-04-25/2024-05-30`,
  `2024-04-25/` while collection goes on);
- the lineage is a description of type Methods;
- access is a rights entry in the info:eu-repo vocabulary (open or embargoed access), and an
  embargo's end is the `Available` date;
- the vertical extent has no DataCite element: it is left out (ISO 19115-3 carries it).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from enum import Enum

from django.conf import settings
from django.utils import timezone
from lxml import etree

from repository.catalog import this_repository
from repository.metadata import (
    AccessLevel,
    ContributorType,
    Creator,
    FunderIdentifierType,
    FundingReference,
    GeoLocation,
    MetadataDocument,
    NameType,
    Point,
    PointOfContact,
    RelatedIdentifier,
    TemporalExtent,
)

from .vocab import (
    EMBARGOED_ACCESS,
    GRID_URI,
    ISNI_URI,
    OPEN_ACCESS,
    ORCID_SCHEME_URI,
    ROR_SCHEME_URI,
    SPDX_URI,
    SWH_RESOLVER,
    orcid_url,
)

DATACITE_NS = "http://datacite.org/schema/kernel-4"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
SCHEMA_LOCATION = f"{DATACITE_NS} http://schema.datacite.org/meta/kernel-4.6/metadata.xsd"

# schemeURI of a funderIdentifier, by type (a Crossref Funder ID is a doi.org URL already).
FUNDER_SCHEME_URIS = {
    FunderIdentifierType.ror: ROR_SCHEME_URI,
    FunderIdentifierType.isni: ISNI_URI,
    FunderIdentifierType.grid: GRID_URI,
}

# Characters XML 1.0 cannot carry (lxml refuses them): control characters pasted from a PDF.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _text(value: str) -> str:
    return _NOT_XML.sub("", value)


def _el(parent: etree._Element, tag: str, text: str | None = None, **attrs: str | None) -> etree._Element:
    el = etree.SubElement(parent, f"{{{DATACITE_NS}}}{tag}")
    for name, value in attrs.items():
        if isinstance(value, Enum):  # str(member) of a str Enum is "Class.member" before 3.12
            value = value.value
        if value not in (None, ""):
            el.set(XML_LANG if name == "lang" else name, _text(str(value)))
    if text is not None:
        el.text = _text(text)
    return el


def _number(value: float) -> str:
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text


def _person(parent: etree._Element, tag: str, creator: Creator, **attrs: str | None) -> None:
    """A creator or a contributor: the XSD has the same sequence for both, and the order matters:
    name, givenName, familyName, nameIdentifier, affiliation."""
    el = _el(parent, tag, **attrs)
    _el(el, f"{tag}Name", creator.name, nameType=creator.name_type.value)
    if creator.name_type is NameType.personal:
        if creator.given_name:
            _el(el, "givenName", creator.given_name)
        if creator.family_name:
            _el(el, "familyName", creator.family_name)
    if creator.orcid:
        _el(el, "nameIdentifier", orcid_url(creator.orcid), nameIdentifierScheme="ORCID", schemeURI=ORCID_SCHEME_URI)
    if creator.ror:
        _el(el, "nameIdentifier", creator.ror, nameIdentifierScheme="ROR", schemeURI=ROR_SCHEME_URI)
    for affiliation in creator.affiliations:
        if affiliation.ror:
            _el(
                el,
                "affiliation",
                affiliation.name,
                affiliationIdentifier=affiliation.ror,
                affiliationIdentifierScheme="ROR",
                schemeURI=ROR_SCHEME_URI,
            )
        else:
            _el(el, "affiliation", affiliation.name)


def _contact_as_contributor(contact: PointOfContact) -> Creator | None:
    """The point of contact as a ContactPerson, when it is known to be a person: it has an ORCID iD,
    or its name is written "Family, Given". None otherwise (a plain name may be a person or a desk)."""
    family, comma, given = contact.name.partition(",")
    if not (contact.orcid or comma):
        return None
    return Creator(
        name=contact.name,
        family_name=family.strip() if comma else None,
        given_name=(given.strip() or None) if comma else None,
        orcid=contact.orcid,
        affiliations=[{"name": contact.organisation}] if contact.organisation else [],
    )


def _same_name(a: str, b: str) -> bool:
    return " ".join(a.casefold().split()) == " ".join(b.casefold().split())


def _contributors(parent: etree._Element, document: MetadataDocument) -> None:
    contact_type = ContributorType.contact_person
    for person in document.contributors:
        _person(parent, "contributor", person, contributorType=person.contributor_type.value)
    contact = document.point_of_contact
    if any(
        person.contributor_type is contact_type
        and ((person.orcid and person.orcid == contact.orcid) or _same_name(person.name, contact.name))
        for person in document.contributors
    ):
        return  # already listed as a contact person
    as_person = _contact_as_contributor(contact)
    if as_person is not None:
        _person(parent, "contributor", as_person, contributorType=contact_type.value)
        return
    # nameType is optional: left out rather than guessed.
    el = _el(parent, "contributor", contributorType=contact_type.value)
    _el(el, "contributorName", contact.name)
    if contact.organisation:
        _el(el, "affiliation", contact.organisation)


def _temporal_range(extent: TemporalExtent) -> str:
    # RKMS-ISO8601, as DataCite asks for ranges; an open end means collection goes on.
    return f"{extent.start.isoformat()}/{extent.end.isoformat() if extent.end else ''}"


def _dates(document: MetadataDocument) -> list[tuple[str, str]]:
    dates: list[tuple[str, str]] = []
    if document.temporal_extent:
        dates.append((_temporal_range(document.temporal_extent), "Collected"))
    if document.access.level is AccessLevel.embargoed and document.access.embargo_until:
        dates.append((document.access.embargo_until.isoformat(), "Available"))
    dates += [(entry.date, entry.date_type.value) for entry in document.dates]
    return list(dict.fromkeys(dates))  # the same date twice (typed in both places) once


def _point(parent: etree._Element, tag: str, point: Point) -> None:
    el = _el(parent, tag)
    _el(el, "pointLongitude", _number(point.longitude))
    _el(el, "pointLatitude", _number(point.latitude))


def _funding_reference(parent: etree._Element, funding: FundingReference) -> None:
    el = _el(parent, "fundingReference")
    _el(el, "funderName", funding.funder_name)
    if funding.funder_identifier and funding.funder_identifier_type:
        kind = funding.funder_identifier_type
        _el(
            el,
            "funderIdentifier",
            funding.funder_identifier,
            funderIdentifierType=kind.value,
            schemeURI=FUNDER_SCHEME_URIS.get(kind),
        )
    if funding.award_number:
        _el(el, "awardNumber", funding.award_number, awardURI=funding.award_uri)
    if funding.award_title:
        _el(el, "awardTitle", funding.award_title)


def _geo_location(parent: etree._Element, location: GeoLocation) -> None:
    el = _el(parent, "geoLocation")
    if location.place:
        _el(el, "geoLocationPlace", location.place)
    if location.point:
        _point(el, "geoLocationPoint", location.point)
    if location.box:
        # West greater than east is kept as is: the box crosses the antimeridian, as in
        # DataCite's own guidance (the XSD only bounds each value).
        box = _el(el, "geoLocationBox")
        _el(box, "westBoundLongitude", _number(location.box.west))
        _el(box, "eastBoundLongitude", _number(location.box.east))
        _el(box, "southBoundLatitude", _number(location.box.south))
        _el(box, "northBoundLatitude", _number(location.box.north))
    if location.polygon:
        # The document keeps the ring closed (first point repeated last), as DataCite requires:
        # at least four polygonPoints.
        polygon = _el(el, "geoLocationPolygon")
        for point in location.polygon:
            _point(polygon, "polygonPoint", point)


def _related_identifier(parent: etree._Element, related: RelatedIdentifier) -> None:
    identifier, identifier_type = related.identifier, related.identifier_type
    if identifier_type == "SWHID":
        # SWHID is a relatedIdentifierType only from DataCite 4.7; in 4.6 a Software Heritage
        # identifier goes as the URL of its resolver.
        identifier, identifier_type = SWH_RESOLVER + identifier, "URL"
    general = related.resource_type_general
    _el(
        parent,
        "relatedIdentifier",
        identifier,
        relatedIdentifierType=identifier_type,
        relationType=related.relation_type.value,
        resourceTypeGeneral=general.value if general else None,
    )


def to_datacite_xml(
    document: MetadataDocument,
    *,
    doi: str,
    publisher: str | None = None,
    publication_year: int | None = None,
    sizes: Sequence[str] = (),
    formats: Sequence[str] = (),
) -> bytes:
    """The document as a DataCite 4.6 `<resource>`, UTF-8 with an XML declaration.

    The publisher is the document's, else `publisher`, else `settings.DOI_PUBLISHER`, with the
    repository's ROR id (`REPOSITORY_ROR_ID`) as its `publisherIdentifier` when it is the
    repository (`repository.catalog`); the year is
    `publication_year`, else the document's, else the current year. `sizes` and `formats` summarise
    the files of a record that has many (`repository.file_summary`): DataCite has no element per
    file, and its metadata must stay small whatever their number.
    """
    root = etree.Element(f"{{{DATACITE_NS}}}resource", nsmap={None: DATACITE_NS, "xsi": XSI_NS})
    root.set(f"{{{XSI_NS}}}schemaLocation", SCHEMA_LOCATION)

    _el(root, "identifier", doi, identifierType="DOI")

    creators = _el(root, "creators")
    for creator in document.creators:
        _person(creators, "creator", creator)

    titles = _el(root, "titles")
    for title in document.titles:
        _el(
            titles,
            "title",
            title.title,
            titleType=title.title_type.value if title.title_type else None,
            lang=title.lang,
        )

    name = document.publisher or publisher or settings.DOI_PUBLISHER
    repository = this_repository()
    # The ROR id belongs to the repository's organisation: another publisher is named without it.
    ror = repository.ror if repository.publishes(name) else None
    _el(
        root,
        "publisher",
        name,
        publisherIdentifier=ror,
        publisherIdentifierScheme="ROR" if ror else None,
        schemeURI=ROR_SCHEME_URI if ror else None,
    )
    year = publication_year or document.publication_year or timezone.now().year
    _el(root, "publicationYear", f"{year:04d}")
    _el(
        root,
        "resourceType",
        document.resource_type.type or None,
        resourceTypeGeneral=document.resource_type.general.value,
    )

    if document.subjects:
        subjects = _el(root, "subjects")
        for subject in document.subjects:
            _el(
                subjects,
                "subject",
                subject.subject,
                subjectScheme=subject.scheme,
                schemeURI=subject.scheme_uri,
                valueURI=subject.value_uri,
                lang=subject.lang,
            )

    _contributors(_el(root, "contributors"), document)

    if dates := _dates(document):
        dates_el = _el(root, "dates")
        for text, kind in dates:
            _el(dates_el, "date", text, dateType=kind)

    if document.language:
        _el(root, "language", document.language)

    if document.related_identifiers:
        related = _el(root, "relatedIdentifiers")
        for item in document.related_identifiers:
            _related_identifier(related, item)

    if sizes:
        sizes_el = _el(root, "sizes")
        for size in sizes:
            _el(sizes_el, "size", size)
    if formats:
        formats_el = _el(root, "formats")
        for media_type in formats:
            _el(formats_el, "format", media_type)

    if document.version:
        _el(root, "version", document.version)

    rights_list = _el(root, "rightsList")
    for rights in document.rights:
        _el(
            rights_list,
            "rights",
            rights.title,
            rightsURI=rights.uri,
            rightsIdentifier=rights.identifier,
            rightsIdentifierScheme="SPDX",
            schemeURI=SPDX_URI,
        )
    if document.access.level is AccessLevel.embargoed:
        _el(rights_list, "rights", "Embargoed access", rightsURI=EMBARGOED_ACCESS)
    else:
        _el(rights_list, "rights", "Open access", rightsURI=OPEN_ACCESS)

    descriptions = _el(root, "descriptions")
    for description in document.descriptions:
        _el(
            descriptions,
            "description",
            description.description,
            descriptionType=description.description_type.value,
            lang=description.lang,
        )
    if document.lineage:
        _el(descriptions, "description", document.lineage, descriptionType="Methods")

    if document.geo_locations:
        locations = _el(root, "geoLocations")
        for location in document.geo_locations:
            _geo_location(locations, location)

    if document.funding_references:
        funding = _el(root, "fundingReferences")
        for reference in document.funding_references:
            _funding_reference(funding, reference)

    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
