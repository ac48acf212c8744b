"""The metadata document: one typed schema for a dataset's description, from which every export
format (DataCite, ISO 19115-3, Dublin Core, schema.org, citations) is serialized.

It holds what DataCite 4.6 requires (identifier, creators, titles, publisher, publicationYear,
resourceType) plus descriptions, subjects, rights, geoLocations and dates, and grows with the
wizard. Drafts store whatever was typed (a plain dict); `validate_document` is the strict check run
at submission and reports every problem against its wizard step and field. The messages of the
checks are English, marked for translation; `validate_document` reports every message, pydantic's
included (`repository.validation_messages`), in the active language.

Checks that depend on the day (an embargo must end in the future, and within two years) run only
when the validation context carries `today`, as `validate_document` passes it: a published record
is read back with `MetadataDocument.model_validate(...)` long after its embargo ended, and must
still load. So do the checks that only web addresses become links (keyword, thesaurus and licence
URIs, funder identifiers of kind Other): a document stored before them still loads, and pages link
only its web addresses (`core.links`).

A check made on a whole object names the field at fault by raising `FieldError`, so that
`validate_document` reports `temporal_extent.end` rather than `temporal_extent`.
"""

from __future__ import annotations

import re
from datetime import date
from enum import Enum
from typing import Annotated, Any, Literal

from django.utils.translation import gettext as _, gettext_noop as N_
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError, core_schema

from core.identifiers import (  # noqa: F401
    ORCID_RE,
    ROR_RE,
    normalize_orcid,
    normalize_ror,
    orcid_checksum_ok,
    ror_checksum_ok,
)
from core.links import is_web_url

from . import limits
from .validation_messages import message_for


class FieldError(ValueError):
    """A problem found by a whole-object check, pinned to one of the object's fields (a dotted path
    relative to the object, e.g. `end` or `box.south`)."""

    def __init__(self, message: str, field: str):
        super().__init__(message)
        self.field = field


def _checked_orcid(v: str | None) -> str | None:
    if v in (None, ""):
        return None
    v = normalize_orcid(v)
    if not ORCID_RE.match(v) or not orcid_checksum_ok(v):
        raise ValueError(N_("Not a valid ORCID iD (format 0000-0002-1825-0097, with its check digit)."))
    return v


def _checked_ror(v: str | None) -> str | None:
    """A ROR id (URL or bare `02feahw73`) as its URL, its ISO 7064 MOD 97-10 check digits verified
    (a ROR id is `0`, six Crockford base-32 characters and a two-digit checksum)."""
    if v in (None, ""):
        return None
    ror = normalize_ror(v)
    if not (ror and ror_checksum_ok(ror)):
        raise ValueError(N_("A ROR identifier looks like https://ror.org/02feahw73 (with its check digits)."))
    return ror


# BCP 47 as the XSD's xs:language has it (`en`, `fr`, `en-GB`).
LANGUAGE_RE = re.compile(r"^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{1,8})*$")
# An absolute URI, what a keyword's or licence's URI was before only web addresses were accepted.
URI_RE = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:[^\s]+$")


def _checked_language(v: str | None) -> str | None:
    if v in (None, ""):
        return None
    if not LANGUAGE_RE.match(v):
        raise ValueError(N_("Use a language code such as en, fr or en-GB."))
    return v


def _submitted(info: ValidationInfo) -> bool:
    """Whether this is the strict check of `validate_document` (not a stored document read back)."""
    return bool(info.context)


def _checked_uri(v: str | None, info: ValidationInfo) -> str | None:
    """A thesaurus, concept or licence URI: pages link to it, so it is a web address (see
    `core.links`: a `javascript:` URI would run script when clicked). A stored document read back
    keeps the absolute URIs accepted before."""
    if v in (None, ""):
        return None
    if not _submitted(info) and URI_RE.match(v):
        return v
    return _checked_url(v)


def _checked_url(v: str | None) -> str | None:
    if v in (None, ""):
        return None
    if not is_web_url(v):
        raise ValueError(N_("Not a web address: it starts with https:// or http://."))
    return v


