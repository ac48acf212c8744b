"""The fixity audit: published files are read back from the store, a rolling sample per run
(oldest-checked first), and any file whose bytes no longer match its recorded checksums is reported
to the administrators."""

from __future__ import annotations

from django.conf import settings
from django.db.models import F, Subquery, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from core.logging import get_logger
from core.mail import mail_administrators

from .models import FIXITY_HISTORY_PER_FILE, FixityCheck, RecordFile
from .storage import StorageError, get_store

log = get_logger(__name__)


def fixity_sample(*, files: int, max_bytes: int) -> list[RecordFile]:
    """The next files to check: never checked first, then the longest unchecked; at most `files`
    of them and, past the first, no more than `max_bytes` together."""
    sample, total = [], 0
    queryset = RecordFile.objects.select_related("record").order_by(
        F("last_fixity_check_at").asc(nulls_first=True), "pk"
    )
    for record_file in queryset[:files]:
        if sample and total + record_file.size > max_bytes:
            break
        sample.append(record_file)
        total += record_file.size
    return sample


def fixity_problem(record_file: RecordFile, *, store=None) -> str:
    """What is wrong with the stored bytes of one file, or "" if they match. StorageError (the store
    is unavailable) propagates: that says nothing about the bytes."""
    store = store or get_store()
    try:
        md5, sha256, size = store.checksums(record_file.storage_key)
    except FileNotFoundError:
        return "The store no longer holds this file."
    if size != record_file.size:
        return f"The store holds {size} bytes, the record says {record_file.size}."
    if sha256 != record_file.sha256:
        return f"SHA-256 is {sha256}, the record says {record_file.sha256}."
    if record_file.md5 and md5 != record_file.md5:
        return f"MD5 is {md5}, the record says {record_file.md5}."
    return ""


def fixity_audit(*, files: int | None = None, max_bytes: int | None = None) -> dict:
    """Check one sample; record the time and the outcome on each file checked, and mail the
    administrators the mismatches. Stops early (and checks the rest next time) if the store fails.
    The database work does not grow with the sample or the repository: one query reads the sample
    (its records joined), one writes every outcome, two append them to the files' history and
    prune it; only the store is asked once per file."""
    store = get_store()
    checked: list[RecordFile] = []
    mismatched: list[tuple[RecordFile, str]] = []
    for record_file in fixity_sample(
        files=settings.FIXITY_AUDIT_FILES if files is None else files,
        max_bytes=settings.FIXITY_AUDIT_BYTES if max_bytes is None else max_bytes,
    ):
        try:
            problem = fixity_problem(record_file, store=store)
        except StorageError as exc:
            log.warning("fixity.store_unavailable", error=str(exc), checked=len(checked))
            break
        record_file.last_fixity_check_at, record_file.fixity_error = timezone.now(), problem
        checked.append(record_file)
        if problem:
            log.error(
                "fixity.mismatch",
                record=record_file.record_id,
                file=record_file.pk,
                key=record_file.storage_key,
                problem=problem,
            )
            mismatched.append((record_file, problem))
    RecordFile.objects.bulk_update(checked, ["last_fixity_check_at", "fixity_error"])
    _fixity_history_write(checked)
    if mismatched:
        _mail_mismatches(mismatched)
    log.info("fixity.audited", checked=len(checked), mismatched=len(mismatched))
    return {"checked": len(checked), "mismatched": [f.pk for f, _p in mismatched]}


def _fixity_history_write(checked: list[RecordFile]) -> None:
    """Each outcome appended to its file's history (what preservation packages carry), and the
    history of the files checked cut to their last FIXITY_HISTORY_PER_FILE checks: two statements,
    whatever the sample's size."""
    if not checked:
        return
    FixityCheck.objects.bulk_create(
        FixityCheck(record_file=f, checked_at=f.last_fixity_check_at, ok=not f.fixity_error, problem=f.fixity_error)
        for f in checked
    )
    older = (
        FixityCheck.objects.filter(record_file__in=[f.pk for f in checked])
        .annotate(
            rank=Window(RowNumber(), partition_by=F("record_file"), order_by=[F("checked_at").desc(), F("pk").desc()])
        )
        .filter(rank__gt=FIXITY_HISTORY_PER_FILE)
        .values("pk")
    )
    FixityCheck.objects.filter(pk__in=Subquery(older)).delete()


def _mail_mismatches(mismatched: list[tuple[RecordFile, str]]) -> None:
    lines = [
        f"- record {f.record_id} ({f.record.doi}), file “{f.name}” (object {f.storage_key}): {problem}"
        for f, problem in mismatched
    ]
    body = (
        f"The fixity audit of {settings.SITE_NAME} found {len(mismatched)} published file(s) whose stored "
        "bytes do not match the checksums recorded at publication:\n\n" + "\n".join(lines) + "\n\n"
        "Restore them from a backup or replica; each file is checked again on the next rounds.\n"
    )
    subject = f"Fixity audit: {len(mismatched)} file(s) do not match their checksums"
    # A mail the server refuses fails the audit's task (the files' outcomes are recorded already).
    if not mail_administrators(subject, body, fail_silently=False):
        log.error("fixity.no_recipients", mismatched=len(mismatched))
