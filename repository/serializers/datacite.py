"""The DataCite Metadata Schema 4.6 XML of a metadata document (what a DOI is registered with)."""
from __future__ import annotations

import re

from django.conf import settings
from django.utils import timezone
from lxml import etree

from repository.metadata import Creator, GeoLocation, MetadataDocument, NameType, RelatedIdentifier

DATACITE_NS = "http://datacite.org/schema/kernel-4"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
SCHEMA_LOCATION = f"{DATACITE_NS} http://schema.datacite.org/meta/kernel-4.6/metadata.xsd"

ORCID_URI = "https://orcid.org"
ROR_URI = "https://ror.org"
SPDX_URI = "https://spdx.org/licenses/"
# SWHID is a relatedIdentifierType only from DataCite 4.7; in 4.6 a Software Heritage identifier
# goes as the URL of its resolver.
SWH_RESOLVER = "https://archive.softwareheritage.org/"

# Characters XML 1.0 cannot carry (lxml refuses them): control characters pasted from a PDF.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _text(value: str) -> str:
    return _NOT_XML.sub("", value)


def _el(
    parent: etree._Element, tag: str, text: str | None = None, **attrs: str | None
) -> etree._Element:
    el = etree.SubElement(parent, f"{{{DATACITE_NS}}}{tag}")
    for name, value in attrs.items():
        if value not in (None, ""):
            el.set(XML_LANG if name == "lang" else name, _text(str(value)))
    if text is not None:
        el.text = _text(text)
    return el


def _number(value: float) -> str:
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text


def _creator(parent: etree._Element, creator: Creator) -> None:
    el = _el(parent, "creator")
    _el(el, "creatorName", creator.name, nameType=creator.name_type.value)
    # The XSD's creator is a sequence: creatorName, givenName, familyName, nameIdentifier,
    # affiliation.
    if creator.name_type is NameType.personal:
        if creator.given_name:
            _el(el, "givenName", creator.given_name)
        if creator.family_name:
            _el(el, "familyName", creator.family_name)
    if creator.orcid:
        _el(el, "nameIdentifier", f"{ORCID_URI}/{creator.orcid}",
            nameIdentifierScheme="ORCID", schemeURI=ORCID_URI)
    for affiliation in creator.affiliations:
        if affiliation.ror:
            _el(el, "affiliation", affiliation.name, affiliationIdentifier=affiliation.ror,
                affiliationIdentifierScheme="ROR", schemeURI=ROR_URI)
        else:
            _el(el, "affiliation", affiliation.name)


def _geo_location(parent: etree._Element, location: GeoLocation) -> None:
    el = _el(parent, "geoLocation")
    if location.place:
        _el(el, "geoLocationPlace", location.place)
    if location.point:
        point = _el(el, "geoLocationPoint")
        _el(point, "pointLongitude", _number(location.point.longitude))
        _el(point, "pointLatitude", _number(location.point.latitude))
    if location.box:
        # West greater than east is kept as is: the box crosses the antimeridian, as in
        # DataCite's own guidance (the XSD only bounds each value).
        box = _el(el, "geoLocationBox")
        _el(box, "westBoundLongitude", _number(location.box.west))
        _el(box, "eastBoundLongitude", _number(location.box.east))
        _el(box, "southBoundLatitude", _number(location.box.south))
        _el(box, "northBoundLatitude", _number(location.box.north))


def _related_identifier(parent: etree._Element, related: RelatedIdentifier) -> None:
    identifier, identifier_type = related.identifier, related.identifier_type
    if identifier_type == "SWHID":
        identifier, identifier_type = SWH_RESOLVER + identifier, "URL"
    general = related.resource_type_general
    _el(parent, "relatedIdentifier", identifier, relatedIdentifierType=identifier_type,
        relationType=related.relation_type, resourceTypeGeneral=general.value if general else None)


def to_datacite_xml(
    document: MetadataDocument,
    *,
    doi: str,
    publisher: str | None = None,
    publication_year: int | None = None,
) -> bytes:
    """The document as a DataCite 4.6 `<resource>`, UTF-8 with an XML declaration.

    The publisher is the document's, else `publisher`, else `settings.DOI_PUBLISHER`; the year is
    `publication_year`, else the document's, else the current year.
    """
    root = etree.Element(f"{{{DATACITE_NS}}}resource", nsmap={None: DATACITE_NS, "xsi": XSI_NS})
    root.set(f"{{{XSI_NS}}}schemaLocation", SCHEMA_LOCATION)

    _el(root, "identifier", doi, identifierType="DOI")

    creators = _el(root, "creators")
    for creator in document.creators:
        _creator(creators, creator)

    titles = _el(root, "titles")
    for title in document.titles:
        _el(titles, "title", title.title,
            titleType=title.title_type.value if title.title_type else None, lang=title.lang)

    _el(root, "publisher", document.publisher or publisher or settings.DOI_PUBLISHER)
    year = publication_year or document.publication_year or timezone.now().year
    _el(root, "publicationYear", f"{year:04d}")
    _el(root, "resourceType", document.resource_type.type or None,
        resourceTypeGeneral=document.resource_type.general.value)

    if document.subjects:
        subjects = _el(root, "subjects")
        for subject in document.subjects:
            _el(subjects, "subject", subject.subject, subjectScheme=subject.scheme,
                schemeURI=subject.scheme_uri, valueURI=subject.value_uri)

    if document.dates:
        dates = _el(root, "dates")
        for entry in document.dates:
            _el(dates, "date", entry.date, dateType=entry.date_type.value)

    if document.language:
        _el(root, "language", document.language)

    if document.related_identifiers:
        related = _el(root, "relatedIdentifiers")
        for item in document.related_identifiers:
            _related_identifier(related, item)

    if document.version:
        _el(root, "version", document.version)

    rights_list = _el(root, "rightsList")
    for rights in document.rights:
        _el(rights_list, "rights", rights.title, rightsURI=rights.uri,
            rightsIdentifier=rights.identifier, rightsIdentifierScheme="SPDX", schemeURI=SPDX_URI)

    descriptions = _el(root, "descriptions")
    for description in document.descriptions:
        _el(descriptions, "description", description.description,
            descriptionType=description.description_type.value, lang=description.lang)

    if document.geo_locations:
        locations = _el(root, "geoLocations")
        for location in document.geo_locations:
            _geo_location(locations, location)

    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