def _checked_date_or_range(v: str) -> str:
    """A date, a month or a year, or an RKMS-ISO8601 range of them (`start/end`, either side may be
    open for ongoing data)."""
    parts = v.split("/")
    if len(parts) > 2 or not any(parts):
        raise ValueError(N_("Use YYYY-MM-DD, or a range YYYY-MM-DD/YYYY-MM-DD."))
    for part in parts:
        if part and not re.match(r"^\d{4}(-\d{2}(-\d{2})?)?$", part):
            raise ValueError(N_("Use YYYY-MM-DD, or a range YYYY-MM-DD/YYYY-MM-DD."))
        try:
            if len(part) == 10:
                date.fromisoformat(part)
            elif len(part) == 7:
                date.fromisoformat(part + "-01")
        except ValueError:
            raise ValueError(N_("Not a date of the calendar.")) from None
    start, _sep, end = v.partition("/")
    if start and end and len(start) == len(end) and end < start:
        raise ValueError(N_("The range ends before it starts."))
    return v


class _Strict(BaseModel):
    # NaN and Infinity are no JSON numbers: refused even in a document read back
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, allow_inf_nan=False)


class Limit:
    """`Annotated[str, Limit(300)]`, `Annotated[list[X], Limit(2000)]`: at most so many characters or
    items (see `repository.limits`). Checked at submission, like the day's checks, so that a
    document stored before a limit still loads; published in the JSON Schema as maxLength /
    maxItems. Its errors are pydantic's types, put in words by `repository.validation_messages`."""

    def __init__(self, maximum: int):
        self.maximum = maximum

    def __get_pydantic_core_schema__(self, source, handler):
        return core_schema.with_info_after_validator_function(self._check, handler(source))

    def __get_pydantic_json_schema__(self, schema, handler):
        json_schema = handler(schema)
        target = handler.resolve_ref_schema(json_schema)
        target["maxItems" if target.get("type") == "array" else "maxLength"] = self.maximum
        return json_schema

    def _check(self, value, info: ValidationInfo):
        if _submitted(info) and len(value) > self.maximum:
            if isinstance(value, list):
                raise PydanticCustomError(
                    "too_long", "List should have at most {max_length} items", {"max_length": self.maximum}
                )
            raise PydanticCustomError(
                "string_too_long", "String should have at most {max_length} characters", {"max_length": self.maximum}
            )
        return value


Name = Annotated[str, Limit(limits.NAME)]
PersonName = Annotated[str, Limit(limits.GIVEN_FAMILY_NAME)]
Identifier = Annotated[str, Limit(limits.IDENTIFIER)]
Uri = Annotated[str, Limit(limits.URI)]

# The checked strings: stripped (`_Strict`), limited, then checked and normalised. Each check turns
# an empty string into None, and raises a ValueError whose message the API and the wizard show.
Orcid = Annotated[Identifier, AfterValidator(_checked_orcid)]
Ror = Annotated[Identifier, AfterValidator(_checked_ror)]
Language = Annotated[str, Limit(limits.LANGUAGE), AfterValidator(_checked_language)]
WebUrl = Annotated[Uri, AfterValidator(_checked_url)]
LinkUri = Annotated[Uri, AfterValidator(_checked_uri)]
DateOrRange = Annotated[str, Limit(limits.DATE), AfterValidator(_checked_date_or_range)]


class NameType(str, Enum):
    personal = "Personal"
    organizational = "Organizational"


class Affiliation(_Strict):
    name: str = Field(min_length=1, max_length=300)
    ror: Ror | None = None


class Creator(_Strict):
    name: str = Field(min_length=1, max_length=300, description="'Family, Given' or an organisation")
    name_type: NameType = NameType.personal
    given_name: PersonName | None = None
    family_name: PersonName | None = None
    orcid: Orcid | None = Field(default=None, description="ORCID iD of a person, 0000-0002-1825-0097")
    ror: Ror | None = Field(default=None, description="ROR id of an organisation, https://ror.org/02feahw73")
    affiliations: Annotated[list[Affiliation], Limit(limits.AFFILIATIONS)] = []

    @model_validator(mode="after")
    def _identifier_fits_the_kind(self) -> Creator:
        if self.name_type is NameType.organizational and self.orcid:
            raise FieldError(N_("An organisation has no ORCID iD; give its ROR identifier instead."), "orcid")
        if self.name_type is NameType.personal and self.ror:
            raise FieldError(
                N_("A ROR identifier names an organisation; a person is identified by an ORCID iD."), "ror"
            )
        return self

    @model_validator(mode="after")
    def _split_personal_name(self) -> Creator:
        if self.name_type is NameType.personal and not (self.family_name or self.given_name):
            family, sep, given = self.name.partition(",")
            if sep:
                self.family_name, self.given_name = family.strip(), given.strip() or None
        return self


