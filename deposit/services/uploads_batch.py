"""Upload sessions in bulk, for scripts depositing thousands of files: open a batch of files in one
call and complete a batch in one call, each item answered on its own (a bad item refuses itself,
never its neighbours). Opening takes a fixed number of queries whatever the batch's length; the
limits on the number of files and the deposit's size are counted for the batch as a whole, under the
deposit's lock that every opening takes, so two batches at once never exceed them."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import DomainError, NotFound, ValidationFailed
from core.file_names import clean_file_name, folders_of
from core.logging import get_logger
from deposit import policy
from deposit.models import Deposit, DepositFile, UploadSession
from repository.storage import get_store, new_object_key

from .common import require_editor, store_errors
from .uploads import (
    duplicate_problem,
    folder_problem,
    limit_problem,
    part_size_for,
    upload_complete,
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
        for file, part_sha256 in zip(files, signed, strict=True):
            uploads.append(store.create_multipart_upload(key=file.storage_key, part_sha256=part_sha256))
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


def uploads_complete_batch(*, actor, items: list[dict]) -> list[BatchCompleted]:
    """Complete each upload ({upload_id, parts, sha256?}) as `upload_complete` does one, answered in
    the items' order; a failure of one item is its own answer. Small files are verified in this
    request while their sizes add up to UPLOAD_VERIFY_INLINE_MAX_SIZE, the rest by the worker: a
    batch's request reads at most as many bytes as a single completion may."""
    if len(items) > BATCH_MAX_ITEMS:
        raise ValidationFailed(
            _("A batch holds at most %(max)s files; send the others in another batch.") % {"max": BATCH_MAX_ITEMS},
            field="uploads",
        )
    ids = {item["upload_id"] for item in items}
    sessions = UploadSession.objects.select_related("file__deposit").in_bulk(ids)
    visible: dict[int, bool] = {}
    budget = settings.UPLOAD_VERIFY_INLINE_MAX_SIZE
    results = []
    for index, item in enumerate(items):
        session = sessions.get(item["upload_id"])
        deposit = session.file.deposit if session is not None else None
        if deposit is not None and deposit.pk not in visible:
            visible[deposit.pk] = policy.may_view(deposit, actor)
        try:
            # someone else's upload and a missing one get the same answer, as for a single completion
            if deposit is None or not visible[deposit.pk]:
                raise NotFound(_("No such upload."))
            inline = session.file.size <= budget
            file = upload_complete(
                session_id=session.pk,
                actor=actor,
                parts=item["parts"],
                sha256=item.get("sha256", ""),
                verify_inline=inline,
            )
            if inline:
                budget -= session.file.size
            results.append(BatchCompleted(file=file))
        except DomainError as exc:
            if exc.field:
                exc.field = f"uploads.{index}.{exc.field}"
                if isinstance(exc, ValidationFailed):
                    exc.problems = [{**p, "field": f"uploads.{index}.{p['field']}"} for p in exc.problems]
            results.append(BatchCompleted(problem=exc))
    return results
