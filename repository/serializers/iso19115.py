"""The ISO 19115-3:2018 XML (`mdb` 2.0) of a published record: what geospatial catalogues
(GeoNetwork, Sextant, the national federated catalogue) harvest.

Built with lxml against the official schemas (valid against `mdb/2.0/mdb.xsd`), following the
conventions of GeoNetwork's `iso19115-3.2018` profile so that its indexer reads every field:
codelists point at ISO's codelist catalogue and carry their value as `codeListValue`; languages
are ISO 639-2/B codes from the Library of Congress list; links to concept, thesaurus, licence,
ORCID, ROR and DOI URIs are `gcx:Anchor`s; the metadata identifier is a `gco:CharacterString`
UUID (GeoNetwork's record key, which must not contain a slash: a DOI cannot be one); the DOI is
the resource identifier (codeSpace `doi.org`) and an online resource of protocol `DOI`, as
GeoNetwork's own `doi-add` process writes it. GeoNetwork's own rules for the profile (ISO,
INSPIRE, "ready for DOI": repository/conformance) pass on every record, INSPIRE's on every record
with a location (tests/repository/test_conformance_iso.py).

What goes where, beyond the obvious:
- creators are cited parties of role `author`, contributors get the role closest to their DataCite
  type, the publisher `publisher` (and `distributor`), funders `funder`; a person with an
  affiliation is a `CI_Individual` inside the `CI_Organisation` of the first affiliation (further
  affiliations follow as organisations), with ORCID and ROR as `partyIdentifier`s;
- the point of contact is `mri:pointOfContact`, with its e-mail address (ISO's contact is there to
  be written to, unlike DataCite's public metadata), on its organisation too when it has one (where
  INSPIRE's rules and OWSLib look); the publisher is also a `mri:pointOfContact` of role
  `publisher` (GeoNetwork's DOI check reads it there); the metadata contact (the repository) has
  a position, which INSPIRE reads as its role;
- a version names its concept (the record of all versions) as `mdb:parentMetadata`;
- the abstract is `mri:abstract`; the purpose is what the funded projects were (award titles);
  funders and awards are credits; lineage and Methods descriptions are the lineage statement
  (else the sources named), related resources the data were derived from or compiled with are its
  sources; other descriptions are supplemental information;
- keywords are grouped by (thesaurus, keyword type): each concept is a `gcx:Anchor` to its URI,
  the group cites its thesaurus (title anchored to the thesaurus URI, which is also its
  identifier); `parameter` keywords are `theme`, as GeoNetwork does; places are `place` keywords;
  the community is a `dataCentre` keyword and gives the topic category; an INSPIRE theme (the
  depositor's, else the community's, for data with a location: `inspire.py`) cites the INSPIRE
  themes register with its date;
- a box crossing the antimeridian (west > east) is written as its two halves, west…180 and
  -180…east, in the same extent: ISO allows west > east, but catalogues' spatial indexes do not
  all read it; points are boxes of no size; polygons are GML 3.2 polygons in EPSG:4326
  (latitude first, as the CRS defines its axes) with their box; a place with no shape is a
  geographic description; data with no location at all are a `nonGeographicDataset` (ISO 19115-1
  requires a geographic extent of a `dataset`); the temporal extent is a `gml:TimePeriod` whose
  end is `indeterminatePosition="now"` while collection goes on; depths are a vertical extent in
  EPSG:5715 (MSL depth), altitudes in EPSG:5714 (MSL height);
- the licence is a legal constraint (`license`, anchored to its text and SPDX id); access is a
  second one (`otherRestrictions` with the info:eu-repo access right: open, or embargoed with the
  day the files open, which is also the citation's `released` date); each states its conditions
  of access and use as `useLimitation` (INSPIRE): the depositor's `use_conditions` on the (first)
  licence, else what the licence sets;
- related identifiers are associated resources (DataCite's relation type kept in the citation;
  IsDerivedFrom is a `crossReference`, not a `revisionOf`: a derived product is no revision);
- the lineage mirrors the record's PROV-O provenance (`prov.py`): the sources are the resources
  the data were derived from or compiled with and the version before; the process steps are the
  acquisition and processing (its period, instruments, platforms, campaigns and places), the deposit
  (its depositors as processors) and the review (the community's moderators, never by name) when
  the caller gives the deposit's history (the export and OAI-PMH do), and a
  withdrawal; without a lineage of the depositor's, the steps make the statement;
- the measured variables are a `mrc:MD_CoverageDescription` (content information) of physical
  measurements, one `MD_RangeDimension` a variable: its name in the files and its concept as
  identifiers (`mrc:name`; the concept a `gcx:Anchor`), what it is and its unit as the file writes
  it as its description. Not an `MD_SampleDimension`, which could carry the unit as a
  `gml:UnitDefinition`: ISO 19115-1 (and GeoNetwork's rules) want one to give its values' range
  or mean, which the document does not know;
- the distribution lists the DOI, the landing page and every file's download URL, size and
  SHA-256 (an embargoed file says until when); a withdrawn record lists no file and its status
  is `withdrawn`; a record with more than `PUBLISH_FILES_LISTED_MAX` files gives their formats
  and total size from its summary and, instead of one online resource each, the list of their
  download URLs (`files.txt`) and the linkset, which name them all.
"""

from __future__ import annotations

import mimetypes
import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from django.conf import settings
from django.urls import reverse
from lxml import etree

from core.file_names import base_name
from repository.catalog import this_repository
from repository.metadata import (
    AccessLevel,
    BoundingBox,
    ContributorType,
    Creator,
    DateType,
    DescriptionType,
    FunderIdentifierType,
    GeoLocation,
    KeywordType,
    MetadataDocument,
    NameType,
    RelatedIdentifier,
    RelationType,
    ResourceTypeGeneral,
    Subject,
    VerticalReference,
)
from repository.variables import concept_label

from . import inspire, prov
from .vocab import (
    EMBARGOED_ACCESS,
    INSPIRE_NO_LIMITATIONS,
    ISNI_URI,
    OPEN_ACCESS,
    SPDX_URI,
    doi_url,
    identifier_url,
    orcid_url,
)

MEDIA_TYPE = "application/vnd.iso.19115-3+xml"