class ContributorType(str, Enum):
    """DataCite 4.6 contributorType."""

    contact_person = "ContactPerson"
    data_collector = "DataCollector"
    data_curator = "DataCurator"
    data_manager = "DataManager"
    distributor = "Distributor"
    editor = "Editor"
    hosting_institution = "HostingInstitution"
    producer = "Producer"
    project_leader = "ProjectLeader"
    project_manager = "ProjectManager"
    project_member = "ProjectMember"
    registration_agency = "RegistrationAgency"
    registration_authority = "RegistrationAuthority"
    related_person = "RelatedPerson"
    researcher = "Researcher"
    research_group = "ResearchGroup"
    rights_holder = "RightsHolder"
    sponsor = "Sponsor"
    supervisor = "Supervisor"
    translator = "Translator"
    work_package_leader = "WorkPackageLeader"
    other = "Other"


class Contributor(Creator):
    contributor_type: ContributorType = ContributorType.other


EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class PointOfContact(_Strict):
    """Who answers questions about the data (ISO 19115-3 requires one). Its address is published
    only when the depositor gives one; without it, catalogues show the community's contact address
    (`repository.selectors.record_document`)."""

    name: str = Field(min_length=1, max_length=300)
    email: str | None = Field(
        default=None,
        min_length=3,
        max_length=254,
        description=(
            "Published as the contact's address; leave it out to publish the community's contact address instead."
        ),
    )
    organisation: Name | None = None
    orcid: Orcid | None = None

    @field_validator("email")
    @classmethod
    def _email(cls, v: str | None) -> str | None:
        if v is not None and not EMAIL_RE.match(v):
            raise ValueError(N_("Enter a valid e-mail address."))
        return v


class FunderIdentifierType(str, Enum):
    ror = "ROR"
    crossref_funder_id = "Crossref Funder ID"
    isni = "ISNI"
    grid = "GRID"
    other = "Other"


CROSSREF_FUNDER_RE = re.compile(r"^(?:(?:https?://)?(?:dx\.)?doi\.org/|doi:)?(10\.13039/\S+)$", re.IGNORECASE)
ISNI_RE = re.compile(r"^(?:https?://isni\.org/isni/)?(\d{4} ?\d{4} ?\d{4} ?\d{3}[\dX])$", re.IGNORECASE)
GRID_RE = re.compile(r"^grid\.\d+\.[0-9a-f]+$")
URI_SCHEME_RE = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


class FundingReference(_Strict):
    """A funder and, optionally, the award. Identifiers are stored in the form DataCite shows:
    a ROR URL, a Crossref Funder ID as its doi.org URL, an ISNI as 16 characters."""

    funder_name: str = Field(min_length=1, max_length=300)
    funder_identifier: Name | None = None
    funder_identifier_type: FunderIdentifierType | None = None
    award_number: str | None = Field(default=None, max_length=300)
    award_uri: WebUrl | None = None
    award_title: str | None = Field(default=None, max_length=500)

    @model_validator(mode="after")
    def _identifier(self, info: ValidationInfo) -> FundingReference:
        value, kind = self.funder_identifier or None, self.funder_identifier_type
        self.funder_identifier = value
        if value and kind is None:
            raise FieldError(
                N_("Say which kind of identifier the funder's is (ROR, Crossref Funder ID…)."), "funder_identifier_type"
            )
        if value and kind is FunderIdentifierType.ror:
            try:
                self.funder_identifier = _checked_ror(value)
            except ValueError as exc:
                raise FieldError(str(exc), "funder_identifier") from None
        elif value and kind is FunderIdentifierType.crossref_funder_id:
            match = CROSSREF_FUNDER_RE.match(value)
            if not match:
                raise FieldError(
                    N_("A Crossref Funder ID looks like https://doi.org/10.13039/501100001665."), "funder_identifier"
                )
            self.funder_identifier = "https://doi.org/" + match.group(1)
        elif value and kind is FunderIdentifierType.isni:
            match = ISNI_RE.match(value)
            if not match:
                raise FieldError(N_("An ISNI has 16 characters, e.g. 0000 0001 2259 7504."), "funder_identifier")
            self.funder_identifier = match.group(1).replace(" ", "").upper()
        elif value and kind is FunderIdentifierType.grid and not GRID_RE.match(value):
            raise FieldError(N_("A GRID identifier looks like grid.4444.0."), "funder_identifier")
        elif (
            value
            and kind is FunderIdentifierType.other
            and _submitted(info)
            and URI_SCHEME_RE.match(value)
            and not is_web_url(value)
        ):
            # Pages link an identifier that is a web address: any other scheme (javascript:…) is refused.
            raise FieldError(
                N_("A funder identifier is a web address (https://…) or a plain code, not another kind of link."),
                "funder_identifier",
            )
        if self.award_uri and not self.award_number:
            raise FieldError(N_("Give the award number that goes with the award's web address."), "award_number")
        return self


