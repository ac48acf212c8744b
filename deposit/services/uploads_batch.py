"""Upload sessions in bulk, for scripts depositing thousands of files: open a batch of files in one
call and complete a batch in one call, each item answered on its own (a bad item refuses itself,
never its neighbours). Opening and completing take a fixed number of queries whatever the batch's
length (the store is still asked once per file); the limits on the number of files and the
deposit's size are counted for the batch as a whole, under the deposit's lock that every opening
takes, so two batches at once never exceed them."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import Conflict, DomainError, NotFound, ValidationFailed
from core.file_names import clean_file_name, folders_of
from core.logging import get_logger
from core.parallel import each_at_once

# tasks as a module: deposit.tasks imports this package at its top, so its tasks are looked up when used.
from deposit import policy, tasks
from deposit.models import Deposit, DepositFile, UploadSession
from repository.storage import PartsMismatch, get_store, new_object_key

from .common import require_editor, store_errors
from .uploads import (
    completion_parts,
    completion_sha256,
    duplicate_problem,
    files_verify_now,
    folder_problem,
    limit_problem,
    object_delete_after_commit,
    part_size_for,
    upload_open,
)

log = get_logger(__name__)

BATCH_MAX_ITEMS = 500


@dataclass
class BatchOpened:
    """One item's outcome: its session (new, or an unfinished upload resumed), or the problem that
    refused it."""

    session: UploadSession | None = None
    bulk: bool = False  # opened with the batch's own inserts: the store holds none of its parts yet
    problem: DomainError | None = None


def _item_problem(exc: DomainError, index: int) -> DomainError:
    """The item's problem, its fields named from the batch (`files.3.size`)."""
    if isinstance(exc, ValidationFailed):
        exc.problems = [{**p, "field": f"files.{index}.{p['field']}" if p.get("field") else None} for p in exc.problems]
    exc.field = f"files.{index}.{exc.field}" if exc.field else None
    return exc


def _checked(item: dict) -> tuple[str, int, str, bool]:
    """The item's name (cleaned), size, SHA-256 and choice of part checksums, as the single opening
    checks them."""
    name = clean_file_name(item.get("name", ""))
    size = item.get("size")
    if not isinstance(size, int) or isinstance(size, bool) or size < 0:
        raise ValidationFailed(_("The file size must be a whole number of bytes."), field="size")
    sha256 = (item.get("sha256") or "").lower()
    if sha256 and not re.fullmatch(r"[0-9a-f]{64}", sha256):
        raise ValidationFailed(_("A SHA-256 checksum is 64 hexadecimal characters."), field="sha256")
    return name, size, sha256, bool(item.get("part_sha256"))


