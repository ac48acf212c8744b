"""A deposit's files: upload sessions (open, part URLs, completion, abort), the verification of
completed files, the sweeps of abandoned uploads and stalled verifications, deletion, and the
server-side upload of bytes the web process received."""

from __future__ import annotations

import hashlib
import math
import re
from datetime import timedelta

from django.conf import settings
from django.contrib.humanize.templatetags.humanize import intcomma
from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.db.models.functions import Left
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import Conflict, NotFound, ValidationFailed
from core.file_names import clean_file_name, folders_of
from core.logging import get_logger
from core.parallel import each_at_once

# tasks as a module: deposit.tasks imports this module at its top, so its tasks are looked up when used.
from deposit import hooks, tasks
from deposit.models import Deposit, DepositFile, UploadSession
from repository.models import RecordFile
from repository.storage import (
    CHECKSUM_HEADER,
    PartsMismatch,
    StorageError,
    get_store,
    new_object_key,
    sha256_hex_and_b64,
)

from .common import human_size, require_editor, store_errors

log = get_logger(__name__)

MAX_PARTS = 10_000


def part_size_for(size: int) -> int:
    """At least the minimum part size, and never more than 10,000 parts."""
    minimum = settings.UPLOAD_MIN_PART_SIZE
    return max(minimum, math.ceil(size / MAX_PARTS)) if size else minimum


def limit_problem(*, name: str, size: int, count: int, total: int) -> ValidationFailed | None:
    """What refuses a file of `size` in a deposit already holding `count` files of `total` bytes (failed
    files left out), or None: the one wording of the limits, for one file and for a batch."""
    if size > settings.UPLOAD_MAX_FILE_SIZE:
        return ValidationFailed(
            _("“%(name)s” is %(size)s; files are limited to %(max)s each.")
            % {"name": name, "size": human_size(size), "max": human_size(settings.UPLOAD_MAX_FILE_SIZE)},
            field="size",
        )
    if count >= settings.UPLOAD_MAX_FILES:
        return ValidationFailed(
            _("A deposit holds at most %(max)s files.") % {"max": intcomma(settings.UPLOAD_MAX_FILES)}, field="name"
        )
    if total + size > settings.UPLOAD_MAX_DEPOSIT_SIZE:
        return ValidationFailed(
            _(
                "A deposit holds at most %(max)s; this one already holds %(used)s, and “%(name)s” (%(size)s) "
                "would take it over."
            )
            % {
                "max": human_size(settings.UPLOAD_MAX_DEPOSIT_SIZE),
                "used": human_size(total),
                "name": name,
                "size": human_size(size),
            },
            field="size",
        )
    return None


def _check_limits(deposit: Deposit, *, name: str, size: int) -> None:
    """The limits per file, per deposit and on the number of files, refused before any byte is sent."""
    count = total = 0  # a file over the limit per file is refused whatever the deposit holds
    if size <= settings.UPLOAD_MAX_FILE_SIZE:
        existing = deposit.files.exclude(state=DepositFile.State.failed)
        count = existing.count()
        total = existing.aggregate(total=Sum("size"))["total"] or 0
    if problem := limit_problem(name=name, size=size, count=count, total=total):
        raise problem


def folder_problem(name: str, *, is_folder: bool, file_above: str | None) -> ValidationFailed | None:
    """A path is a file or a folder, never both (see _check_folders): the refusal when `name` is
    already a folder, or lies in `file_above`, a file's name."""
    if is_folder:
        return ValidationFailed(
            _("“%(name)s” is a folder in this deposit: a file cannot have the same name as a folder.") % {"name": name},
            field="name",
        )
    if file_above:
        return ValidationFailed(
            _("“%(file)s” is a file in this deposit: it cannot also be a folder holding “%(name)s”.")
            % {"file": file_above, "name": name},
            field="name",
        )
    return None


def duplicate_problem(name: str) -> ValidationFailed:
    return ValidationFailed(_("This deposit already has a file named “%(name)s”.") % {"name": name}, field="name")