class TitleType(str, Enum):
    alternative = "AlternativeTitle"
    subtitle = "Subtitle"
    translated = "TranslatedTitle"
    other = "Other"


class Title(_Strict):
    title: str = Field(min_length=1, max_length=500)
    title_type: TitleType | None = None
    lang: Language | None = None


class DescriptionType(str, Enum):
    abstract = "Abstract"
    methods = "Methods"
    series_information = "SeriesInformation"
    table_of_contents = "TableOfContents"
    technical_info = "TechnicalInfo"
    other = "Other"


class Description(_Strict):
    description: str = Field(min_length=1, max_length=20000)
    description_type: DescriptionType = DescriptionType.abstract
    lang: Language | None = None


class ResourceTypeGeneral(str, Enum):
    """DataCite 4.6 resourceTypeGeneral (also the type of a related resource: an article is a
    JournalArticle)."""

    dataset = "Dataset"
    collection = "Collection"
    image = "Image"
    model = "Model"
    physical_object = "PhysicalObject"
    software = "Software"
    text = "Text"
    audiovisual = "Audiovisual"
    award = "Award"
    book = "Book"
    book_chapter = "BookChapter"
    computational_notebook = "ComputationalNotebook"
    conference_paper = "ConferencePaper"
    conference_proceeding = "ConferenceProceeding"
    data_paper = "DataPaper"
    dissertation = "Dissertation"
    event = "Event"
    instrument = "Instrument"
    interactive_resource = "InteractiveResource"
    journal = "Journal"
    journal_article = "JournalArticle"
    output_management_plan = "OutputManagementPlan"
    peer_review = "PeerReview"
    preprint = "Preprint"
    project = "Project"
    report = "Report"
    service = "Service"
    sound = "Sound"
    standard = "Standard"
    study_registration = "StudyRegistration"
    workflow = "Workflow"
    other = "Other"


class ResourceType(_Strict):
    general: ResourceTypeGeneral = ResourceTypeGeneral.dataset
    type: str = Field(default="", max_length=200)


class KeywordType(str, Enum):
    """ISO 19115-3 MD_KeywordTypeCode values used by the wizard (`parameter` is exported as
    `theme`, the GeoNetwork convention for measured parameters)."""

    theme = "theme"
    place = "place"
    platform = "platform"
    instrument = "instrument"
    parameter = "parameter"
    discipline = "discipline"
    project = "project"
    stratum = "stratum"


class Subject(_Strict):
    """A keyword: free (no scheme) or a thesaurus concept (`value_uri`), kept with its thesaurus
    (`scheme`, `scheme_uri`) so that DataCite and ISO 19115-3 can cite it."""

    subject: str = Field(min_length=1, max_length=300)
    scheme: Name | None = Field(default=None, description="Thesaurus title, e.g. 'NERC P02'.")
    scheme_uri: LinkUri | None = Field(default=None, description="Thesaurus URI.")
    value_uri: LinkUri | None = Field(default=None, description="Concept URI.")
    keyword_type: KeywordType = KeywordType.theme
    lang: Language | None = None


class Rights(_Strict):
    identifier: Identifier = Field(description="SPDX identifier, e.g. CC-BY-4.0")
    title: Name
    uri: Annotated[LinkUri, AfterValidator(lambda v: v or "")]  # required: an empty one stays ""


