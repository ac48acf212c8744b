"""The metadata formats Estran disseminates over OAI-PMH, each a serializer of the record's metadata
document into the `<metadata>` element of a response:

- `oai_dc` (schema oai_dc.xsd): unqualified Dublin Core (mandatory in OAI-PMH), following DataCite's
  DC mapping and the OpenAIRE conventions for access rights and embargoes;
- `oai_datacite` (oai-1.1): DataCite's OAI wrapper (datacentre symbol, schema version, the resource);
- `datacite` (kernel-4.6): DataCite Metadata Schema 4.6, as registered with the DOI;
- `iso19115-3` (mdb 2.0): ISO 19115-3:2018 (mdb 2.0), as GeoNetwork reads it.
"""

from __future__ import annotations

import mimetypes
import re
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from lxml import etree

from deposit.provenance import published_history
from repository import file_summary
from repository.metadata import AccessLevel, MetadataDocument
from repository.models import Record
from repository.selectors import record_document
from repository.serializers.datacite import to_datacite_xml
from repository.serializers.iso19115 import IsoResource, to_iso19115_3_element

XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
SCHEMA_LOCATION = f"{{{XSI_NS}}}schemaLocation"
OAI_DC_NS = "http://www.openarchives.org/OAI/2.0/oai_dc/"
DC_NS = "http://purl.org/dc/elements/1.1/"
OAI_DATACITE_NS = "http://schema.datacite.org/oai/oai-1.1/"
DATACITE_NS = "http://datacite.org/schema/kernel-4"
DATACITE_SCHEMA_VERSION = "4.6"
# Characters XML 1.0 cannot carry (lxml refuses them): control characters pasted from a PDF.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def document_of(record: Record) -> MetadataDocument:
    """The record's document as exported (version relations, withdrawal date), from the versions
    `oai.selectors.harvest_page` prefetched."""
    return record_document(record, getattr(record.concept, "ordered_versions", None))


@dataclass(frozen=True)
class MetadataFormat:
    prefix: str
    schema: str
    namespace: str
    build: Callable[[Record, MetadataDocument], etree._Element]


# --- Dublin Core --------------------------------------------------------------------------------


def _dc(parent: etree._Element, name: str, text: str | None) -> None:
    if text:
        etree.SubElement(parent, f"{{{DC_NS}}}{name}").text = _clean(text)


def _clean(text: str) -> str:
    return _NOT_XML.sub("", text)


def oai_dc(record: Record, document: MetadataDocument) -> etree._Element:
    root = etree.Element(f"{{{OAI_DC_NS}}}dc", nsmap={"oai_dc": OAI_DC_NS, "dc": DC_NS, "xsi": XSI_NS})
    root.set(SCHEMA_LOCATION, f"{OAI_DC_NS} http://www.openarchives.org/OAI/2.0/oai_dc.xsd")
    for title in document.titles:
        _dc(root, "title", title.title)
    for creator in document.creators:
        _dc(root, "creator", creator.name)
    for subject in document.subjects:
        _dc(root, "subject", subject.subject)
    for description in document.descriptions:
        _dc(root, "description", description.description)
    _dc(root, "description", document.lineage)
    _dc(root, "publisher", document.publisher or settings.DOI_PUBLISHER)
    for contributor in document.contributors:
        _dc(root, "contributor", contributor.name)
    _dc(root, "date", record.publication_date.isoformat())
    if document.access.level is AccessLevel.embargoed and document.access.embargo_until:
        _dc(root, "date", f"info:eu-repo/date/embargoEnd/{document.access.embargo_until.isoformat()}")
    _dc(root, "type", document.resource_type.general.value)
    _dc(root, "type", document.resource_type.type)
    if file_summary.summarised(record):  # many files: their extensions, not ten thousand rows
        names = file_summary.format_names(record.file_extensions)
    else:
        names = [] if record.is_withdrawn else [f.name for f in record.files.all()]
    for media_type in dict.fromkeys(mimetypes.guess_type(name)[0] or "application/octet-stream" for name in names):
        _dc(root, "format", media_type)
    _dc(root, "identifier", f"https://doi.org/{record.doi}")
    _dc(root, "identifier", record.landing_url)
    _dc(root, "language", document.language)
    for related in document.related_identifiers:
        value = related.identifier
        _dc(root, "relation", f"https://doi.org/{value}" if related.identifier_type == "DOI" else value)
    for location in document.geo_locations:
        _dc(root, "coverage", location.place)
        if location.box:
            b = location.box
            _dc(root, "coverage", f"westlimit={b.west}; eastlimit={b.east}; southlimit={b.south}; northlimit={b.north}")
        if location.point:
            _dc(root, "coverage", f"east={location.point.longitude}; north={location.point.latitude}")
    if extent := document.temporal_extent:
        end = extent.end.isoformat() if extent.end else ""
        _dc(root, "coverage", f"start={extent.start.isoformat()}; end={end}; scheme=W3C-DTF")
    for rights in document.rights:
        _dc(root, "rights", rights.title)
        _dc(root, "rights", rights.uri)
    embargoed = document.access.level is AccessLevel.embargoed
    _dc(root, "rights", "info:eu-repo/semantics/embargoedAccess" if embargoed else "info:eu-repo/semantics/openAccess")
    return root


