"""The metadata document: one typed schema for a dataset's description, from which every export
format (DataCite, ISO 19115-3, Dublin Core, schema.org, citations) is serialized.

It holds what DataCite 4.6 requires (identifier, creators, titles, publisher, publicationYear,
resourceType) plus descriptions, subjects, rights, geoLocations and dates, and grows with the
wizard. Drafts store whatever was typed (a plain dict); `validate_document` is the strict check run
at submission and reports every problem against its wizard step and field. Messages are English
(the API's language), marked for translation; pages translate them when they show them.
"""
from __future__ import annotations

import re
from datetime import date
from enum import Enum
from typing import Annotated, Any, Literal

from django.utils.translation import gettext_noop as N_
from core.identifiers import ORCID_RE, ROR_RE, normalize_orcid, orcid_checksum_ok  # noqa: F401
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class NameType(str, Enum):
    personal = "Personal"
    organizational = "Organizational"


class Affiliation(_Strict):
    name: str = Field(min_length=1, max_length=300)
    ror: str | None = None

    @field_validator("ror")
    @classmethod
    def _ror(cls, v: str | None) -> str | None:
        if v in (None, ""):
            return None
        if not ROR_RE.match(v):
            raise ValueError(N_("A ROR identifier looks like https://ror.org/02feahw73."))
        return v


class Creator(_Strict):
    name: str = Field(min_length=1, max_length=300, description="'Family, Given' or an organisation")
    name_type: NameType = NameType.personal
    given_name: str | None = None
    family_name: str | None = None
    orcid: str | None = Field(default=None, description="ORCID iD, 0000-0002-1825-0097")
    affiliations: list[Affiliation] = []

    @field_validator("orcid")
    @classmethod
    def _orcid(cls, v: str | None) -> str | None:
        if v in (None, ""):
            return None
        v = normalize_orcid(v)
        if not ORCID_RE.match(v) or not orcid_checksum_ok(v):
            raise ValueError(N_("Not a valid ORCID iD (format 0000-0002-1825-0097, with its check digit)."))
        return v

    @model_validator(mode="after")
    def _split_personal_name(self) -> "Creator":
        if self.name_type is NameType.personal and not (self.family_name or self.given_name):
            family, sep, given = self.name.partition(",")
            if sep:
                self.family_name, self.given_name = family.strip(), given.strip() or None
        return self


class TitleType(str, Enum):
    alternative = "AlternativeTitle"
    subtitle = "Subtitle"
    translated = "TranslatedTitle"
    other = "Other"


class Title(_Strict):
    title: str = Field(min_length=1, max_length=500)
    title_type: TitleType | None = None
    lang: str | None = None


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
    lang: str | None = None


class ResourceTypeGeneral(str, Enum):
    dataset = "Dataset"
    collection = "Collection"
    image = "Image"
    model = "Model"
    physical_object = "PhysicalObject"
    software = "Software"
    text = "Text"
    other = "Other"


class ResourceType(_Strict):
    general: ResourceTypeGeneral = ResourceTypeGeneral.dataset
    type: str = Field(default="", max_length=200)


class Subject(_Strict):
    subject: str = Field(min_length=1, max_length=300)
    scheme: str | None = None
    scheme_uri: str | None = None
    value_uri: str | None = None


class Rights(_Strict):
    identifier: str = Field(description="SPDX identifier, e.g. CC-BY-4.0")
    title: str
    uri: str


LICENCES: dict[str, Rights] = {
    r.identifier: r
    for r in [
        Rights(identifier="CC-BY-4.0", title="Creative Commons Attribution 4.0 International",
               uri="https://creativecommons.org/licenses/by/4.0/legalcode"),
        Rights(identifier="CC0-1.0", title="Creative Commons Zero v1.0 Universal",
               uri="https://creativecommons.org/publicdomain/zero/1.0/legalcode"),
        Rights(identifier="etalab-2.0", title="Etalab Open License 2.0",
               uri="https://spdx.org/licenses/etalab-2.0.html"),
        Rights(identifier="ODbL-1.0", title="Open Data Commons Open Database License v1.0",
               uri="https://opendatacommons.org/licenses/odbl/1-0/"),
    ]
}


