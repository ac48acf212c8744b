"""Published records made quickly for harvesting and export tests: the rows `record_publish`
leaves (metadata dumped from the document, a concept, files), without the DOI outbox."""

from __future__ import annotations

from django.utils import timezone

from repository.metadata import MetadataDocument
from repository.models import Concept, Record, RecordFile
from tests.factories import complete_metadata


def record_create(
    *,
    owner,
    community,
    metadata: dict | None = None,
    modified=None,
    doi: str | None = None,
    files=(("ctd.nc", 2048),),
    withdrawn: bool = False,
) -> Record:
    """A record as `record_publish` leaves it (metadata dumped from the document, a concept, its
    files), without the DOI outbox: a harvest needs none of it."""
    document = MetadataDocument.model_validate(metadata or complete_metadata())
    now = timezone.now()
    concept = Concept.objects.create()
    record = Record.objects.create(
        title=document.title,
        metadata=document.model_dump(mode="json"),
        doi=doi or f"10.5072/estran.t{concept.pk:09d}",
        community=community,
        owner=owner,
        concept=concept,
        publication_date=now.date(),
        modified=modified or now,
        embargo_until=document.access.embargo_until,
    )
    RecordFile.objects.bulk_create(
        RecordFile(
            record=record, name=name, size=size, md5="0" * 32, sha256="a" * 64, storage_key=f"k/{record.pk}/{name}"
        )
        for name, size in files
    )
    if withdrawn:
        record.status = Record.Status.withdrawn
        record.withdrawn_at = record.modified = now
        record.withdrawal_reason = "data_error"
        record.save()
    return record