# --- DataCite -----------------------------------------------------------------------------------


def datacite(record: Record, document: MetadataDocument) -> etree._Element:
    sizes, formats = file_summary.datacite_sizes_formats(record)
    xml = to_datacite_xml(
        document, doi=record.doi, publication_year=record.publication_date.year, sizes=sizes, formats=formats
    )
    # A parser per call: lxml parsers must not be shared between the web process's threads.
    return etree.fromstring(xml, etree.XMLParser(remove_blank_text=True))


def datacentre_symbol() -> str:
    return (settings.DATACITE_USERNAME or settings.SITE_NAME).upper()


def oai_datacite(record: Record, document: MetadataDocument) -> etree._Element:
    root = etree.Element(f"{{{OAI_DATACITE_NS}}}oai_datacite", nsmap={None: OAI_DATACITE_NS, "xsi": XSI_NS})
    root.set(SCHEMA_LOCATION, f"{OAI_DATACITE_NS} http://schema.datacite.org/oai/oai-1.1/oai.xsd")
    etree.SubElement(root, f"{{{OAI_DATACITE_NS}}}schemaVersion").text = DATACITE_SCHEMA_VERSION
    etree.SubElement(root, f"{{{OAI_DATACITE_NS}}}datacentreSymbol").text = datacentre_symbol()
    etree.SubElement(root, f"{{{OAI_DATACITE_NS}}}payload").append(datacite(record, document))
    return root


# --- ISO 19115-3 --------------------------------------------------------------------------------


def iso19115_3(record: Record, document: MetadataDocument) -> etree._Element:
    """As the record's export, its lineage with the deposit and review (`oai.selectors.harvest_page`
    prefetched the deposit's history; a withdrawn record, which could name no one, is only a header)."""
    resource = IsoResource.from_record(record, history=published_history(record))
    return to_iso19115_3_element(document, resource=resource)


FORMATS: dict[str, MetadataFormat] = {
    f.prefix: f
    for f in [
        MetadataFormat("oai_dc", "http://www.openarchives.org/OAI/2.0/oai_dc.xsd", OAI_DC_NS, oai_dc),
        MetadataFormat("oai_datacite", "http://schema.datacite.org/oai/oai-1.1/oai.xsd", OAI_DATACITE_NS, oai_datacite),
        MetadataFormat("datacite", "http://schema.datacite.org/meta/kernel-4.6/metadata.xsd", DATACITE_NS, datacite),
        MetadataFormat(
            "iso19115-3",
            "https://schemas.isotc211.org/19115/-3/mdb/2.0/mdb.xsd",
            "http://standards.iso.org/iso/19115/-3/mdb/2.0",
            iso19115_3,
        ),
    ]
}
