"""REST endpoints for published records (public)."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from ninja import Router, Schema
from pydantic import Field

from . import selectors

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
    metadata: dict[str, Any]
    files: list[RecordFileOut]


def _record_out(record) -> dict:
    from django.urls import reverse

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
        if record.is_withdrawn else None,
        "landing_page": record.landing_url,
        "metadata": record.metadata,
        "files": [
            {"name": f.name, "size": f.size, "md5": f.md5, "sha256": f.sha256,
             "download_url": record.landing_url.removesuffix(record.get_absolute_url())
             + reverse("repository:file-download", kwargs={"pk": record.pk, "name": f.name})}
            for f in record.files.all()
        ],
    }


@router.get("/records", response=list[RecordOut], auth=None, summary="Published records, newest first")
def record_list(request, limit: int = 50, offset: int = 0):
    limit = max(1, min(limit, 200))
    records = selectors.records_published().prefetch_related("files")[offset : offset + limit]
    return [_record_out(r) for r in records]


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
    from . import services

    services.record_withdraw(record=selectors.record_get(pk), actor=request.auth, reason=payload.reason, note=payload.note)
    return _record_out(selectors.record_get(pk))