def _check_folders(deposit: Deposit, *, name: str) -> None:
    """A path is a file or a folder, never both: `data` and `data/x.csv` cannot both be stored, since
    no file system (nor a ZIP of the deposit unpacked on one) holds a file and a folder of one name.
    Failed files are left out: they are replaced or deleted, never published."""
    existing = deposit.files.exclude(state=DepositFile.State.failed)
    folder = name + "/"
    # An exact comparison of the name's start: SQLite's LIKE (`startswith`) ignores case, and `Data/x`
    # would then make `data` a folder.
    is_folder = existing.annotate(start=Left("name", len(folder))).filter(start=folder).exists()
    above = existing.filter(name__in=folders_of(name)).values_list("name", flat=True)
    file_above = None if is_folder else above.first()
    if problem := folder_problem(name, is_folder=is_folder, file_above=file_above):
        raise problem


@transaction.atomic
def upload_open(
    *, deposit: Deposit, actor, name: str, size: int, sha256: str = "", part_sha256: bool = False
) -> UploadSession:
    """Open a multipart upload of one file; the caller PUTs each part to `upload_part_urls`
    (or to `upload_sign_parts`' URLs, which carry each part's SHA-256). With `part_sha256` the
    caller promises to send every part with its SHA-256 (`upload_sign_parts` only): the store's
    upload is created with the SHA-256 algorithm and keeps the object's composite checksum. A failed
    file of the same name is replaced. The same file chosen again (same name and size, same choice of
    part checksums) while its upload is unfinished resumes that upload: its session is answered, with
    the parts the store holds (or, if the store had assembled it and only the record was lost,
    completed); another file of that name replaces the unfinished upload."""
    deposit = Deposit.objects.select_for_update().get(pk=deposit.pk)
    require_editor(deposit, actor)
    name = clean_file_name(name)
    if not isinstance(size, int) or size < 0:
        raise ValidationFailed(_("The file size must be a whole number of bytes."), field="size")
    sha256 = (sha256 or "").lower()
    if sha256 and not re.fullmatch(r"[0-9a-f]{64}", sha256):
        raise ValidationFailed(_("A SHA-256 checksum is 64 hexadecimal characters."), field="sha256")
    failed = deposit.files.filter(name=name, state=DepositFile.State.failed).first()
    if failed is not None:
        object_delete_after_commit(failed.storage_key)
        failed.delete()
    unfinished = (
        UploadSession.objects.filter(
            file__deposit=deposit,
            file__name=name,
            file__state=DepositFile.State.uploading,
            state=UploadSession.State.open,
        )
        .select_related("file")
        .first()
    )
    if unfinished is not None:
        file = unfinished.file
        same_file = (
            file.size == size
            and (not sha256 or not file.declared_sha256 or sha256 == file.declared_sha256)
            # the store's upload takes parts with checksums or parts without, never both
            and unfinished.part_sha256 == part_sha256
        )
        if same_file and unfinished.expires_at > timezone.now():
            log.info("upload.resumed", session=unfinished.pk, file=file.pk)
            if _assembled(unfinished):
                _completion_record(unfinished, sha256="", verify_later=True)
            return unfinished
        log.info("upload.replaced", session=unfinished.pk, file=file.pk)
        abort_after_commit(file.storage_key, unfinished.upload_id)
        file.delete()
    _check_limits(deposit, name=name, size=size)
    _check_folders(deposit, name=name)
    key = new_object_key()
    try:
        with transaction.atomic():
            file = DepositFile.objects.create(
                deposit=deposit, name=name, size=size, storage_key=key, declared_sha256=sha256
            )
    except IntegrityError:
        raise duplicate_problem(name) from None
    part_size = part_size_for(size)
    with store_errors(step="open"):
        upload_id = get_store().create_multipart_upload(key=key, part_sha256=part_sha256)
    return UploadSession.objects.create(
        file=file,
        upload_id=upload_id,
        part_size=part_size,
        part_count=max(1, math.ceil(size / part_size)),
        part_sha256=part_sha256,
        created_by=actor,
        expires_at=timezone.now() + timedelta(hours=settings.UPLOAD_SESSION_TTL_HOURS),
    )


def _part_length(session: UploadSession, number: int) -> int:
    """The exact length of part `number`: the part size, or what is left for the last one."""
    return max(0, min(session.part_size, session.file.size - (number - 1) * session.part_size))