class BoundingBox(_Strict):
    """A box in WGS 84 degrees; west > east means the box crosses the antimeridian."""

    west: float = Field(ge=-180, le=180)
    east: float = Field(ge=-180, le=180)
    south: float = Field(ge=-90, le=90)
    north: float = Field(ge=-90, le=90)

    @model_validator(mode="after")
    def _order(self) -> "BoundingBox":
        if self.south > self.north:
            raise ValueError(N_("The southern latitude must not be north of the northern one."))
        return self


class Point(_Strict):
    longitude: float = Field(ge=-180, le=180)
    latitude: float = Field(ge=-90, le=90)


class GeoLocation(_Strict):
    place: str | None = None
    box: BoundingBox | None = None
    point: Point | None = None

    @model_validator(mode="after")
    def _something(self) -> "GeoLocation":
        if not (self.place or self.box or self.point):
            raise ValueError(N_("A location needs a place name, a box or a point."))
        return self


class DateType(str, Enum):
    collected = "Collected"
    created = "Created"
    issued = "Issued"
    available = "Available"
    updated = "Updated"
    valid = "Valid"
    other = "Other"


class DateEntry(_Strict):
    """A date or an RKMS-ISO8601 range `start/end` (either side may be open for ongoing data)."""

    date: str
    date_type: DateType = DateType.collected

    @field_validator("date")
    @classmethod
    def _iso(cls, v: str) -> str:
        parts = v.split("/")
        if len(parts) > 2 or not any(parts):
            raise ValueError(N_("Use YYYY-MM-DD, or a range YYYY-MM-DD/YYYY-MM-DD."))
        for part in parts:
            if part and not re.match(r"^\d{4}(-\d{2}(-\d{2})?)?$", part):
                raise ValueError(N_("Use YYYY-MM-DD, or a range YYYY-MM-DD/YYYY-MM-DD."))
            if len(part) == 10:
                date.fromisoformat(part)
        return v


class RelatedIdentifier(_Strict):
    identifier: str
    identifier_type: Literal["DOI", "URL", "Handle", "SWHID", "ARK"] = "DOI"
    relation_type: str = "IsSupplementTo"
    resource_type_general: ResourceTypeGeneral | None = None


class MetadataDocument(_Strict):
    """A complete description, as required at submission."""

    titles: Annotated[list[Title], Field(min_length=1)]
    creators: Annotated[list[Creator], Field(min_length=1)]
    descriptions: Annotated[list[Description], Field(min_length=1)]
    resource_type: ResourceType = ResourceType()
    publisher: str | None = None
    publication_year: int | None = None
    language: str | None = "en"
    version: str | None = None
    subjects: list[Subject] = []
    rights: Annotated[list[Rights], Field(min_length=1)]
    geo_locations: list[GeoLocation] = []
    dates: list[DateEntry] = []
    related_identifiers: list[RelatedIdentifier] = []

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
    "subjects": "describe",
    "community": "describe",
    "creators": "people",
    "geo_locations": "where_when",
    "dates": "where_when",
    "files": "files",
    "rights": "links_licence",
    "related_identifiers": "links_licence",
    "version": "links_licence",
    "publisher": "links_licence",
    "publication_year": "links_licence",
}

_MESSAGES = {
    "titles": N_("A title is required."),
    "creators": N_("At least one creator is required."),
    "descriptions": N_("An abstract is required."),
    "rights": N_("Choose a licence."),
}


def _loc_to_field(loc: tuple[Any, ...]) -> str:
    return ".".join(str(p) for p in loc)


def validate_document(data: dict | None) -> tuple[MetadataDocument | None, list[dict]]:
    """The strict check: the parsed document, or None and every problem as
    `{"step", "field", "message"}`."""
    data = data or {}
    if not isinstance(data, dict):
        return None, [{"step": "describe", "field": "", "message": N_("Metadata must be a JSON object.")}]
    try:
        return MetadataDocument.model_validate(data), []
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = err["loc"]
            top = str(loc[0]) if loc else ""
            message = err["msg"].removeprefix("Value error, ")
            if err["type"] in ("missing", "too_short") and len(loc) == 1 and top in _MESSAGES:
                message = _MESSAGES[top]
            problems.append({"step": FIELD_STEPS.get(top, "describe"), "field": _loc_to_field(loc), "message": message})
        return None, problems


def document_json_schema() -> dict:
    return MetadataDocument.model_json_schema()
