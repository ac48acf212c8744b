"""REST endpoints for published records (public)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal
from urllib.parse import urlencode

from django.urls import reverse
from ninja import Query, Router, Schema
from pydantic import Field

from . import search, selectors, services

router = Router(tags=["records"])


class RecordFileOut(Schema):
    name: str
    size: int
    md5: str
    sha256: str
    download_url: str


class RecordOut(Schema):
    id: int
    doi: str
    doi_state: str
    doi_is_demo: bool
    title: str
    community: str
    version: int
    status: str = Field(description="`published`, or `withdrawn` (the landing page is a tombstone, files are gone).")
    concept_doi: str | None = Field(description="The DOI shared by every version (from the second one on).")
    publication_date: date
    modified: datetime
    embargo_until: date | None
    withdrawal: dict[str, Any] | None
    landing_page: str
    metadata: dict[str, Any] = Field(
        description=(
            "The metadata document as deposited. `point_of_contact.email` is there only when the depositor "
            "published an address (otherwise the community's contact address is the public one). A record "
            "withdrawn for sensitive data keeps only its title, type, publisher and year, and no files."
        )
    )
    files: list[RecordFileOut]


def _record_out(record) -> dict:
    # A record withdrawn for sensitive data keeps only what identifies it (its files' names too go).
    redacted = selectors.record_is_redacted(record)
    metadata = (
        selectors.record_public_metadata(record).model_dump(mode="json", exclude_none=True)
        if redacted
        else record.metadata
    )
    return {
        "id": record.pk,
        "doi": record.doi,
        "doi_state": record.pid.state,
        "doi_is_demo": record.pid.is_demo,
        "title": record.title,
        "community": record.community.slug,
        "version": record.version,
        "status": record.status,
        "concept_doi": record.concept.pid.doi if record.concept.pid_id else None,
        "publication_date": record.publication_date,
        "modified": record.modified,
        "embargo_until": record.embargo_until,
        "withdrawal": {"date": record.withdrawn_at, "reason": record.withdrawal_reason, "note": record.withdrawal_note}
        if record.is_withdrawn
        else None,
        "landing_page": record.landing_url,
        "metadata": metadata,
        "files": []
        if redacted
        else [
            {
                "name": f.name,
                "size": f.size,
                "md5": f.md5,
                "sha256": f.sha256,
                "download_url": record.landing_url.removesuffix(record.get_absolute_url())
                + reverse("repository:file-download", kwargs={"pk": record.pk, "name": f.name}),
            }
            for f in record.files.all()
        ],
    }


class RecordSearchParams(Schema):
    """The search's parameters, as on the search page. Repeat a facet parameter for alternatives
    (`community=ocean&community=atmosphere`); different facets combine."""

    q: str = Field(
        default="",
        max_length=500,
        description=(
            "Words to find in titles (ranked first), keywords, creators and abstracts, English and French "
            'stemmed and accents ignored (PostgreSQL); `"a phrase"`, `or`, `-excluded`.'
        ),
    )
    community: list[str] = Field(
        default=[], description="Community slugs: ocean, land-surfaces, atmosphere, solid-earth, biodiversity."
    )
    keyword: list[str] = Field(
        default=[], description="Keyword values of the `keyword` facet: a concept URI, or the label of a free keyword."
    )
    resource_type: list[str] = Field(default=[], description="DataCite resourceTypeGeneral, e.g. Dataset.")
    licence: list[str] = Field(default=[], description="SPDX identifier, e.g. CC-BY-4.0.")
    year: list[str] = Field(default=[], description="Publication year (YYYY).")
    creator: list[str] = Field(default=[], description="A creator's name as the `creator` facet gives it.")
    bbox: str | None = Field(
        default=None,
        description=(
            "`west,south,east,north` in decimal degrees (WGS 84): records whose extent meets the box. "
            "west > east for a box across the antimeridian (e.g. `170,-30,-170,0`)."
        ),
    )
    start: date | None = Field(
        default=None, description="Records with data collected on or after this day (YYYY-MM-DD)."
    )
    end: date | None = Field(
        default=None, description="Records with data collected on or before this day; ongoing collections have no end."
    )
    sort: Literal["relevance", "newest", "oldest", "title"] | None = Field(
        default=None, description="Default: relevance with `q`, else newest (publication date)."
    )
    page: int = Field(default=1, ge=1, description="Page number, from 1 (up to the first 10,000 hits).")
    size: int = Field(default=20, ge=1, le=100, description="Hits per page (1–100).")


class FacetValueOut(Schema):
    value: str = Field(description="The value to pass back as the facet's parameter.")
    label: str
    count: int = Field(description="Matching records with this value, the facet's own filter left out.")
    selected: bool


class RecordHitOut(Schema):
    id: int
    doi: str
    title: str
    creators: list[str]
    publication_year: int | None
    publication_date: date
    community: str
    community_name: str
    resource_type: str
    licence: str
    keywords: list[str] = Field(description="Keyword labels.")
    extent: dict[str, float] | None = Field(
        description="west, south, east, north; west > east across the antimeridian."
    )
    period: dict[str, date | None] | None = Field(description="start, end (null end: ongoing).")
    snippet: str = Field(
        description="HTML: the abstract's best passages, the words found in `<mark>`, the rest escaped."
    )
    score: float | None = Field(description="Relevance (with `q`).")
    landing_page: str
    url: str = Field(description="This record in the API, with its metadata and files.")
    modified: datetime


class RecordSearchOut(Schema):
    total: int
    page: int
    size: int
    pages: int
    hits: list[RecordHitOut]
    facets: dict[str, list[FacetValueOut]] = Field(
        description="community, keyword, resource_type, licence, year, creator: the top values "
        "(and every selected one)."
    )
    links: dict[str, str | None] = Field(description="self, first, prev, next, last (absolute URLs; null when none).")


def _hit_out(request, hit) -> dict:
    record = hit.record
    extent = None
    if record.search_west is not None:
        east = record.search_east2 if record.search_east2 is not None else record.search_east
        extent = {"west": record.search_west, "south": record.search_south, "east": east, "north": record.search_north}
    period = None
    if record.search_start or record.search_end:
        period = {"start": record.search_start, "end": record.search_end}
    return {
        "id": record.pk,
        "doi": record.doi,
        "title": record.title,
        "creators": list(record.search_creators),
        "publication_year": record.search_year,
        "publication_date": record.publication_date,
        "community": record.community.slug,
        "community_name": record.community.name,
        "resource_type": record.search_resource_type,
        "licence": record.search_licence,
        "keywords": list(record.search_keyword_labels),
        "extent": extent,
        "period": period,
        "snippet": str(hit.snippet),
        "score": hit.score,
        "landing_page": record.landing_url,
        "url": request.build_absolute_uri(reverse("api:record_detail", kwargs={"pk": record.pk})),
        "modified": record.modified,
    }


@router.get("/records", response=RecordSearchOut, auth=None, summary="Search published records")
def record_list(request, params: Query[RecordSearchParams]):
    """Published records (the latest version of each dataset), searched and filtered like the search
    page: full text, facets, a bounding box, a period; sorted and paged. Without parameters, every
    record, newest first. 422 with the parameter at fault when the search is not valid."""
    query = search.parse_query(params.model_dump())
    result = search.search(query)

    def link(page: int) -> str:
        return request.build_absolute_uri(f"{request.path}?{urlencode(query.params(page=page))}")

    return {
        "total": result.total,
        "page": result.page,
        "size": result.size,
        "pages": result.pages,
        "hits": [_hit_out(request, hit) for hit in result.hits],
        "facets": {name: search.facet_values(values) for name, values in result.facets.items()},
        "links": {
            "self": link(result.page),
            "first": link(1),
            "prev": link(result.page - 1) if result.page > 1 else None,
            "next": link(result.page + 1) if result.page < result.pages else None,
            "last": link(result.pages),
        },
    }


@router.get("/records/{pk}", response=RecordOut, auth=None, summary="One published record")
def record_detail(request, pk: int):
    return _record_out(selectors.record_get(pk))


class WithdrawIn(Schema):
    reason: str = Field(description="data_error, duplicate, rights, sensitive, depositor_request or other.")
    note: str = Field(default="", description="Shown on the tombstone page; required with `other`.")


@router.post("/records/{pk}/withdraw", response=RecordOut, summary="Withdraw a record (moderators, administrators)")
def record_withdraw(request, pk: int, payload: WithdrawIn):
    """The landing page becomes a tombstone with the reason, the files are no longer served, the DOI
    becomes registered (hidden) and still resolves. 409 if already withdrawn."""
    services.record_withdraw(
        record=selectors.record_get(pk), actor=request.auth, reason=payload.reason, note=payload.note
    )
    return _record_out(selectors.record_get(pk))