def upload_part_urls(session: UploadSession) -> list[dict]:
    """One URL per part, with no checksum signed in (any HTTP client can use them); none for a
    session opened with `part_sha256`, whose parts the store takes only with their checksum."""
    if session.part_sha256:
        return []
    store = get_store()
    with store_errors():
        return [
            {
                "part_number": n,
                "url": store.part_url(
                    key=session.file.storage_key,
                    upload_id=session.upload_id,
                    part_number=n,
                    max_bytes=_part_length(session, n),
                ),
                "headers": {},
            }
            for n in range(1, session.part_count + 1)
        ]


@transaction.atomic
def upload_sign_parts(*, session_id: int, actor, parts: list[dict]) -> list[dict]:
    """URLs signed for each part's SHA-256 (hex or base64): the client sends the checksum in the
    `x-amz-checksum-sha256` header and the store refuses the part if its bytes differ (real S3 and
    the local part endpoint both do). This is what the browser uploader asks for, part by part."""
    session = _open_session(session_id, actor)
    store = get_store()
    signed, seen = [], set()
    for index, part in enumerate(parts):
        try:
            number = int(part["part_number"])
            hex_digest, b64_digest = sha256_hex_and_b64(str(part["sha256"]))
        except (KeyError, TypeError, ValueError):
            raise ValidationFailed(
                _("Each part needs a part_number and the SHA-256 of its bytes (hexadecimal or base64)."),
                field=f"parts.{index}",
            ) from None
        if not 1 <= number <= session.part_count or number in seen:
            raise ValidationFailed(
                _("Part numbers go from 1 to %(count)s, each once.") % {"count": session.part_count},
                field=f"parts.{index}.part_number",
            )
        seen.add(number)
        with store_errors():
            url = store.part_url(
                key=session.file.storage_key,
                upload_id=session.upload_id,
                part_number=number,
                max_bytes=_part_length(session, number),
                sha256=hex_digest,
            )
        signed.append({"part_number": number, "url": url, "headers": {CHECKSUM_HEADER: b64_digest}})
    return signed


def upload_stored_parts(session: UploadSession) -> list[dict]:
    """The parts the store already holds: a client resumes by sending only the others."""
    try:
        with store_errors():
            parts = get_store().list_parts(key=session.file.storage_key, upload_id=session.upload_id)
    except FileNotFoundError:
        return []
    return [{"part_number": p.part_number, "etag": p.etag, "size": p.size} for p in parts]


def _editable_session(session_id: int, actor) -> UploadSession:
    """The upload session, locked, when `actor` may change its deposit."""
    session = (
        UploadSession.objects.select_for_update().select_related("file", "file__deposit").filter(pk=session_id).first()
    )
    if session is None:
        raise NotFound(_("No such upload."))
    require_editor(session.file.deposit, actor)
    return session


def _open_session(session_id: int, actor) -> UploadSession:
    session = _editable_session(session_id, actor)
    if session.state != UploadSession.State.open:
        raise Conflict(_("This upload is already %(state)s.") % {"state": session.get_state_display()})
    return session


def completion_parts(session: UploadSession, parts: list[dict]) -> list[tuple[int, str]]:
    try:
        numbered = sorted((int(p["part_number"]), str(p["etag"])) for p in parts)
    except (KeyError, TypeError, ValueError):
        raise ValidationFailed(_("Each part needs a part_number and an etag."), field="parts") from None
    expected = list(range(1, session.part_count + 1))
    if [n for n, _e in numbered] != expected:
        missing = sorted(set(expected) - {n for n, _e in numbered})
        raise ValidationFailed(
            _("Parts %(missing)s are missing; send all %(count)s parts, numbered from 1.")
            % {"missing": ", ".join(map(str, missing)) or "—", "count": session.part_count},
            field="parts",
        )
    return numbered


def completion_sha256(file: DepositFile, sha256: str) -> str:
    sha256 = (sha256 or "").lower()
    if sha256:
        if not re.fullmatch(r"[0-9a-f]{64}", sha256):
            raise ValidationFailed(_("A SHA-256 checksum is 64 hexadecimal characters."), field="sha256")
        if file.declared_sha256 and file.declared_sha256 != sha256:
            raise ValidationFailed(
                _("This SHA-256 differs from the one declared when the upload was opened."), field="sha256"
            )
    return sha256