@transaction.atomic
def uploads_open_batch(*, deposit: Deposit, actor, items: list[dict]) -> list[BatchOpened]:
    """Open an upload for each item ({name, size, sha256?}), answered in the items' order. New names
    are checked against the deposit's files and the batch's earlier items in memory (one query for
    the deposit's names, one insert of the files and one of the sessions); a name that replaces a
    failed file or resumes an unfinished upload goes through the single opening (upload_open), with
    its semantics and its queries. Items beyond UPLOAD_MAX_FILES or UPLOAD_MAX_DEPOSIT_SIZE are refused
    one by one, the earlier items taking the room first."""
    if len(items) > BATCH_MAX_ITEMS:
        raise ValidationFailed(
            _("A batch holds at most %(max)s files; send the others in another batch.") % {"max": BATCH_MAX_ITEMS},
            field="files",
        )
    deposit = Deposit.objects.select_for_update().get(pk=deposit.pk)
    require_editor(deposit, actor)
    results = [BatchOpened() for _item in items]
    checked: dict[int, tuple[str, int, str, bool]] = {}
    for index, item in enumerate(items):
        try:
            checked[index] = _checked(item)
        except ValidationFailed as exc:
            results[index].problem = _item_problem(exc, index)
    rows = list(deposit.files.values_list("name", "state", "size"))
    states = {name: state for name, state, _size in rows}
    # Names whose failed file is replaced, or whose unfinished upload is resumed or replaced: rare,
    # and the single opening already knows how (each in its own savepoint).
    single = {
        i
        for i, (name, *_rest) in checked.items()
        if states.get(name) in (DepositFile.State.failed, DepositFile.State.uploading)
    }
    for index in sorted(single):
        name, size, sha256, part_sha256 = checked.pop(index)
        try:
            results[index].session = upload_open(
                deposit=deposit, actor=actor, name=name, size=size, sha256=sha256, part_sha256=part_sha256
            )
        except DomainError as exc:
            results[index].problem = _item_problem(exc, index)
    if single:
        rows = list(deposit.files.values_list("name", "state", "size"))
        states = {name: state for name, state, _size in rows}
    kept = [(name, size) for name, state, size in rows if state != DepositFile.State.failed]
    names = {name for name, _size in kept}
    count, total = len(kept), sum(size for _name, size in kept)
    folders = {folder for name in names for folder in folders_of(name)}
    accepted: list[tuple[int, str, int, str, bool]] = []
    for index, (name, size, sha256, part_sha256) in checked.items():
        file_above = next((f for f in folders_of(name) if f in names), None)
        problem = (
            (duplicate_problem(name) if name in names or name in states else None)
            or folder_problem(name, is_folder=name in folders, file_above=file_above)
            or limit_problem(name=name, size=size, count=count, total=total)
        )
        if problem is not None:
            results[index].problem = _item_problem(problem, index)
            continue
        names.add(name)
        folders.update(folders_of(name))
        count, total = count + 1, total + size
        accepted.append((index, name, size, sha256, part_sha256))
    store = get_store()
    files, signed = [], []
    for _index, name, size, sha256, part_sha256 in accepted:
        files.append(
            DepositFile(deposit=deposit, name=name, size=size, storage_key=new_object_key(), declared_sha256=sha256)
        )
        signed.append(part_sha256)
    uploads = []
    # The store failing here opens nothing (503, the transaction rolled back); the uploads it did
    # create are known to no session, and the abandoned-upload sweep aborts them.
    with store_errors(step="open_batch"):
        for answer in each_at_once(
            lambda pair: store.create_multipart_upload(key=pair[0].storage_key, part_sha256=pair[1]),
            zip(files, signed, strict=True),
            threads=settings.UPLOAD_BATCH_STORE_THREADS,
        ):
            if isinstance(answer, Exception):
                raise answer
            uploads.append(answer)
    DepositFile.objects.bulk_create(files)
    expires_at = timezone.now() + timedelta(hours=settings.UPLOAD_SESSION_TTL_HOURS)
    sessions = []
    for file, upload_id, part_sha256 in zip(files, uploads, signed, strict=True):
        part_size = part_size_for(file.size)
        sessions.append(
            UploadSession(
                file=file,
                upload_id=upload_id,
                part_size=part_size,
                part_count=max(1, math.ceil(file.size / part_size)),
                part_sha256=part_sha256,
                state=UploadSession.State.open,
                created_by=actor,
                expires_at=expires_at,
            )
        )
    UploadSession.objects.bulk_create(sessions)
    for (index, *_rest), session in zip(accepted, sessions, strict=True):
        results[index].session, results[index].bulk = session, True
    log.info("upload.batch_opened", deposit=deposit.pk, opened=len(sessions), items=len(items))
    return results


@dataclass
class BatchCompleted:
    file: DepositFile | None = None
    problem: DomainError | None = None


def _completion_problem(exc: DomainError, index: int) -> DomainError:
    """The item's problem, its fields named from the batch (`uploads.3.parts`)."""
    if exc.field:
        exc.field = f"uploads.{index}.{exc.field}"
        if isinstance(exc, ValidationFailed):
            exc.problems = [{**p, "field": f"uploads.{index}.{p['field']}"} for p in exc.problems]
    return exc


@dataclass
class _Completing:
    index: int
    session: UploadSession
    parts: list[tuple[int, str]]
    sha256: str


def _checked_completions(actor, items: list[dict], results: list[BatchCompleted]) -> list[_Completing]:
    """The items that may be completed, checked as `upload_complete` checks one, from one query for
    all their sessions (and the policy's, once per deposit); the others' answers are set in
    `results`. An upload named twice is completed once (the later items answer the same)."""
    sessions = UploadSession.objects.select_related("file__deposit").in_bulk({item["upload_id"] for item in items})
    # Why the actor may not complete a deposit's uploads, once per deposit: an error with no field,
    # so that the items it refuses can share it.
    refusals: dict[int, DomainError | None] = {}
    checked, seen = [], set()
    for index, item in enumerate(items):
        session = sessions.get(item["upload_id"])
        if session is None or session.pk in seen:
            if session is None:
                results[index].problem = NotFound(_("No such upload."))
            continue
        seen.add(session.pk)
        deposit = session.file.deposit
        try:
            if deposit.pk not in refusals:
                refusals[deposit.pk] = _refusal(deposit, actor)
            if refusals[deposit.pk] is not None:
                raise refusals[deposit.pk]
            if session.state == UploadSession.State.completed:
                results[index].file = session.file
                continue
            if session.state != UploadSession.State.open:
                raise Conflict(_("This upload is already %(state)s.") % {"state": session.get_state_display()})
            parts = completion_parts(session, item["parts"])
            sha256 = completion_sha256(session.file, item.get("sha256", ""))
        except DomainError as exc:
            results[index].problem = _completion_problem(exc, index)
            continue
        checked.append(_Completing(index, session, parts, sha256))
    return checked