LICENCES: dict[str, Rights] = {
    r.identifier: r
    for r in [
        Rights(
            identifier="CC-BY-4.0",
            title="Creative Commons Attribution 4.0 International",
            uri="https://creativecommons.org/licenses/by/4.0/legalcode",
        ),
        Rights(
            identifier="CC0-1.0",
            title="Creative Commons Zero v1.0 Universal",
            uri="https://creativecommons.org/publicdomain/zero/1.0/legalcode",
        ),
        Rights(
            identifier="etalab-2.0", title="Etalab Open License 2.0", uri="https://spdx.org/licenses/etalab-2.0.html"
        ),
        Rights(
            identifier="ODbL-1.0",
            title="Open Data Commons Open Database License v1.0",
            uri="https://opendatacommons.org/licenses/odbl/1-0/",
        ),
    ]
}


class BoundingBox(_Strict):
    """A box in WGS 84 degrees; west > east means the box crosses the antimeridian."""

    west: float = Field(ge=-180, le=180)
    east: float = Field(ge=-180, le=180)
    south: float = Field(ge=-90, le=90)
    north: float = Field(ge=-90, le=90)

    @model_validator(mode="after")
    def _order(self) -> BoundingBox:
        if self.south > self.north:
            raise FieldError(N_("The southern latitude must not be north of the northern one."), "south")
        return self


class Point(_Strict):
    longitude: float = Field(ge=-180, le=180)
    latitude: float = Field(ge=-90, le=90)


class GeoLocation(_Strict):
    place: Name | None = None
    box: BoundingBox | None = None
    point: Point | None = None
    # At most limits.POLYGON_POINTS points, the closing one (a repeat of the first) not counted.
    polygon: list[Point] | None = Field(
        default=None,
        description="A ring of at least three points; closed automatically.",
        json_schema_extra={"maxItems": limits.POLYGON_POINTS + 1},
    )

    @model_validator(mode="after")
    def _something(self, info: ValidationInfo) -> GeoLocation:
        if not (self.place or self.box or self.point or self.polygon is not None):
            raise ValueError(N_("A location needs a place name, a box, a point or a polygon."))
        if self.polygon is not None:
            ring = list(self.polygon)
            if len(ring) > 1 and ring[0] == ring[-1]:
                ring = ring[:-1]
            if len({(p.longitude, p.latitude) for p in ring}) < 3:
                raise FieldError(N_("A polygon needs at least three different points."), "polygon")
            if _submitted(info) and len(ring) > limits.POLYGON_POINTS:
                # the number is limits.POLYGON_POINTS
                raise FieldError(N_("A polygon has at most 1,000 points: simplify it."), "polygon")
            self.polygon = [*ring, ring[0]]
        return self


class TemporalExtent(_Strict):
    """When the data were collected: a start, and an end or `ongoing`."""

    start: date
    end: date | None = None
    ongoing: bool = False

    @model_validator(mode="after")
    def _order(self) -> TemporalExtent:
        if self.end is not None and self.end < self.start:
            raise FieldError(N_("The end date is before the start date."), "end")
        if self.ongoing and self.end is not None:
            raise FieldError(N_("An ongoing collection has no end date."), "end")
        if not self.ongoing and self.end is None:
            raise FieldError(N_("Give an end date, or say that the collection is ongoing."), "end")
        return self


class VerticalReference(str, Enum):
    depth = "depth"  # metres below the sea surface, positive down
    altitude = "altitude"  # metres above mean sea level, positive up


class VerticalExtent(_Strict):
    """The vertical range in metres: depths below the sea surface (positive down) or altitudes
    above mean sea level; `minimum` is the smaller number either way."""

    minimum: float = Field(ge=-12000, le=100000)
    maximum: float = Field(ge=-12000, le=100000)
    unit: Literal["m"] = "m"
    reference: VerticalReference = VerticalReference.depth

    @model_validator(mode="after")
    def _order(self) -> VerticalExtent:
        if self.minimum > self.maximum:
            raise FieldError(N_("The minimum is greater than the maximum."), "minimum")
        return self


class AccessLevel(str, Enum):
    open = "open"
    embargoed = "embargoed"


EMBARGO_MAX_DAYS = 2 * 365 + 1