def _completion_record(session: UploadSession, *, sha256: str, verify_later: bool) -> DepositFile:
    """Record, in the caller's transaction (which holds the session's row), that the store holds the
    assembled file: the session is completed and the file `verifying`. `verify_later`: the worker
    verifies it once this commits (else the caller does, at once)."""
    session.state = UploadSession.State.completed
    session.save(update_fields=["state"])
    file = session.file
    file.state = DepositFile.State.verifying
    file.declared_sha256 = file.declared_sha256 or sha256
    file.verify_queued_at = timezone.now()
    file.save(update_fields=["state", "declared_sha256", "verify_queued_at"])
    if verify_later:
        _enqueue_verification(file.pk)
    return file


def _assembled(session: UploadSession) -> bool:
    """Whether the store no longer holds the session's upload but holds its whole object: the store
    completed it and the record of that was lost (a failed commit, a process that died)."""
    store = get_store()
    try:
        store.list_parts(key=session.file.storage_key, upload_id=session.upload_id)
        return False
    except FileNotFoundError:
        pass
    try:
        return store.size(session.file.storage_key) == session.file.size
    except FileNotFoundError:
        return False


def upload_complete(*, session_id: int, actor, parts: list[dict], sha256: str = "") -> DepositFile:
    """Assemble the parts; the file is then `verifying` until its bytes are read back once (size,
    MD5, SHA-256, and the SHA-256 the client declared at opening or here): in this request for
    small files, by the worker for the others. A mismatch marks the file failed; a store failure
    leaves the upload open, to be completed again.

    Safe to send again in any failure order, and ends with one verified file: a completion already
    recorded (its answer lost, a double click, two requests racing) answers the file as it stands;
    one whose record failed after the store assembled the parts (the database refused the commit)
    finds the store's completion done (it is idempotent) and records it. The store assembles with
    no transaction open, so that a large file's assembly never holds the database (on SQLite, every
    writer) for its length; the verification reads with none open either. (A batch's completion,
    uploads_batch.uploads_complete_batch, does the same for many at once.)"""
    with transaction.atomic():
        session = _editable_session(session_id, actor)
        if session.state == UploadSession.State.completed:
            return session.file
        if session.state != UploadSession.State.open:
            raise Conflict(_("This upload is already %(state)s.") % {"state": session.get_state_display()})
        numbered = completion_parts(session, parts)
        sha256 = completion_sha256(session.file, sha256)
        key, upload_id = session.file.storage_key, session.upload_id
    unavailable = _("The file store is unavailable; nothing is lost: complete the upload again shortly.")
    try:
        with store_errors(unavailable, step="complete", session=session_id):
            get_store().complete_multipart_upload(key=key, upload_id=upload_id, parts=numbered)
    except PartsMismatch as exc:
        raise ValidationFailed(str(exc), field="parts") from exc
    except FileNotFoundError:
        raise Conflict(_("The store no longer holds this upload; start it again."), code="upload_gone") from None
    with transaction.atomic():
        session = UploadSession.objects.select_for_update().select_related("file").filter(pk=session_id).first()
        if session is None:  # the file was deleted while its parts were assembled
            object_delete_after_commit(key)
            raise NotFound(_("No such upload."))
        if session.state == UploadSession.State.aborted:
            raise Conflict(_("This upload is already %(state)s.") % {"state": session.get_state_display()})
        if session.state == UploadSession.State.completed:
            return session.file  # a racing completion recorded it first, and verifies it
        inline = session.file.size <= settings.UPLOAD_VERIFY_INLINE_MAX_SIZE
        file = _completion_record(session, sha256=sha256, verify_later=not inline)
    if inline:
        try:
            return file_verify_queued(file_id=file.pk) or DepositFile.objects.get(pk=file.pk)
        except StorageError as exc:
            log.warning("file.verify_deferred", file=file.pk, error=str(exc))
            _enqueue_verification(file.pk)
    return file


def _enqueue_verification(file_id: int) -> None:
    transaction.on_commit(lambda: tasks.file_verify_task.delay(file_id))