NS = {
    "mdb": "http://standards.iso.org/iso/19115/-3/mdb/2.0",
    "cit": "http://standards.iso.org/iso/19115/-3/cit/2.0",
    "gco": "http://standards.iso.org/iso/19115/-3/gco/1.0",
    "gcx": "http://standards.iso.org/iso/19115/-3/gcx/1.0",
    "gex": "http://standards.iso.org/iso/19115/-3/gex/1.0",
    "lan": "http://standards.iso.org/iso/19115/-3/lan/1.0",
    "mcc": "http://standards.iso.org/iso/19115/-3/mcc/1.0",
    "mco": "http://standards.iso.org/iso/19115/-3/mco/1.0",
    "mrd": "http://standards.iso.org/iso/19115/-3/mrd/1.0",
    "mri": "http://standards.iso.org/iso/19115/-3/mri/1.0",
    "mrl": "http://standards.iso.org/iso/19115/-3/mrl/2.0",
    "mrs": "http://standards.iso.org/iso/19115/-3/mrs/1.0",
    "mrc": "http://standards.iso.org/iso/19115/-3/mrc/2.0",
    "gml": "http://www.opengis.net/gml/3.2",
    "xlink": "http://www.w3.org/1999/xlink",
    "xsi": "http://www.w3.org/2001/XMLSchema-instance",
}
SCHEMA_LOCATION = f"{NS['mdb']} https://schemas.isotc211.org/19115/-3/mdb/2.0/mdb.xsd"
CODELISTS = "http://standards.iso.org/iso/19115/resources/Codelists/cat/codelists.xml"
LANGUAGE_CODELIST = "http://www.loc.gov/standards/iso639-2/"
XLINK_HREF = f"{{{NS['xlink']}}}href"
GML_ID = f"{{{NS['gml']}}}id"

EPSG = "http://www.opengis.net/def/crs/EPSG/0/"
# The position INSPIRE reads as the metadata contact's role.
METADATA_CONTACT_POSITION = "Repository administrator"
# Metadata identifiers are UUIDs derived from the DOI, so that they never change (not even when
# the site's address does) and never collide between two Estran installations.
METADATA_UUID_NAMESPACE = uuid.UUID("5b0f7f7e-3f55-5e1f-9c4d-6b3c1f3e0a11")

# Characters XML 1.0 cannot carry (lxml refuses them): control characters pasted from a PDF.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

# ISO 639-1 → ISO 639-2/B, for the languages a depositor of Earth-system data is likely to use.
LANGUAGES_639_2 = {
    "ar": "ara",
    "ca": "cat",
    "cs": "cze",
    "da": "dan",
    "de": "ger",
    "el": "gre",
    "en": "eng",
    "es": "spa",
    "et": "est",
    "eu": "baq",
    "fi": "fin",
    "fr": "fre",
    "ga": "gle",
    "hr": "hrv",
    "hu": "hun",
    "is": "ice",
    "it": "ita",
    "ja": "jpn",
    "ko": "kor",
    "lt": "lit",
    "lv": "lav",
    "mt": "mlt",
    "nl": "dut",
    "no": "nor",
    "oc": "oci",
    "pl": "pol",
    "pt": "por",
    "ro": "rum",
    "ru": "rus",
    "sk": "slo",
    "sl": "slv",
    "sv": "swe",
    "tr": "tur",
    "uk": "ukr",
    "zh": "chi",
    "br": "bre",
    "co": "cos",
}

# The resource's scope (MD_ScopeCode) by DataCite resourceTypeGeneral; anything else is a dataset.
SCOPE_CODES = {
    ResourceTypeGeneral.collection: "collection",
    ResourceTypeGeneral.software: "software",
    ResourceTypeGeneral.computational_notebook: "software",
    ResourceTypeGeneral.workflow: "software",
    ResourceTypeGeneral.model: "model",
    ResourceTypeGeneral.service: "service",
    ResourceTypeGeneral.physical_object: "sample",
    ResourceTypeGeneral.project: "initiative",
    **dict.fromkeys(
        (
            ResourceTypeGeneral.text,
            ResourceTypeGeneral.book,
            ResourceTypeGeneral.book_chapter,
            ResourceTypeGeneral.conference_paper,
            ResourceTypeGeneral.conference_proceeding,
            ResourceTypeGeneral.data_paper,
            ResourceTypeGeneral.dissertation,
            ResourceTypeGeneral.journal,
            ResourceTypeGeneral.journal_article,
            ResourceTypeGeneral.output_management_plan,
            ResourceTypeGeneral.peer_review,
            ResourceTypeGeneral.preprint,
            ResourceTypeGeneral.report,
            ResourceTypeGeneral.standard,
            ResourceTypeGeneral.study_registration,
        ),
        "document",
    ),
}

# CI_RoleCode of a contributor, by DataCite contributorType.
CONTRIBUTOR_ROLES = {
    ContributorType.contact_person: "pointOfContact",
    ContributorType.data_collector: "collaborator",
    ContributorType.data_curator: "custodian",
    ContributorType.data_manager: "custodian",
    ContributorType.distributor: "distributor",
    ContributorType.editor: "editor",
    ContributorType.hosting_institution: "resourceProvider",
    ContributorType.producer: "originator",
    ContributorType.project_leader: "principalInvestigator",
    ContributorType.project_manager: "principalInvestigator",
    ContributorType.project_member: "collaborator",
    ContributorType.registration_agency: "mediator",
    ContributorType.registration_authority: "mediator",
    ContributorType.related_person: "stakeholder",
    ContributorType.researcher: "collaborator",
    ContributorType.research_group: "collaborator",
    ContributorType.rights_holder: "rightsHolder",
    ContributorType.sponsor: "sponsor",
    ContributorType.supervisor: "principalInvestigator",
    ContributorType.translator: "contributor",
    ContributorType.work_package_leader: "principalInvestigator",
    ContributorType.other: "contributor",
}

# CI_DateTypeCode of the document's dates; the others (Collected is the temporal extent, Coverage,
# Copyrighted, Submitted, Other) have no ISO counterpart.
DATE_TYPES = {
    DateType.created: "creation",
    DateType.issued: "publication",
    DateType.updated: "revision",
    DateType.available: "released",
    DateType.valid: "validityBegins",
    DateType.accepted: "adopted",
    DateType.withdrawn: "unavailable",
}

# DS_AssociationTypeCode of a related resource, by DataCite relationType (default crossReference).
# IsDerivedFrom is no revision (a derived product is another resource): a crossReference, and a
# source of the lineage.
ASSOCIATION_TYPES = {
    RelationType.is_part_of: "largerWorkCitation",
    RelationType.is_published_in: "largerWorkCitation",
    RelationType.has_part: "isComposedOf",
    RelationType.is_new_version_of: "revisionOf",
    RelationType.is_version_of: "revisionOf",
    RelationType.requires: "dependency",
    RelationType.is_compiled_by: "dependency",
}

KEYWORD_TYPES = {KeywordType.parameter: "theme"}  # the others keep their name

# Topic category (MD_TopicCategoryCode) of each community; Earth-system data otherwise.
TOPIC_CATEGORIES = {
    "ocean": "oceans",
    "land-surfaces": "environment",
    "atmosphere": "climatologyMeteorologyAtmosphere",
    "solid-earth": "geoscientificInformation",
    "biodiversity": "biota",
}
DEFAULT_TOPIC_CATEGORY = "geoscientificInformation"