class Access(_Strict):
    """Who may download the files: everyone, or everyone after an embargo (at most two years).

    The embargo's date is checked against the day only when the validation context has `today`
    (submission, through `validate_document`): a stored record stays readable once its embargo
    has ended."""

    level: AccessLevel = AccessLevel.open
    embargo_until: date | None = None

    @model_validator(mode="after")
    def _embargo(self, info: ValidationInfo) -> Access:
        if self.level is AccessLevel.open:
            if self.embargo_until is not None:
                raise FieldError(N_("Open files take no embargo date; choose “embargoed” to set one."), "embargo_until")
            return self
        if self.embargo_until is None:
            raise FieldError(N_("Give the date the embargo ends."), "embargo_until")
        today = (info.context or {}).get("today")
        if today is None:
            return self
        if self.embargo_until <= today:
            raise FieldError(N_("The embargo must end in the future."), "embargo_until")
        if (self.embargo_until - today).days > EMBARGO_MAX_DAYS:
            raise FieldError(N_("An embargo lasts at most two years."), "embargo_until")
        return self


class DateType(str, Enum):
    """DataCite 4.6 dateType."""

    collected = "Collected"
    created = "Created"
    issued = "Issued"
    available = "Available"
    updated = "Updated"
    valid = "Valid"
    accepted = "Accepted"
    copyrighted = "Copyrighted"
    coverage = "Coverage"
    submitted = "Submitted"
    withdrawn = "Withdrawn"
    other = "Other"


class DateEntry(_Strict):
    """A date or an RKMS-ISO8601 range `start/end` (either side may be open for ongoing data)."""

    date: DateOrRange
    date_type: DateType = DateType.collected


class RelationType(str, Enum):
    """DataCite 4.6 relationType."""

    is_cited_by = "IsCitedBy"
    cites = "Cites"
    is_supplement_to = "IsSupplementTo"
    is_supplemented_by = "IsSupplementedBy"
    is_continued_by = "IsContinuedBy"
    continues = "Continues"
    describes = "Describes"
    is_described_by = "IsDescribedBy"
    has_metadata = "HasMetadata"
    is_metadata_for = "IsMetadataFor"
    has_version = "HasVersion"
    is_version_of = "IsVersionOf"
    is_new_version_of = "IsNewVersionOf"
    is_previous_version_of = "IsPreviousVersionOf"
    is_part_of = "IsPartOf"
    has_part = "HasPart"
    is_published_in = "IsPublishedIn"
    is_referenced_by = "IsReferencedBy"
    references = "References"
    is_documented_by = "IsDocumentedBy"
    documents = "Documents"
    is_compiled_by = "IsCompiledBy"
    compiles = "Compiles"
    is_variant_form_of = "IsVariantFormOf"
    is_original_form_of = "IsOriginalFormOf"
    is_identical_to = "IsIdenticalTo"
    is_reviewed_by = "IsReviewedBy"
    reviews = "Reviews"
    is_derived_from = "IsDerivedFrom"
    is_source_of = "IsSourceOf"
    is_required_by = "IsRequiredBy"
    requires = "Requires"
    obsoletes = "Obsoletes"
    is_obsoleted_by = "IsObsoletedBy"
    is_collected_by = "IsCollectedBy"
    collects = "Collects"
    is_translation_of = "IsTranslationOf"
    has_translation = "HasTranslation"


SWHID_RE = re.compile(r"^swh:1:(cnt|dir|rev|rel|snp|ori):[0-9a-f]{40}(;.*)?$")
HANDLE_RE = re.compile(r"^\d[\d.]*/\S+$")
ARK_RE = re.compile(r"^ark:/?\d{5,}/\S+$")


class RelatedIdentifier(_Strict):
    """A typed link: the article (DOI), source code (repository URL or SWHID), project site…"""

    identifier: str = Field(min_length=1, max_length=1000)
    identifier_type: Literal["DOI", "URL", "Handle", "SWHID", "ARK"] = "DOI"
    relation_type: RelationType = RelationType.is_supplement_to
    resource_type_general: ResourceTypeGeneral | None = None

    @model_validator(mode="after")
    def _well_formed(self) -> RelatedIdentifier:
        value = self.identifier.strip()
        if self.identifier_type == "DOI":
            import idutils  # noqa: PLC0415 - 0.4 s of regular expressions compiled at import: on first use

            if not (idutils.is_doi(value) and " " not in value):
                raise FieldError(N_("Not a DOI: it looks like 10.1234/abcd (a doi.org link is fine)."), "identifier")
            self.identifier = idutils.normalize_doi(value)
        elif self.identifier_type == "URL" and not is_web_url(value):
            raise FieldError(N_("Not a web address: it starts with https:// or http://."), "identifier")
        elif self.identifier_type == "SWHID" and not SWHID_RE.match(value):
            raise FieldError(
                N_("Not a Software Heritage identifier (swh:1:dir:… with 40 hexadecimal characters)."), "identifier"
            )
        elif self.identifier_type == "Handle" and not HANDLE_RE.match(value):
            raise FieldError(N_("Not a Handle (prefix/suffix)."), "identifier")
        elif self.identifier_type == "ARK" and not ARK_RE.match(value):
            raise FieldError(N_("Not an ARK (ark:/12345/…)."), "identifier")
        return self