def _record_reading(file: DepositFile, reading: tuple[str, str, int] | None) -> None:
    """Set the file's checksums, state and error from the store's reading of its object, (md5,
    sha256, size), or None when the store does not hold it."""
    if reading is None:
        file.state, file.error = (
            DepositFile.State.failed,
            _("The store does not hold this file's bytes; upload it again."),
        )
        return
    file.md5, file.sha256, size = reading
    file.state, file.error = _verification_outcome(file, size=size, sha256=file.sha256)


def _verification_outcome(file: DepositFile, *, size: int, sha256: str) -> tuple[str, str]:
    if size != file.size:
        return DepositFile.State.failed, _("Received %(got)s bytes, expected %(want)s.") % {
            "got": size,
            "want": file.size,
        }
    if file.declared_sha256 and file.declared_sha256 != sha256:
        return DepositFile.State.failed, _(
            "The SHA-256 of the received bytes does not match the one declared: the file was corrupted in transit."
        )
    return DepositFile.State.ready, ""


def _preview_if_ready(file: DepositFile) -> None:
    """What the review page shows of a file that just became ready (first lines, NetCDF header);
    never fails the file (moderation.previews, through hooks.file_ready, stores an error preview
    instead)."""
    if file.state == DepositFile.State.ready:
        hooks.announce(hooks.file_ready, file=file)


def file_verify_queued(*, file_id: int) -> DepositFile | None:
    """Verify a `verifying` file: the worker's task (`deposit.files.verify`), and the completion
    request itself for small files. The object is streamed with no lock held (a large file takes
    minutes); the result is written only if the file is still the one that was read and still
    `verifying`, so a retried or duplicated verification is harmless (None: done meanwhile).
    StorageError propagates: the task retries later."""
    file = DepositFile.objects.filter(pk=file_id, state=DepositFile.State.verifying).first()
    if file is None:
        return None
    try:
        reading = get_store().checksums(file.storage_key)
    except FileNotFoundError:
        reading = None
    with transaction.atomic():
        file = (
            DepositFile.objects.select_for_update()
            .filter(pk=file_id, state=DepositFile.State.verifying, storage_key=file.storage_key)
            .first()
        )
        if file is None:  # deleted or verified meanwhile
            return None
        _record_reading(file, reading)
        file.save(update_fields=["md5", "sha256", "state", "error"])
    log.info("file.verified", file=file.pk, state=file.state, size=reading[2] if reading else -1)
    _preview_if_ready(file)  # after the row lock is released: a NetCDF copy from S3 takes time
    return file


def files_verify_now(files: list[DepositFile]) -> dict[int, DepositFile]:
    """Verify these `verifying` files in this request, as file_verify_queued does one, with the
    database work of all of them in one transaction of two queries: each object is read from the
    store with no lock held, then the outcomes are written together, for the files still
    `verifying` with the object that was read. The files the store fails to read go to the worker,
    and the ready files' previews too (a NetCDF header is read in a sandboxed child process): one
    message each, whatever the number of files. The files verified, by id."""
    if not files:
        return {}
    store = get_store()
    readings: dict[int, tuple[str, tuple[str, str, int] | None]] = {}
    deferred = []
    # Each object read with no lock held, a few at a time (a batch's small files wait on the network).
    for file, answer in zip(
        files,
        each_at_once(lambda f: store.checksums(f.storage_key), files, threads=settings.UPLOAD_BATCH_STORE_THREADS),
        strict=True,
    ):
        if isinstance(answer, FileNotFoundError):
            readings[file.pk] = (file.storage_key, None)
        elif isinstance(answer, StorageError):
            log.warning("file.verify_deferred", file=file.pk, error=str(answer))
            deferred.append(file.pk)
        elif isinstance(answer, Exception):
            raise answer
        else:
            readings[file.pk] = (file.storage_key, answer)
    verified: dict[int, DepositFile] = {}
    with transaction.atomic():
        for file in DepositFile.objects.select_for_update().filter(pk__in=readings, state=DepositFile.State.verifying):
            key, reading = readings[file.pk]
            if file.storage_key == key:  # else replaced meanwhile: not the object that was read
                _record_reading(file, reading)
                verified[file.pk] = file
        DepositFile.objects.bulk_update(list(verified.values()), ["md5", "sha256", "state", "error"])
        ready = [pk for pk, file in verified.items() if file.state == DepositFile.State.ready]
        if deferred:
            transaction.on_commit(lambda: tasks.files_verify_task.delay(deferred))
        if ready:
            transaction.on_commit(lambda: tasks.files_announce_ready_task.delay(ready))
    log.info("files.verified", files=len(verified), ready=len(ready), deferred=len(deferred))
    return verified