FILE_FORMATS = {
    ".nc": "NetCDF",
    ".nc4": "NetCDF",
    ".cdf": "NetCDF",
    ".csv": "CSV",
    ".tsv": "TSV",
    ".txt": "Text",
    ".json": "JSON",
    ".geojson": "GeoJSON",
    ".tif": "GeoTIFF",
    ".tiff": "GeoTIFF",
    ".zip": "ZIP",
    ".gz": "GZIP",
    ".tar": "TAR",
    ".xlsx": "XLSX",
    ".xls": "XLS",
    ".h5": "HDF5",
    ".hdf": "HDF",
    ".shp": "ESRI Shapefile",
    ".gpkg": "GeoPackage",
    ".kml": "KML",
    ".pdf": "PDF",
    ".md": "Markdown",
    ".parquet": "Parquet",
    ".zarr": "Zarr",
    ".grib": "GRIB",
    ".grb2": "GRIB",
    ".odv": "ODV spreadsheet",
    ".mat": "MATLAB",
}


@dataclass(frozen=True)
class Party:
    """An organisation that answers for the metadata, publishes and distributes the resource."""

    name: str
    email: str = ""
    url: str = ""
    ror: str | None = None


@dataclass(frozen=True)
class DistributedFile:
    name: str
    url: str
    size: int
    sha256: str = ""


@dataclass(frozen=True)
class FileListing:
    """The files of a record that has too many to list (`repository.file_summary`): their number,
    total size and extensions, and where they are listed: the download URLs one a line, the linkset."""

    count: int
    size: int
    extensions: Sequence[str]
    urls_url: str
    linkset_url: str


@dataclass(frozen=True)
class IsoResource:
    """What the repository knows about a record beyond its metadata document."""

    doi: str
    landing_url: str
    publication_date: date
    created: datetime
    modified: datetime
    repository: Party
    metadata_url: str = ""
    files: Sequence[DistributedFile] = field(default_factory=tuple)
    community_slug: str = ""
    community_name: str = ""
    withdrawn_at: datetime | None = None
    today: date | None = None
    concept_doi: str | None = None  # the DOI of all the versions, once there are two
    listing: FileListing | None = None  # instead of `files`, for a record with many
    history: prov.DepositHistory | None = None  # its deposit and review: process steps of its lineage

    @classmethod
    def from_record(
        cls,
        record,
        files: Iterable | None = None,
        *,
        today: date | None = None,
        history: prov.DepositHistory | None = None,
    ) -> IsoResource:
        """The context of a `repository.models.Record` (its files: `files`, else `record.files`;
        `history`: its deposit's, when the caller read it)."""
        site = settings.SITE_URL
        repository = this_repository()
        listing = None
        if record.files_summarised and not record.is_withdrawn:
            listing = FileListing(
                count=record.file_count,
                size=record.files_size,
                extensions=tuple(record.file_extensions),
                urls_url=site + reverse("repository:files-urls", kwargs={"pk": record.pk}),
                linkset_url=site + reverse("repository:export", kwargs={"pk": record.pk, "fmt": "linkset"}),
            )
            files = ()  # never read: the listing stands for them
        files = record.files.all() if files is None else files
        community = record.community
        return cls(
            doi=record.doi,
            landing_url=record.landing_url,
            metadata_url=site + reverse("repository:export", kwargs={"pk": record.pk, "fmt": "iso19115-3"}),
            publication_date=record.publication_date,
            created=record.created,
            modified=record.modified,
            repository=Party(
                name=repository.organization, email=settings.OAI_ADMIN_EMAIL, url=repository.url, ror=repository.ror
            ),
            files=tuple(
                DistributedFile(
                    name=f.name,
                    url=site + reverse("repository:file-download", kwargs={"pk": record.pk, "name": f.name}),
                    size=f.size,
                    sha256=f.sha256,
                )
                for f in files
            )
            if not record.is_withdrawn
            else (),
            community_slug=community.slug,
            community_name=f"{community.name} ({community.acronym})" if community.acronym else community.name,
            withdrawn_at=record.withdrawn_at if record.is_withdrawn else None,
            today=today,
            concept_doi=record.concept.pid.doi if record.concept.pid_id else None,
            listing=listing,
            history=history,
        )


# --- Building blocks ----------------------------------------------------------------------------

_TAGS: dict[str, str] = {}


def _tag(name: str) -> str:
    tag = _TAGS.get(name)
    if tag is None:
        prefix, local = name.split(":")
        tag = _TAGS[name] = f"{{{NS[prefix]}}}{local}"
    return tag


def _clean(value: str) -> str:
    return _NOT_XML.sub("", value)


def _el(parent: etree._Element, name: str, text: str | None = None, **attrs: str) -> etree._Element:
    el = etree.SubElement(parent, _tag(name))
    for key, value in attrs.items():
        el.set(key, value)
    if text is not None:
        el.text = _clean(text)
    return el


def _path(parent: etree._Element, *names: str) -> etree._Element:
    """Nested elements, one per name; returns the innermost."""
    for name in names:
        parent = etree.SubElement(parent, _tag(name))
    return parent


def _string(parent: etree._Element, name: str, text: str) -> etree._Element:
    """`<name><gco:CharacterString>text</…></name>`."""
    prop = _el(parent, name)
    _el(prop, "gco:CharacterString", text)
    return prop


def _anchor(parent: etree._Element, name: str, text: str, href: str | None) -> etree._Element:
    """`<name><gcx:Anchor xlink:href=…>text</…></name>`, a CharacterString when there is no URI."""
    if not href:
        return _string(parent, name, text)
    prop = _el(parent, name)
    anchor = _el(prop, "gcx:Anchor", text)
    anchor.set(XLINK_HREF, _clean(href))
    return prop


def _code(parent: etree._Element, name: str, code_element: str, value: str) -> etree._Element:
    """A codelist value, GeoNetwork's way: the catalogue URL with the codelist's name as fragment."""
    prop = _el(parent, name)
    codelist = code_element.split(":")[1]
    _el(prop, code_element, value, codeList=f"{CODELISTS}#{codelist}", codeListValue=value)
    return prop


def _number(value: float) -> str:
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text


def _datetime(value: datetime) -> str:
    if value.tzinfo is not None:
        value = value.astimezone(UTC)
    return value.replace(microsecond=0, tzinfo=None).isoformat() + "Z"


def _date_prop(parent: etree._Element, name: str, when: date | datetime | str, kind: str) -> None:
    """`<name><cit:CI_Date>` with a gco:Date (a day, a month or a year) or gco:DateTime."""
    ci_date = _path(parent, name, "cit:CI_Date")
    date_el = _el(ci_date, "cit:date")
    if isinstance(when, datetime):
        _el(date_el, "gco:DateTime", _datetime(when))
    else:
        _el(date_el, "gco:Date", when.isoformat() if isinstance(when, date) else when)
    _code(ci_date, "cit:dateType", "cit:CI_DateTypeCode", kind)