class Variable(_Strict):
    """A measured variable as it is in the files: `name` as the file writes it (a NetCDF variable's
    name, a CSV column's header), what it is (`description`, a NetCDF long_name), the concept it
    measures (`property_id`: a CF standard name's anchor in the CF table, an NVS P01 or P02 concept)
    and its unit as the file writes it (`unit_text`) and as a UN/CEFACT common code (`unit_code`,
    only when `repository.variables` knows the unit). Filled from the files' previews
    (`repository.variables`) and confirmed or edited by the depositor in the wizard."""

    name: Name = Field(min_length=1, description="As in the file: a NetCDF variable's name, a CSV column's header.")
    description: Annotated[str, Limit(limits.TITLE)] | None = None
    property_id: LinkUri | None = Field(default=None, description="The concept measured (URI).")
    unit_text: Annotated[str, Limit(limits.UNIT)] | None = None
    unit_code: Annotated[str, Limit(limits.UNIT)] | None = Field(default=None, description="UN/CEFACT common code.")


def _comparable_name(name: str) -> str:
    """`Le Goff,  anne` and `le goff, Anne` are the same name."""
    return re.sub(r"\s*,\s*", ", ", " ".join(name.casefold().split()))


class MetadataDocument(_Strict):
    """A complete description, as required at submission."""

    titles: Annotated[list[Title], Field(min_length=1), Limit(limits.TITLES)]
    creators: Annotated[list[Creator], Field(min_length=1), Limit(limits.CREATORS)]
    descriptions: Annotated[list[Description], Field(min_length=1), Limit(limits.DESCRIPTIONS)]
    resource_type: ResourceType = ResourceType()
    publisher: Name | None = None
    publication_year: int | None = None
    language: Language | None = "en"
    version: Annotated[str, Limit(limits.VERSION)] | None = None
    lineage: str | None = Field(default=None, max_length=20000, description="How the data were acquired and processed.")
    subjects: Annotated[list[Subject], Limit(limits.SUBJECTS)] = []
    contributors: Annotated[list[Contributor], Limit(limits.CONTRIBUTORS)] = []
    point_of_contact: PointOfContact
    funding_references: Annotated[list[FundingReference], Limit(limits.FUNDING_REFERENCES)] = []
    rights: Annotated[list[Rights], Field(min_length=1), Limit(limits.RIGHTS)]
    use_conditions: Annotated[str, Limit(limits.DESCRIPTION)] | None = Field(
        default=None,
        description="The conditions applying to access and use (INSPIRE), in the depositor's words; the ISO "
        "19115-3 export derives them from the licence when there are none.",
    )
    access: Access = Access()
    geo_locations: Annotated[list[GeoLocation], Limit(limits.GEO_LOCATIONS)] = []
    temporal_extent: TemporalExtent | None = None
    vertical_extent: VerticalExtent | None = None
    dates: Annotated[list[DateEntry], Limit(limits.DATES)] = []
    related_identifiers: Annotated[list[RelatedIdentifier], Limit(limits.RELATED_IDENTIFIERS)] = []
    variables: Annotated[list[Variable], Limit(limits.VARIABLES)] = []

    @field_validator("creators")
    @classmethod
    def _distinct_creators(cls, creators: list[Creator]) -> list[Creator]:
        """The same ORCID iD, or the same name however spaced or cased, twice: the later one is
        reported."""
        seen_orcids: set[str] = set()
        seen_names: set[str] = set()
        for index, creator in enumerate(creators):
            name = _comparable_name(creator.name)
            if (creator.orcid and creator.orcid in seen_orcids) or name in seen_names:
                raise FieldError(N_("The same creator is listed twice."), str(index))
            if creator.orcid:
                seen_orcids.add(creator.orcid)
            seen_names.add(name)
        return creators

    @field_validator("geo_locations")
    @classmethod
    def _polygon_points(cls, v: list[GeoLocation], info: ValidationInfo) -> list[GeoLocation]:
        """Each polygon is limited, and so are all of them together: a DataCite record of
        100,000 points is refused by DataCite and weighs 15 MB."""
        vertices = sum(len(g.polygon) - 1 for g in v if g.polygon)  # each ring is stored closed
        if _submitted(info) and vertices > limits.POLYGON_POINTS_TOTAL:
            # the number is limits.POLYGON_POINTS_TOTAL
            raise ValueError(N_("All the polygons together have at most 10,000 points: simplify them."))
        return v

    @field_validator("variables")
    @classmethod
    def _distinct_variables(cls, variables: list[Variable]) -> list[Variable]:
        """A name is one column or one variable: the same name twice, the later one is reported."""
        seen: set[str] = set()
        for index, variable in enumerate(variables):
            if variable.name in seen:
                raise FieldError(N_("The same variable is listed twice."), f"{index}.name")
            seen.add(variable.name)
        return variables

    @field_validator("titles")
    @classmethod
    def _main_title(cls, v: list[Title]) -> list[Title]:
        if v and v[0].title_type is not None:
            raise ValueError(N_("The first title is the main title and takes no title type."))
        return v

    @property
    def title(self) -> str:
        return self.titles[0].title

    @property
    def abstract(self) -> str:
        for d in self.descriptions:
            if d.description_type is DescriptionType.abstract:
                return d.description
        return self.descriptions[0].description