def files_announce_ready(*, file_ids: list[int]) -> None:
    """The previews of files verified in a request (files_verify_now), made by the worker."""
    for file in DepositFile.objects.filter(pk__in=file_ids, state=DepositFile.State.ready):
        _preview_if_ready(file)


@transaction.atomic
def upload_abort(*, session_id: int, actor) -> None:
    session = _open_session(session_id, actor)
    with store_errors():
        get_store().abort_multipart_upload(key=session.file.storage_key, upload_id=session.upload_id)
    session.state = UploadSession.State.aborted
    session.save(update_fields=["state"])
    session.file.delete()


def _key_is_published(key: str) -> bool:
    return RecordFile.objects.filter(storage_key=key).exists()


def object_delete_unpublished(*, key: str) -> bool:
    """Delete an object unless a published record holds it (a new version's deposit may share its
    predecessor's objects): the one way the upload paths delete bytes. True if deleted."""
    if _key_is_published(key):
        log.warning("object.delete_refused", key=key, reason="published")
        return False
    get_store().delete(key)
    log.info("object.deleted", key=key)
    return True


def object_delete_after_commit(key: str) -> None:
    def delete() -> None:
        try:
            object_delete_unpublished(key=key)
        except StorageError as exc:
            log.warning("object.delete_deferred", key=key, error=str(exc))
            tasks.object_delete_task.delay(key)

    transaction.on_commit(delete)


def abort_after_commit(key: str, upload_id: str) -> None:
    def abort() -> None:
        try:
            get_store().abort_multipart_upload(key=key, upload_id=upload_id)
        except StorageError as exc:  # the abandoned-upload sweep will find it
            log.warning("upload.abort_deferred", upload_id=upload_id, error=str(exc))

    transaction.on_commit(abort)


@transaction.atomic
def file_delete(*, file: DepositFile, actor) -> None:
    """Delete a draft's file; its object (or its unfinished upload) goes once the deletion commits."""
    deposit = Deposit.objects.select_for_update().get(pk=file.deposit_id)
    require_editor(deposit, actor)
    key = file.storage_key
    upload = getattr(file, "upload", None)
    file.delete()
    if upload is not None and upload.state == UploadSession.State.open:
        abort_after_commit(key, upload.upload_id)
    else:
        object_delete_after_commit(key)


def uploads_abort_abandoned(*, now=None) -> dict:
    """Abort unfinished uploads that received nothing for UPLOAD_ABANDONED_HOURS (or outlived
    UPLOAD_SESSION_TTL_HOURS): our sessions (the file is marked failed, with a message, so that the
    depositor knows) and the store's own unfinished uploads that no open session knows (a crash
    between the store's answer and our commit). Aborting never touches a completed object, and a
    session whose upload the store did complete (its record lost) is recorded and verified instead."""
    now = now or timezone.now()
    cutoff = now - timedelta(hours=settings.UPLOAD_ABANDONED_HOURS)
    store = get_store()
    aborted = recovered = 0
    stale = UploadSession.objects.filter(state=UploadSession.State.open, created__lt=cutoff).select_related("file")
    for session in stale:
        if session.expires_at > now:
            try:
                parts = store.list_parts(key=session.file.storage_key, upload_id=session.upload_id)
            except FileNotFoundError:
                parts = []
            latest = max((p.last_modified for p in parts if p.last_modified), default=None)
            if latest is not None and latest > cutoff:
                continue  # still receiving parts: slow, not abandoned
        with transaction.atomic():
            locked = (
                UploadSession.objects.select_for_update()
                .filter(pk=session.pk, state=UploadSession.State.open)
                .select_related("file")
                .first()
            )
            if locked is None:
                continue
            if _assembled(locked):
                _completion_record(locked, sha256="", verify_later=True)
                recovered += 1
                log.info("upload.completion_recovered", session=session.pk, file=session.file_id)
                continue
            store.abort_multipart_upload(key=locked.file.storage_key, upload_id=locked.upload_id)
            locked.state = UploadSession.State.aborted
            locked.save(update_fields=["state"])
            file = locked.file
            file.state = DepositFile.State.failed
            file.error = _(
                "The upload was not finished within %(hours)s hours and was cancelled; upload the file again."
            ) % {"hours": settings.UPLOAD_ABANDONED_HOURS}
            file.save(update_fields=["state", "error"])
        aborted += 1
        log.info("upload.abandoned", session=session.pk, file=session.file_id)
    known = set(UploadSession.objects.filter(state=UploadSession.State.open).values_list("upload_id", flat=True))
    orphans = 0
    for pending in store.list_multipart_uploads():
        if pending.upload_id in known or pending.initiated > cutoff:
            continue
        store.abort_multipart_upload(key=pending.key, upload_id=pending.upload_id)
        orphans += 1
        log.info("upload.orphan_aborted", key=pending.key, upload_id=pending.upload_id)
    return {"sessions": aborted, "orphans": orphans, "recovered": recovered}


