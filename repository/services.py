"""Writes on published records and persistent identifiers, including the DOI registration outbox."""
from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.logging import get_logger

from .metadata import MetadataDocument
from .models import PersistentIdentifier, Record, RecordFile
from .pids.base import DOIState, RejectedError, RetryableError, get_provider

log = get_logger(__name__)


def pid_reserve(*, document: MetadataDocument) -> PersistentIdentifier:
    """Mint a DOI and queue its reservation (DataCite draft) with the given metadata.
    The DOI is ours from this moment: the depositor may quote it."""
    provider = get_provider()
    pid = PersistentIdentifier.objects.create(
        doi=provider.mint(),
        provider=provider.name,
        target_state=DOIState.draft,
        document=document.model_dump(mode="json"),
    )
    _enqueue_sync(pid)
    return pid


def pid_update_document(*, pid: PersistentIdentifier, document: MetadataDocument) -> None:
    """New metadata for a DOI not yet published (a resubmission): resend it."""
    pid.document = document.model_dump(mode="json")
    pid.sync = PersistentIdentifier.Sync.pending
    pid.next_attempt_at = None
    pid.save(update_fields=["document", "sync", "next_attempt_at"])
    _enqueue_sync(pid)


def _enqueue_sync(pid: PersistentIdentifier) -> None:
    from .tasks import pid_sync_task

    pid_id = pid.pk
    transaction.on_commit(lambda: pid_sync_task.delay(pid_id))


@transaction.atomic
def record_publish(
    *, pid: PersistentIdentifier, document: MetadataDocument, community, owner, files: list[dict]
) -> Record:
    """Create the immutable record of an approved deposit and queue its DOI becoming findable.
    `files` are dicts with name, size, md5, sha256, storage_key (bytes already stored)."""
    today = timezone.now().date()
    document = document.model_copy(
        update={"publisher": document.publisher or settings.DOI_PUBLISHER, "publication_year": today.year}
    )
    record = Record.objects.create(
        title=document.title,
        metadata=document.model_dump(mode="json"),
        doi=pid.doi,
        community=community,
        owner=owner,
        publication_date=today,
    )
    RecordFile.objects.bulk_create(RecordFile(record=record, **f) for f in files)
    pid = PersistentIdentifier.objects.select_for_update().get(pk=pid.pk)
    pid.record = record
    pid.target_state = DOIState.findable
    pid.url = record.landing_url
    pid.sync = PersistentIdentifier.Sync.pending
    pid.next_attempt_at = None
    pid.save(update_fields=["record", "target_state", "url", "sync", "next_attempt_at"])
    log.info("record.published", record=record.pk, doi=record.doi)
    _enqueue_sync(pid)
    return record


def _pid_xml(pid: PersistentIdentifier) -> bytes:
    from .serializers.datacite import to_datacite_xml

    if pid.record_id:
        document = MetadataDocument.model_validate(pid.record.metadata)
        year = pid.record.publication_date.year
    else:
        document = MetadataDocument.model_validate(pid.document)
        year = date.today().year
    return to_datacite_xml(document, doi=pid.doi, publication_year=year)


def _backoff(attempts: int, retry_after: float | None) -> timedelta:
    seconds = min(settings.DOI_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0), settings.DOI_RETRY_MAX_SECONDS)
    if retry_after:
        seconds = max(seconds, retry_after)
    return timedelta(seconds=seconds)


def pid_sync(*, pid_id: int) -> PersistentIdentifier:
    """Bring the agency's state of one DOI to its target. Safe to run twice or concurrently: the row
    is locked for the call, and every provider call is idempotent. A retryable failure is recorded
    (attempts, error, next attempt) and then raised, so that the calling task retries."""
    retry: RetryableError | None = None
    with transaction.atomic():
        pid = PersistentIdentifier.objects.select_for_update(of=("self",)).select_related("record").get(pk=pid_id)
        if pid.sync != PersistentIdentifier.Sync.pending:
            return pid
        provider = get_provider(pid.provider)
        target = DOIState(pid.target_state)
        try:
            if target is DOIState.draft:
                provider.reserve(doi=pid.doi, xml=_pid_xml(pid))
            elif target is DOIState.findable:
                provider.register(doi=pid.doi, url=pid.url, xml=_pid_xml(pid))
            elif target is DOIState.registered:
                provider.hide(doi=pid.doi)
        except RetryableError as exc:
            # Recorded in this transaction, raised after it commits.
            retry = exc
            pid.attempts += 1
            pid.last_error = exc.message[:2000]
            pid.next_attempt_at = timezone.now() + _backoff(pid.attempts, exc.retry_after)
            pid.save(update_fields=["attempts", "last_error", "next_attempt_at"])
            log.warning("doi.retry", doi=pid.doi, attempts=pid.attempts, error=exc.message[:200])
        except RejectedError as exc:
            pid.attempts += 1
            pid.sync = PersistentIdentifier.Sync.rejected
            pid.last_error = exc.message[:2000]
            pid.save(update_fields=["attempts", "sync", "last_error"])
            log.error("doi.rejected", doi=pid.doi, error=exc.message[:500])
            return pid
        else:
            pid.state = target
            pid.sync = PersistentIdentifier.Sync.done
            pid.last_error = ""
            pid.next_attempt_at = None
            pid.synced_at = timezone.now()
            pid.save(update_fields=["state", "sync", "last_error", "next_attempt_at", "synced_at"])
            log.info("doi.synced", doi=pid.doi, state=pid.state, provider=pid.provider)
    if retry is not None:
        raise retry
    return pid


def pids_redrive(*, include_rejected: bool = False, now=None) -> int:
    """Re-enqueue registrations that are due (and, on request, rejected ones). Returns the count."""
    from django.db.models import Q

    now = now or timezone.now()
    pending = PersistentIdentifier.objects.filter(sync=PersistentIdentifier.Sync.pending).filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    )
    if include_rejected:
        PersistentIdentifier.objects.filter(sync=PersistentIdentifier.Sync.rejected).update(
            sync=PersistentIdentifier.Sync.pending, next_attempt_at=None
        )
    count = 0
    for pid in pending.only("pk"):
        _enqueue_sync(pid)
        count += 1
    return count


def record_file_count_download(*, record_file: RecordFile) -> None:
    from django.db.models import F

    RecordFile.objects.filter(pk=record_file.pk).update(download_count=F("download_count") + 1)