# Where each top-level field is entered: the step of the deposit form (later, the wizard).
FIELD_STEPS: dict[str, str] = {
    "titles": "describe",
    "descriptions": "describe",
    "resource_type": "describe",
    "language": "describe",
    "lineage": "describe",
    "subjects": "describe",
    "community": "describe",
    "creators": "people",
    "contributors": "people",
    "point_of_contact": "people",
    "funding_references": "people",
    "geo_locations": "where_when",
    "temporal_extent": "where_when",
    "vertical_extent": "where_when",
    "dates": "where_when",
    "variables": "where_when",
    "files": "files",
    "rights": "links_licence",
    "use_conditions": "links_licence",
    "access": "links_licence",
    "related_identifiers": "links_licence",
    "version": "links_licence",
    "publisher": "links_licence",
    "publication_year": "links_licence",
}
STEPS = ("describe", "people", "where_when", "files", "links_licence")

_MESSAGES = {
    "titles": N_("A title is required."),
    "creators": N_("At least one creator is required."),
    "descriptions": N_("An abstract is required."),
    "rights": N_("Choose a licence."),
    "point_of_contact": N_("Name a point of contact."),
}


def _loc_to_field(loc: tuple[Any, ...]) -> str:
    return ".".join(str(p) for p in loc)


def validate_document(data: dict | None, *, today: date | None = None) -> tuple[MetadataDocument | None, list[dict]]:
    """The strict check: the parsed document, or None and every problem as
    `{"step", "field", "message"}`, the message in the active language. `today` (default: the
    current date) is what an embargo is judged against."""
    data = data or {}
    if not isinstance(data, dict):
        return None, [{"step": "describe", "field": "", "message": _("Metadata must be a JSON object.")}]
    try:
        return MetadataDocument.model_validate(data, context={"today": today or date.today()}), []
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = tuple(err["loc"])
            error = (err.get("ctx") or {}).get("error")
            if isinstance(error, FieldError):
                loc += tuple(error.field.split("."))
            top = str(loc[0]) if loc else ""
            message = message_for(err)
            if err["type"] in ("missing", "too_short") and len(loc) == 1 and top in _MESSAGES:
                message = _(_MESSAGES[top])
            problems.append({"step": FIELD_STEPS.get(top, "describe"), "field": _loc_to_field(loc), "message": message})
        return None, problems


class DocumentJsonSchema:
    """Annotation for a lenient field (`Annotated[dict[str, Any], DocumentJsonSchema]`): it accepts
    any object, as drafts do, and its JSON Schema is a reference to `MetadataDocument` (which
    brings the document's models into the schema's definitions, e.g. the OpenAPI components)."""

    @classmethod
    def __get_pydantic_json_schema__(cls, core_schema, handler):
        return handler(MetadataDocument.__pydantic_core_schema__)