def _locale(parent: etree._Element, name: str, language: str | None) -> None:
    locale = _path(parent, name, "lan:PT_Locale")
    primary = (language or "en").split("-")[0].lower()
    code = LANGUAGES_639_2.get(primary, primary)
    lang = _el(locale, "lan:language")
    _el(lang, "lan:LanguageCode", code, codeList=LANGUAGE_CODELIST, codeListValue=code)
    _code(locale, "lan:characterEncoding", "lan:MD_CharacterSetCode", "utf8")


def _identifier(
    parent: etree._Element,
    name: str,
    code: str,
    href: str | None,
    *,
    code_space: str | None = None,
    description: str | None = None,
) -> None:
    md_id = _path(parent, name, "mcc:MD_Identifier")
    _anchor(md_id, "mcc:code", code, href)
    if code_space:
        _string(md_id, "mcc:codeSpace", code_space)
    if description:
        _string(md_id, "mcc:description", description)


def _online(
    parent: etree._Element,
    name: str,
    url: str,
    *,
    protocol: str | None = None,
    label: str | None = None,
    description: str | None = None,
    function: str | None = None,
) -> None:
    resource = _path(parent, name, "cit:CI_OnlineResource")
    _string(resource, "cit:linkage", url)
    if protocol:
        _string(resource, "cit:protocol", protocol)
    if label:
        _string(resource, "cit:name", label)
    if description:
        _string(resource, "cit:description", description)
    if function:
        _code(resource, "cit:function", "cit:CI_OnLineFunctionCode", function)


# --- Parties ------------------------------------------------------------------------------------


def _contact_info(party: etree._Element, *, email: str | None = None, url: str | None = None) -> None:
    if not (email or url):
        return
    contact = _path(party, "cit:contactInfo", "cit:CI_Contact")
    if email:
        _string(_path(contact, "cit:address", "cit:CI_Address"), "cit:electronicMailAddress", email)
    if url:
        _online(contact, "cit:onlineResource", url, protocol="WWW:LINK", function="information")


def _ror_identifier(party: etree._Element, ror: str | None) -> None:
    if ror:
        _identifier(party, "cit:partyIdentifier", ror, ror, code_space="ROR")


def _orcid_identifier(party: etree._Element, orcid: str | None) -> None:
    if orcid:
        url = orcid_url(orcid)
        _identifier(party, "cit:partyIdentifier", url, url, code_space="ORCID")


def _organisation(
    parent: etree._Element, name: str, *, ror: str | None = None, email: str | None = None, url: str | None = None
) -> etree._Element:
    org = _path(parent, "cit:party", "cit:CI_Organisation")
    _string(org, "cit:name", name)
    _contact_info(org, email=email, url=url)
    _ror_identifier(org, ror)
    return org


def _individual(parent: etree._Element, name: str, *, orcid: str | None = None, email: str | None = None) -> None:
    person = _el(parent, "cit:CI_Individual")
    _string(person, "cit:name", name)
    _contact_info(person, email=email)
    _orcid_identifier(person, orcid)


def _responsibility(parent: etree._Element, name: str, role: str) -> etree._Element:
    responsibility = _path(parent, name, "cit:CI_Responsibility")
    _code(responsibility, "cit:role", "cit:CI_RoleCode", role)
    return responsibility


def _person_or_organisation(parent: etree._Element, name: str, role: str, creator: Creator) -> None:
    responsibility = _responsibility(parent, name, role)
    if creator.name_type is NameType.organizational:
        _organisation(responsibility, creator.name, ror=creator.ror)
        for affiliation in creator.affiliations:
            _organisation(responsibility, affiliation.name, ror=affiliation.ror)
        return
    if not creator.affiliations:
        _individual(_el(responsibility, "cit:party"), creator.name, orcid=creator.orcid)
        return
    first, *others = creator.affiliations
    org = _organisation(responsibility, first.name, ror=first.ror)
    _individual(_el(org, "cit:individual"), creator.name, orcid=creator.orcid)
    for affiliation in others:
        _organisation(responsibility, affiliation.name, ror=affiliation.ror)


def _repository_party(
    parent: etree._Element, name: str, role: str, party: Party, *, position: str | None = None
) -> None:
    responsibility = _responsibility(parent, name, role)
    org = _organisation(responsibility, party.name, ror=party.ror, email=party.email or None, url=party.url or None)
    if position:
        # INSPIRE reads the contact's role from the position of an individual of the organisation.
        _string(_path(org, "cit:individual", "cit:CI_Individual"), "cit:positionName", position)


def _point_of_contact(parent: etree._Element, document: MetadataDocument) -> None:
    """The resource's contact. An organisation's contact address is the organisation's too: that
    is where GeoNetwork's INSPIRE rules and OWSLib look for the responsible organisation's e-mail."""
    contact = document.point_of_contact
    responsibility = _responsibility(parent, "mri:pointOfContact", "pointOfContact")
    if contact.organisation:
        org = _organisation(responsibility, contact.organisation, email=contact.email)
        _individual(_el(org, "cit:individual"), contact.name, orcid=contact.orcid, email=contact.email)
    else:
        _individual(_el(responsibility, "cit:party"), contact.name, orcid=contact.orcid, email=contact.email)


def _publisher_contact(parent: etree._Element, document: MetadataDocument, resource: IsoResource) -> None:
    """The publisher as a point of contact of role `publisher`, where GeoNetwork's DOI check looks
    for it; with the repository's address when the repository publishes (the usual case)."""
    publisher = document.publisher or resource.repository.name
    repository = resource.repository
    responsibility = _responsibility(parent, "mri:pointOfContact", "publisher")
    if publisher == repository.name:
        _organisation(
            responsibility, publisher, ror=repository.ror, email=repository.email or None, url=repository.url or None
        )
    else:
        _organisation(responsibility, publisher)


def _funder_identifier(party: etree._Element, funding) -> None:
    value, kind = funding.funder_identifier, funding.funder_identifier_type
    if not (value and kind):
        return
    href = {
        FunderIdentifierType.ror: value,
        FunderIdentifierType.crossref_funder_id: value,
        FunderIdentifierType.isni: ISNI_URI + value,
    }.get(kind)
    _identifier(party, "cit:partyIdentifier", value, href, code_space=kind.value)


# --- Sections -----------------------------------------------------------------------------------


