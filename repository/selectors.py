"""Reads on published records."""
from __future__ import annotations

from django.db.models import QuerySet

from core.errors import NotFound

from .models import Record


def records_published() -> QuerySet[Record]:
    return Record.objects.select_related("community", "pid").order_by("-created")


def record_get(pk: int) -> Record:
    record = records_published().prefetch_related("files").filter(pk=pk).first()
    if record is None:
        raise NotFound("No such record.")
    return record


def record_by_doi(doi: str) -> Record:
    record = Record.objects.filter(doi__iexact=doi.strip()).first()
    if record is None:
        raise NotFound("No such DOI.")
    return record
