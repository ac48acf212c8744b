"""REST endpoints for published records (public)."""
from __future__ import annotations

from datetime import date
from typing import Any

from ninja import Router, Schema

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
    publication_date: date
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
        "publication_date": record.publication_date,
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