def _citation(parent: etree._Element, document: MetadataDocument, resource: IsoResource) -> None:
    citation = _path(parent, "mri:citation", "cit:CI_Citation")
    _string(citation, "cit:title", document.title)
    for title in document.titles[1:]:
        _string(citation, "cit:alternateTitle", title.title)
    _date_prop(citation, "cit:date", resource.publication_date, "publication")
    seen = {("publication", resource.publication_date.isoformat())}
    if document.access.level is AccessLevel.embargoed and document.access.embargo_until:
        seen.add(("released", document.access.embargo_until.isoformat()))
        _date_prop(citation, "cit:date", document.access.embargo_until, "released")
    if resource.withdrawn_at:
        seen.add(("unavailable", resource.withdrawn_at.date().isoformat()))
        _date_prop(citation, "cit:date", resource.withdrawn_at.date(), "unavailable")
    for entry in document.dates:
        kind = DATE_TYPES.get(entry.date_type)
        when = entry.date.split("/")[0]  # a range's start; an open start has nothing to say
        if kind and when and (kind, when) not in seen:
            seen.add((kind, when))
            _date_prop(citation, "cit:date", when, kind)
    if document.version:
        _string(citation, "cit:edition", document.version)
    doi_link = doi_url(resource.doi)
    _identifier(
        citation,
        "cit:identifier",
        doi_link,
        doi_link,
        code_space="doi.org",
        description="Digital Object Identifier (DOI)",
    )
    for creator in document.creators:
        _person_or_organisation(citation, "cit:citedResponsibleParty", "author", creator)
    for contributor in document.contributors:
        role = CONTRIBUTOR_ROLES.get(contributor.contributor_type, "contributor")
        _person_or_organisation(citation, "cit:citedResponsibleParty", role, contributor)
    publisher = document.publisher or resource.repository.name
    ror = resource.repository.ror if publisher == resource.repository.name else None
    _organisation(_responsibility(citation, "cit:citedResponsibleParty", "publisher"), publisher, ror=ror)
    for funding in document.funding_references:
        responsibility = _responsibility(citation, "cit:citedResponsibleParty", "funder")
        org = _organisation(responsibility, funding.funder_name)
        _funder_identifier(org, funding)
    for description in document.descriptions:
        if description.description_type is DescriptionType.series_information:
            _string(_path(citation, "cit:series", "cit:CI_Series"), "cit:name", description.description)
            break
    _online(
        citation,
        "cit:onlineResource",
        resource.landing_url,
        protocol="WWW:LINK",
        label="Landing page",
        function="information",
    )


def _credits(document: MetadataDocument) -> list[str]:
    lines = []
    for funding in document.funding_references:
        text = funding.funder_name
        if funding.award_number:
            text += f", grant {funding.award_number}"
        if funding.award_title:
            text += f" ({funding.award_title})"
        lines.append(text)
    return lines


def _purpose(document: MetadataDocument) -> str | None:
    projects = [f.award_title for f in document.funding_references if f.award_title]
    if not projects:
        return None
    return "Produced within " + "; ".join(dict.fromkeys(projects)) + "."


def _boxes(box: BoundingBox) -> list[tuple[float, float, float, float]]:
    if box.west > box.east:
        return [(box.west, 180.0, box.south, box.north), (-180.0, box.east, box.south, box.north)]
    return [(box.west, box.east, box.south, box.north)]


def _envelope(points) -> BoundingBox:
    """The smallest box around a ring; across the antimeridian (west > east) when that is smaller."""
    lons, lats = [p.longitude for p in points], [p.latitude for p in points]
    west, east = min(lons), max(lons)
    if east - west > 180:
        shifted = [lon % 360 for lon in lons]  # -176 is 184: the ring seen from the antimeridian
        if max(shifted) - min(shifted) < east - west:
            west, east = (min(shifted) + 180) % 360 - 180, (max(shifted) + 180) % 360 - 180
    return BoundingBox(west=west, east=east, south=min(lats), north=max(lats))


def _bbox(extent: etree._Element, west: float, east: float, south: float, north: float) -> None:
    box = _path(extent, "gex:geographicElement", "gex:EX_GeographicBoundingBox")
    for name, value in (("west", west), ("east", east), ("south", south), ("north", north)):
        bound = "Longitude" if name in ("west", "east") else "Latitude"
        _el(_el(box, f"gex:{name}Bound{bound}"), "gco:Decimal", _number(value))


def _polygon(extent: etree._Element, location: GeoLocation, gml_id: str) -> None:
    prop = _path(extent, "gex:geographicElement", "gex:EX_BoundingPolygon", "gex:polygon")
    polygon = _el(prop, "gml:Polygon", srsName=EPSG + "4326")
    polygon.set(GML_ID, gml_id)
    ring = _path(polygon, "gml:exterior", "gml:LinearRing")
    # EPSG:4326 is latitude, longitude; the document keeps the ring closed.
    _el(
        ring,
        "gml:posList",
        " ".join(f"{_number(p.latitude)} {_number(p.longitude)}" for p in location.polygon),
        srsDimension="2",
    )


def _extent(parent: etree._Element, document: MetadataDocument, id_prefix: str) -> None:
    """`id_prefix` keeps GML ids unique in a response holding many records (they are XML IDs)."""
    locations = document.geo_locations
    temporal, vertical = document.temporal_extent, document.vertical_extent
    if not (locations or temporal or vertical):
        return
    extent = _path(parent, "mri:extent", "gex:EX_Extent")
    places = [location.place for location in locations if location.place]
    if places:
        _string(extent, "gex:description", "; ".join(dict.fromkeys(places)))
    for index, location in enumerate(locations, start=1):
        if location.box:
            for box in _boxes(location.box):
                _bbox(extent, *box)
        if location.point:
            lon, lat = location.point.longitude, location.point.latitude
            _bbox(extent, lon, lon, lat, lat)
        if location.polygon:
            if not location.box:  # catalogues' spatial indexes read boxes: the polygon's too
                for box in _boxes(_envelope(location.polygon)):
                    _bbox(extent, *box)
            _polygon(extent, location, f"{id_prefix}-polygon-{index}")
        if location.place and not (location.box or location.point or location.polygon):
            # A place with no shape is a geographic description, identified by its name.
            description = _path(extent, "gex:geographicElement", "gex:EX_GeographicDescription")
            _identifier(description, "gex:geographicIdentifier", location.place, None)
    if temporal:
        period = _el(_path(extent, "gex:temporalElement", "gex:EX_TemporalExtent", "gex:extent"), "gml:TimePeriod")
        period.set(GML_ID, f"{id_prefix}-time")
        _el(period, "gml:beginPosition", temporal.start.isoformat())
        if temporal.end:
            _el(period, "gml:endPosition", temporal.end.isoformat())
        else:
            _el(period, "gml:endPosition", indeterminatePosition="now")
    if vertical:
        element = _path(extent, "gex:verticalElement", "gex:EX_VerticalExtent")
        _el(_el(element, "gex:minimumValue"), "gco:Real", _number(vertical.minimum))
        _el(_el(element, "gex:maximumValue"), "gco:Real", _number(vertical.maximum))
        code, name = ("5715", "MSL depth") if vertical.reference is VerticalReference.depth else ("5714", "MSL height")
        crs = _path(element, "gex:verticalCRSId", "mrs:MD_ReferenceSystem")
        _identifier(
            crs,
            "mrs:referenceSystemIdentifier",
            f"EPSG:{code}",
            EPSG + code,
            code_space="EPSG",
            description=f"{name} (metres)",
        )
        _code(crs, "mrs:referenceSystemType", "mrs:MD_ReferenceSystemTypeCode", "vertical")