# A file still `verifying` this long after its verification was handed over (plus the time to read
# it at a slow 10 MiB/s) was lost on the way: a worker killed mid-task, whose message the file-system
# broker does not keep.
VERIFY_STALLED_AFTER = timedelta(minutes=30)
VERIFY_SLOWEST_BYTES_PER_SECOND = 10 * 1024 * 1024


def files_verify_stalled(*, now=None) -> int:
    """Hand over again the verifications lost on the way (beat, every ten minutes), up to 1,000 a
    sweep, in three queries and one message to the worker; verifying twice is harmless
    (file_verify_queued). The rows locked while they are claimed: a sweep running at the same time
    waits, then finds them handed over already. Returns how many were handed over."""
    now = now or timezone.now()
    with transaction.atomic():
        candidates = (
            DepositFile.objects.select_for_update()
            .filter(state=DepositFile.State.verifying)
            .filter(Q(verify_queued_at__isnull=True) | Q(verify_queued_at__lt=now - VERIFY_STALLED_AFTER))
            .order_by("pk")
            .values_list("pk", "size", "verify_queued_at")[:1000]
        )
        stalled = [
            pk
            for pk, size, queued_at in candidates
            if queued_at is None
            or queued_at <= now - VERIFY_STALLED_AFTER - timedelta(seconds=size / VERIFY_SLOWEST_BYTES_PER_SECOND)
        ]
        if stalled:
            DepositFile.objects.filter(pk__in=stalled).update(verify_queued_at=now)
            transaction.on_commit(lambda: tasks.files_verify_task.delay(stalled))
    if stalled:
        log.warning("file.verify_requeued", count=len(stalled))
    return len(stalled)


def file_add_bytes(*, deposit: Deposit, actor, name: str, chunks, size: int) -> DepositFile:
    """Upload a file the web process received (the simple deposit form) through the same
    upload-session protocol a client uses: one session, parts of the chosen size, completion. Each
    part is sent with its SHA-256, as the browser sends them: the store verifies it, and S3 keeps the
    object's composite checksum."""
    session = upload_open(deposit=deposit, actor=actor, name=name, size=size, part_sha256=True)
    store = get_store()
    buffer, part_number, parts = bytearray(), 1, []

    def flush(data: bytes, number: int) -> None:
        etag = store.put_part(
            key=session.file.storage_key,
            upload_id=session.upload_id,
            part_number=number,
            stream=iter([bytes(data)]),
            sha256=hashlib.sha256(data).hexdigest(),
        )
        parts.append({"part_number": number, "etag": etag})

    for chunk in chunks:
        buffer += chunk
        while len(buffer) >= session.part_size:
            flush(buffer[: session.part_size], part_number)
            del buffer[: session.part_size]
            part_number += 1
    if buffer or not parts:
        flush(buffer, part_number)
    return upload_complete(session_id=session.pk, actor=actor, parts=parts)