def _refusal(deposit: Deposit, actor) -> DomainError | None:
    """Why `actor` may not complete the deposit's uploads (someone else's upload and a missing one
    get the same answer, as for a single completion), or None."""
    if not policy.may_view(deposit, actor):
        return NotFound(_("No such upload."))
    try:
        require_editor(deposit, actor)
    except DomainError as exc:
        return exc
    return None


def uploads_complete_batch(*, actor, items: list[dict]) -> list[BatchCompleted]:
    """Complete each upload ({upload_id, parts, sha256?}) as `upload_complete` does one, answered in
    the items' order; a failure of one item is its own answer. The database work does not grow with
    the batch: one query reads the sessions, the store assembles each upload (a request per file,
    with no transaction open), one transaction locks and records them all, and the worker gets one
    message for the files it verifies. Small files are verified in this request while their sizes
    add up to UPLOAD_VERIFY_INLINE_MAX_SIZE (a batch's request reads at most as many bytes as a
    single completion may), their outcomes written at once; their previews are the worker's."""
    if len(items) > BATCH_MAX_ITEMS:
        raise ValidationFailed(
            _("A batch holds at most %(max)s files; send the others in another batch.") % {"max": BATCH_MAX_ITEMS},
            field="uploads",
        )
    results = [BatchCompleted() for _item in items]
    assembled = []
    store = get_store()
    unavailable = _("The file store is unavailable; nothing is lost: complete the upload again shortly.")

    def assemble(item: _Completing) -> None:
        key, upload_id = item.session.file.storage_key, item.session.upload_id
        try:
            with store_errors(unavailable, step="complete", session=item.session.pk):
                store.complete_multipart_upload(key=key, upload_id=upload_id, parts=item.parts)
        except PartsMismatch as exc:
            raise ValidationFailed(str(exc), field="parts") from exc
        except FileNotFoundError:
            raise Conflict(_("The store no longer holds this upload; start it again."), code="upload_gone") from None

    completing = _checked_completions(actor, items, results)
    for item, answer in zip(
        completing,
        each_at_once(assemble, completing, threads=settings.UPLOAD_BATCH_STORE_THREADS),
        strict=True,
    ):
        if isinstance(answer, DomainError):
            results[item.index].problem = _completion_problem(answer, item.index)
        elif isinstance(answer, Exception):
            raise answer
        else:
            assembled.append(item)
    inline = _record_completions(assembled, results)
    verified = files_verify_now(inline)
    for result in results:
        if result.file is not None and result.file.pk in verified:
            result.file = verified[result.file.pk]
    # An upload named twice answers as its first item does.
    first: dict[int, BatchCompleted] = {}
    for index, item in enumerate(items):
        if item["upload_id"] in first and results[index].problem is None and results[index].file is None:
            results[index] = first[item["upload_id"]]
        first.setdefault(item["upload_id"], results[index])
    log.info("upload.batch_completed", items=len(items), completed=len(assembled), verified=len(verified))
    return results


@transaction.atomic
def _record_completions(assembled: list[_Completing], results: list[BatchCompleted]) -> list[DepositFile]:
    """Record the assembled uploads as `upload_complete` records one, with their sessions locked in one
    query and written in two; answers the files to verify in this request (within the byte budget),
    the others handed to the worker in one message once this commits."""
    locked = UploadSession.objects.select_for_update().select_related("file").in_bulk([a.session.pk for a in assembled])
    now = timezone.now()
    recorded: list[DepositFile] = []
    for item in assembled:
        session = locked.get(item.session.pk)
        if session is None:  # the file was deleted while its parts were assembled
            object_delete_after_commit(item.session.file.storage_key)
            results[item.index].problem = NotFound(_("No such upload."))
        elif session.state == UploadSession.State.aborted:
            results[item.index].problem = Conflict(
                _("This upload is already %(state)s.") % {"state": session.get_state_display()}
            )
        elif session.state == UploadSession.State.completed:
            results[item.index].file = session.file  # a racing completion recorded it first, and verifies it
        else:
            file = session.file
            file.state = DepositFile.State.verifying
            file.declared_sha256 = file.declared_sha256 or item.sha256
            file.verify_queued_at = now
            recorded.append(file)
            results[item.index].file = file
    if not recorded:
        return []
    UploadSession.objects.filter(file__in=recorded).update(state=UploadSession.State.completed)
    DepositFile.objects.bulk_update(recorded, ["state", "declared_sha256", "verify_queued_at"])
    inline, later, budget = [], [], settings.UPLOAD_VERIFY_INLINE_MAX_SIZE
    for file in recorded:
        if file.size <= budget:
            inline.append(file)
            budget -= file.size
        else:
            later.append(file.pk)
    if later:
        transaction.on_commit(lambda: tasks.files_verify_task.delay(later))
    return inline