def _keyword_groups(document: MetadataDocument, resource: IsoResource) -> list[tuple[tuple, list[Subject]]]:
    """Keywords grouped by (thesaurus title, thesaurus URI, ISO keyword type), in the order they
    first appear; places of the geo locations are free `place` keywords."""
    groups: dict[tuple, list[Subject]] = {}
    subjects = list(document.subjects)
    if not any(inspire.is_theme(s) for s in subjects):
        # INSPIRE wants a theme: the community's, when the depositor chose none.
        subjects += [
            Subject(
                subject=theme.label, scheme=inspire.THEMES_TITLE, scheme_uri=inspire.THEMES_URI, value_uri=theme.uri
            )
            for theme in inspire.themes(document, resource.community_slug)
        ]
    for subject in subjects:
        kind = KEYWORD_TYPES.get(subject.keyword_type, subject.keyword_type.value)
        if inspire.is_theme(subject):
            groups.setdefault((inspire.THEMES_TITLE, inspire.THEMES_URI, kind), []).append(subject)
            continue
        groups.setdefault((subject.scheme or "", subject.scheme_uri or "", kind), []).append(subject)
    known = {s.subject.casefold() for s in document.subjects}
    for location in document.geo_locations:
        if location.place and location.place.casefold() not in known:
            known.add(location.place.casefold())
            groups.setdefault(("", "", "place"), []).append(Subject(subject=location.place, keyword_type="place"))
    if resource.community_name:
        groups.setdefault(("", "", "dataCentre"), []).append(
            Subject(subject=resource.community_name, keyword_type="theme")
        )
    return list(groups.items())


def _keywords(parent: etree._Element, document: MetadataDocument, resource: IsoResource) -> None:
    for (scheme, scheme_uri, kind), subjects in _keyword_groups(document, resource):
        keywords = _path(parent, "mri:descriptiveKeywords", "mri:MD_Keywords")
        for subject in subjects:
            _anchor(keywords, "mri:keyword", subject.subject, subject.value_uri)
        _code(keywords, "mri:type", "mri:MD_KeywordTypeCode", kind)
        if scheme or scheme_uri:
            thesaurus = _path(keywords, "mri:thesaurusName", "cit:CI_Citation")
            _anchor(thesaurus, "cit:title", scheme or scheme_uri, scheme_uri or None)
            if scheme_uri == inspire.THEMES_URI:  # INSPIRE cites a thesaurus with its date
                _date_prop(thesaurus, "cit:date", inspire.THEMES_DATE, "publication")
            if scheme_uri:
                _identifier(thesaurus, "cit:identifier", scheme_uri, scheme_uri)


def _constraints(parent: etree._Element, document: MetadataDocument, resource: IsoResource) -> None:
    """The licence and the access, each a legal constraint whose `useLimitation` states the
    conditions applying to access and use (INSPIRE asks it of every one)."""
    for index, rights in enumerate(document.rights):
        legal = _path(parent, "mri:resourceConstraints", "mco:MD_LegalConstraints")
        _string(legal, "mco:useLimitation", inspire.use_limitation(document, rights, first=index == 0))
        reference = _path(legal, "mco:reference", "cit:CI_Citation")
        _anchor(reference, "cit:title", rights.title, rights.uri)
        _identifier(
            reference, "cit:identifier", rights.identifier, f"{SPDX_URI}{rights.identifier}.html", code_space="SPDX"
        )
        _online(reference, "cit:onlineResource", rights.uri, protocol="WWW:LINK", function="information")
        _code(legal, "mco:useConstraints", "mco:MD_RestrictionCode", "license")
        _anchor(legal, "mco:otherConstraints", rights.title, rights.uri)
    access = _path(parent, "mri:resourceConstraints", "mco:MD_LegalConstraints")
    withdrawn_on = resource.withdrawn_at.date() if resource.withdrawn_at else None
    _string(access, "mco:useLimitation", inspire.access_conditions(document, withdrawn_on=withdrawn_on))
    _code(access, "mco:accessConstraints", "mco:MD_RestrictionCode", "otherRestrictions")
    if resource.withdrawn_at:
        _string(
            access,
            "mco:otherConstraints",
            f"Withdrawn on {resource.withdrawn_at.date().isoformat()}: the files are no longer available.",
        )
    elif document.access.level is AccessLevel.embargoed and document.access.embargo_until:
        until = document.access.embargo_until.isoformat()
        _anchor(
            access, "mco:otherConstraints", f"Embargoed access: the files are available from {until}.", EMBARGOED_ACCESS
        )
    else:
        _anchor(access, "mco:otherConstraints", "No limitations to public access", INSPIRE_NO_LIMITATIONS)
        _anchor(access, "mco:otherConstraints", "Open access", OPEN_ACCESS)


def _related_citation(parent: etree._Element, name: str, related: RelatedIdentifier) -> None:
    url = identifier_url(related.identifier, related.identifier_type)
    citation = _path(parent, name, "cit:CI_Citation")
    general = related.resource_type_general
    label = f"{general.value} " if general else ""
    _string(citation, "cit:title", f"{label}{related.identifier}")
    _identifier(citation, "cit:identifier", related.identifier, url, code_space=related.identifier_type)
    _string(citation, "cit:otherCitationDetails", f"DataCite relationType: {related.relation_type.value}")
    if url:
        _online(citation, "cit:onlineResource", url, protocol="WWW:LINK", function="information")


def _associated_resources(parent: etree._Element, document: MetadataDocument) -> None:
    for related in document.related_identifiers:
        associated = _path(parent, "mri:associatedResource", "mri:MD_AssociatedResource")
        _related_citation(associated, "mri:name", related)
        _code(
            associated,
            "mri:associationType",
            "mri:DS_AssociationTypeCode",
            ASSOCIATION_TYPES.get(related.relation_type, "crossReference"),
        )


def _file_format(name: str) -> str:
    lower = name.lower()
    for suffix, label in FILE_FORMATS.items():
        if lower.endswith(suffix):
            return label
    guessed = mimetypes.guess_type(name)[0]
    if guessed:
        return guessed
    name = base_name(name)  # `v1.2/README` has no extension
    return name.rsplit(".", 1)[1].upper() if "." in name else "Unknown"


def _content(root: etree._Element, document: MetadataDocument) -> None:
    """The measured variables as a coverage description (see the module's docstring)."""
    if not document.variables:
        return
    coverage = _path(root, "mdb:contentInfo", "mrc:MD_CoverageDescription")
    _el(_el(coverage, "mrc:attributeDescription"), "gco:RecordType", "Measured variables, named as in the files")
    group = _path(coverage, "mrc:attributeGroup", "mrc:MD_AttributeGroup")
    _code(group, "mrc:contentType", "mrc:MD_CoverageContentTypeCode", "physicalMeasurement")
    for variable in document.variables:
        dimension = _path(group, "mrc:attribute", "mrc:MD_RangeDimension")
        what = variable.description or variable.name
        _string(dimension, "mrc:description", f"{what} ({variable.unit_text})" if variable.unit_text else what)
        name = _path(dimension, "mrc:name", "mcc:MD_Identifier")
        _string(name, "mcc:code", variable.name)
        _string(name, "mcc:description", "Name in the files")
        if variable.property_id:
            concept = _path(dimension, "mrc:name", "mcc:MD_Identifier")
            _anchor(concept, "mcc:code", concept_label(variable.property_id), variable.property_id)
            _string(concept, "mcc:description", "Concept measured")


def _distribution(root: etree._Element, document: MetadataDocument, resource: IsoResource) -> None:
    distribution = _path(root, "mdb:distributionInfo", "mrd:MD_Distribution")
    listing = resource.listing
    names = [f"file{extension}" for extension in listing.extensions] if listing else [f.name for f in resource.files]
    for label in dict.fromkeys(_file_format(name) for name in names):
        fmt = _path(distribution, "mrd:distributionFormat", "mrd:MD_Format")
        _string(_path(fmt, "mrd:formatSpecificationCitation", "cit:CI_Citation"), "cit:title", label)
    distributor = _path(distribution, "mrd:distributor", "mrd:MD_Distributor")
    _repository_party(distributor, "mrd:distributorContact", "distributor", resource.repository)
    options = _path(distribution, "mrd:transferOptions", "mrd:MD_DigitalTransferOptions")
    total = listing.size if listing else sum(f.size for f in resource.files)
    if listing or resource.files:
        _el(_el(options, "mrd:transferSize"), "gco:Real", _number(round(total / 1e6, 6)))
    doi_link = doi_url(resource.doi)
    _online(
        options, "mrd:onLine", doi_link, protocol="DOI", label="Digital Object Identifier (DOI)", function="information"
    )
    _online(
        options,
        "mrd:onLine",
        resource.landing_url,
        protocol="WWW:LINK",
        label="Landing page",
        description="The dataset's page: citation, files and versions.",
        function="information",
    )
    today = resource.today or date.today()
    embargo = document.access.embargo_until if document.access.level is AccessLevel.embargoed else None
    embargo_note = f"embargoed until {embargo.isoformat()}" if embargo and embargo > today else ""
    if listing:
        # Thousands of online resources would drown a catalogue's record: where they are listed.
        files = f"{listing.count:,} files, {listing.size:,} bytes"
        _online(
            options,
            "mrd:onLine",
            listing.urls_url,
            protocol="WWW:DOWNLOAD",
            label="File list",
            description="; ".join(filter(None, [f"The download URL of each of the {files}, one a line", embargo_note])),
            function="download",
        )
        _online(
            options,
            "mrd:onLine",
            listing.linkset_url,
            protocol="WWW:LINK",
            label="Linkset",
            description=f"Signposting linkset (RFC 9264): every file of the {files}, with its media type.",
            function="information",
        )
    for f in resource.files:
        notes = [f"{f.size} bytes"]
        if f.sha256:
            notes.append(f"SHA-256 {f.sha256}")
        if embargo_note:
            notes.append(embargo_note)
        _online(
            options,
            "mrd:onLine",
            f.url,
            protocol="WWW:DOWNLOAD",
            label=f.name,
            description="; ".join(notes),
            function="download",
        )


# Sources of the lineage beyond INSPIRE's (the resources the data come from): the version before.
REVISION_SOURCES = {RelationType.is_new_version_of: "Revision of"}


def _step_description(activity: prov.Activity, provenance: prov.Provenance) -> str | None:
    """What a step says: the acquisition's instruments, platforms, campaigns and places (its lineage is
    the statement), the other steps' own description; None for an acquisition nobody described."""
    if activity.id != provenance.generated_by:
        return f"{activity.label}: {activity.description}"
    used = [provenance.things[t] for t in activity.used]
    details = [
        (label, [t.label for t in used if kind in t.types])
        for label, kind in (("Instruments", "sosa:Sensor"), ("Platforms", "sosa:Platform"))
    ]
    details.append(("Part of", [provenance.campaigns[c].label for c in activity.part_of]))
    details.append(("Places", list(activity.places)))
    details = [f"{label}: {'; '.join(names)}." for label, names in details if names]
    if not (details or activity.started or activity.ended):
        return None
    return " ".join([f"{activity.label}.", *details])


def _step_time(step: etree._Element, activity: prov.Activity, gml_id: str) -> None:
    if not (activity.started or activity.ended):
        return
    prop = _el(step, "mrl:stepDateTime")
    if activity.started and activity.started == activity.ended:
        instant = _el(prop, "gml:TimeInstant")
        instant.set(GML_ID, gml_id)
        _el(instant, "gml:timePosition", _datetime(activity.started))
        return
    period = _el(prop, "gml:TimePeriod")
    period.set(GML_ID, gml_id)
    for name, when in (("gml:beginPosition", activity.started), ("gml:endPosition", activity.ended)):
        if when:
            _el(period, name, _datetime(when))
        else:
            _el(period, name, indeterminatePosition="unknown" if name == "gml:beginPosition" else "now")


def _processor(step: etree._Element, agent: prov.Agent) -> None:
    responsibility = _responsibility(step, "mrl:processor", "processor")
    if agent.type == "prov:Person":
        _individual(_el(responsibility, "cit:party"), agent.name, orcid=agent.orcid)
    else:
        _organisation(responsibility, agent.name, ror=agent.ror)


def _lineage(
    root: etree._Element, document: MetadataDocument, resource: IsoResource, scope: str, id_prefix: str
) -> None:
    """The statement (INSPIRE asks for one wherever there is a lineage: the sources' names when the
    depositor wrote none, else what the steps say), the sources, and the process steps: the record's
    provenance (`prov.py`) as ISO writes it, its acquisition and processing, its deposit and review
    (when the caller gave its history), its withdrawal."""
    provenance = prov.record_provenance(
        document,
        doi=resource.doi,
        landing_url=resource.landing_url,
        community=resource.community_name,
        repository_name=resource.repository.name,
        repository_ror=resource.repository.ror,
        history=resource.history,
        withdrawn_at=resource.withdrawn_at,
    )
    steps = [
        (activity, description)
        for activity in provenance.activities.values()
        if (description := _step_description(activity, provenance))
    ]
    statement = inspire.lineage_statement(document) or " ".join(description for _a, description in steps) or None
    # Related resources the data come from are sources of the lineage.
    labels = {**inspire.SOURCE_RELATIONS, **REVISION_SOURCES}
    sources = [r for r in document.related_identifiers if r.relation_type in labels]
    if not (statement or sources):
        return
    lineage = _path(root, "mdb:resourceLineage", "mrl:LI_Lineage")
    if statement:
        _string(lineage, "mrl:statement", statement)
    _code(_path(lineage, "mrl:scope", "mcc:MD_Scope"), "mcc:level", "mcc:MD_ScopeCode", scope)
    for related in sources:
        source = _path(lineage, "mrl:source", "mrl:LI_Source")
        _string(source, "mrl:description", f"{labels[related.relation_type]} {related.identifier}")
        _related_citation(source, "mrl:sourceCitation", related)
    for index, (activity, description) in enumerate(steps, start=1):
        step = _path(lineage, "mrl:processStep", "mrl:LI_ProcessStep")
        _string(step, "mrl:description", description)
        _step_time(step, activity, f"{id_prefix}-step-{index}")
        for agent_id in activity.associated:
            _processor(step, provenance.agents[agent_id])


# --- The document -------------------------------------------------------------------------------


def metadata_uuid(doi: str) -> str:
    return str(uuid.uuid5(METADATA_UUID_NAMESPACE, doi.lower()))


def _parent(root: etree._Element, document: MetadataDocument, concept_doi: str) -> None:
    """A version's parent is its concept, the record of all its versions: by the metadata identifier
    the concept DOI gives (`uuidref`, as GeoNetwork links a child to its parent, and the citation's
    identifier, where OWSLib reads it) and by the concept DOI."""
    parent = _el(root, "mdb:parentMetadata", uuidref=metadata_uuid(concept_doi))
    citation = _el(parent, "cit:CI_Citation")
    _string(citation, "cit:title", document.title)
    _identifier(citation, "cit:identifier", metadata_uuid(concept_doi), None, code_space="urn:uuid")
    concept_url = doi_url(concept_doi)
    _identifier(
        citation,
        "cit:identifier",
        concept_url,
        concept_url,
        code_space="doi.org",
        description="Concept DOI: all the versions",
    )


def to_iso19115_3_element(document: MetadataDocument, *, resource: IsoResource) -> etree._Element:
    """The document as an `mdb:MD_Metadata` element."""
    root = etree.Element(_tag("mdb:MD_Metadata"), nsmap=NS)
    root.set(f"{{{NS['xsi']}}}schemaLocation", SCHEMA_LOCATION)
    scope = SCOPE_CODES.get(document.resource_type.general, "dataset")
    if scope == "dataset" and not document.geo_locations:
        # ISO 19115-1 requires a geographic extent of a dataset: data with none are, in its terms,
        # a non-geographic dataset.
        scope = "nonGeographicDataset"

    _identifier(root, "mdb:metadataIdentifier", metadata_uuid(resource.doi), None, code_space="urn:uuid")
    _locale(root, "mdb:defaultLocale", document.language)
    if resource.concept_doi:
        _parent(root, document, resource.concept_doi)
    metadata_scope = _path(root, "mdb:metadataScope", "mdb:MD_MetadataScope")
    _code(metadata_scope, "mdb:resourceScope", "mcc:MD_ScopeCode", scope)
    _string(metadata_scope, "mdb:name", document.resource_type.type or document.resource_type.general.value)
    _repository_party(root, "mdb:contact", "pointOfContact", resource.repository, position=METADATA_CONTACT_POSITION)
    _date_prop(root, "mdb:dateInfo", resource.created, "creation")
    _date_prop(root, "mdb:dateInfo", resource.modified, "revision")
    standard = _path(root, "mdb:metadataStandard", "cit:CI_Citation")
    _string(standard, "cit:title", "ISO 19115-3")
    _string(standard, "cit:edition", "2018")
    if resource.metadata_url:
        _online(
            root,
            "mdb:metadataLinkage",
            resource.metadata_url,
            protocol="WWW:LINK",
            label="ISO 19115-3 metadata",
            function="completeMetadata",
        )
    if document.geo_locations:
        crs = _path(root, "mdb:referenceSystemInfo", "mrs:MD_ReferenceSystem")
        _identifier(
            crs, "mrs:referenceSystemIdentifier", "EPSG:4326", EPSG + "4326", code_space="EPSG", description="WGS 84"
        )
        _code(crs, "mrs:referenceSystemType", "mrs:MD_ReferenceSystemTypeCode", "geodeticGeographic2D")

    identification = _path(root, "mdb:identificationInfo", "mri:MD_DataIdentification")
    _citation(identification, document, resource)
    _string(identification, "mri:abstract", document.abstract)
    if purpose := _purpose(document):
        _string(identification, "mri:purpose", purpose)
    for credit in _credits(document):
        _string(identification, "mri:credit", credit)
    if resource.withdrawn_at:
        status = "withdrawn"
    elif document.temporal_extent and document.temporal_extent.ongoing:
        status = "onGoing"
    else:
        status = "completed"
    _code(identification, "mri:status", "mcc:MD_ProgressCode", status)
    _point_of_contact(identification, document)
    _publisher_contact(identification, document, resource)
    category = TOPIC_CATEGORIES.get(resource.community_slug, DEFAULT_TOPIC_CATEGORY)
    _el(_el(identification, "mri:topicCategory"), "mri:MD_TopicCategoryCode", category)
    _extent(identification, document, "id" + metadata_uuid(resource.doi).replace("-", ""))
    _keywords(identification, document, resource)
    _constraints(identification, document, resource)
    _associated_resources(identification, document)
    _locale(identification, "mri:defaultLocale", document.language)
    others = [
        d.description
        for d in document.descriptions
        if d.description_type
        in (DescriptionType.technical_info, DescriptionType.table_of_contents, DescriptionType.other)
        or (d.description_type is DescriptionType.abstract and d.description != document.abstract)
    ]
    if others:
        _string(identification, "mri:supplementalInformation", "\n\n".join(others))

    _content(root, document)
    _distribution(root, document, resource)
    _lineage(root, document, resource, scope, "id" + metadata_uuid(resource.doi).replace("-", ""))
    return root


def to_iso19115_3_xml(document: MetadataDocument, *, resource: IsoResource) -> bytes:
    """The document as ISO 19115-3 XML, UTF-8 with an XML declaration."""
    return etree.tostring(
        to_iso19115_3_element(document, resource=resource), xml_declaration=True, encoding="UTF-8", pretty_print=True
    )
