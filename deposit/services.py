"""Writes on deposits: create, edit (lenient), files and upload sessions, and the lifecycle's actions
(strict validation at submission, DOI reservation, publication on approval)."""
from __future__ import annotations

import math
import re
import unicodedata
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.contrib.humanize.templatetags.humanize import intcomma
from django.db.models import Q, Sum
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Community, User
from core.errors import Conflict, DomainError, NotFound, PermissionDenied, ValidationFailed
from core.logging import get_logger
from core.text import input_problem, text_problem
from repository import services as repository_services
from repository.metadata import (
    ORCID_RE,
    MetadataDocument,
    normalize_orcid,
    orcid_checksum_ok,
    validate_document,
)
from repository.models import Concept, Record, RecordFile
from repository.netcdf import netcdf_kind
from repository.sandbox import Unreadable, run_isolated
from repository.storage import (
    CHECKSUM_HEADER,
    PartsMismatch,
    StorageError,
    get_store,
    new_object_key,
    sha256_hex_and_b64,
)

from . import hooks, policy, workflow
from .models import Collaboration, Deposit, DepositFile, UploadSession
from .workflow import Action, Status

log = get_logger(__name__)

MAX_PARTS = 10_000


# --- Access -------------------------------------------------------------------------------------


def _require_editor(deposit: Deposit, user) -> None:
    if not policy.may_edit(deposit, user):
        raise PermissionDenied(_("Only the depositor and co-depositors can change this deposit."))
    if deposit.status not in workflow.EDITABLE:
        raise Conflict(
            _("A deposit that is %(status)s cannot be edited.") % {"status": Status(deposit.status).label},
            code="not_editable",
        )


# --- Metadata -----------------------------------------------------------------------------------


def _title_of(metadata: dict) -> str:
    try:
        return str(metadata["titles"][0]["title"])[:500]
    except (KeyError, IndexError, TypeError):
        return ""


def _storable(metadata) -> dict:
    """The metadata, if it is an object that can be stored: lenient drafts keep anything typed,
    but not what the database cannot hold (see core.text), reported at its field."""
    if not isinstance(metadata, dict):
        raise ValidationFailed(_("Metadata must be a JSON object."), field="metadata")
    problem = input_problem(metadata)
    if problem is not None:
        field, message = problem
        raise ValidationFailed(_(message), field=field)
    return metadata


def _community_from(value) -> Community | None:
    if value in (None, ""):
        return None
    if isinstance(value, Community):
        return value
    community = Community.objects.filter(slug=str(value)).first()
    if community is None:
        raise ValidationFailed(_("Unknown community “%(slug)s”.") % {"slug": value}, field="community")
    return community


@transaction.atomic
def deposit_create(*, owner, metadata: dict | None = None, community=None) -> Deposit:
    metadata = _storable(metadata or {})
    if "point_of_contact" not in metadata and owner.public_name:
        # The depositor answers questions about the data unless they name someone else: under their
        # public name, never their username; their address stays private (the community's is shown).
        metadata = {**metadata, "point_of_contact": {"name": owner.public_name}}
    deposit = Deposit.objects.create(
        owner=owner, metadata=metadata, community=_community_from(community), title=_title_of(metadata)
    )
    log.info("deposit.created", deposit=deposit.pk, owner=owner.pk)
    return deposit


@transaction.atomic
def deposit_update(
    *, deposit: Deposit, actor, metadata: dict | None = None, community=..., revision: int | None = None
) -> Deposit:
    """Save what was typed, valid or not (drafts are lenient). With `revision`, refuse to overwrite
    a newer save (another tab, another co-depositor)."""
    deposit = Deposit.objects.select_for_update().get(pk=deposit.pk)
    _require_editor(deposit, actor)
    if revision is not None and revision != deposit.revision:
        raise Conflict(
            _("This deposit was saved elsewhere since you opened it (revision %(theirs)s, yours %(yours)s).")
            % {"theirs": deposit.revision, "yours": revision},
            code="stale_revision",
        )
    fields = ["revision", "modified"]
    if metadata is not None:
        deposit.metadata = _storable(metadata)
        deposit.title = _title_of(metadata)
        fields += ["metadata", "title"]
    if community is not ...:
        deposit.community = _community_from(community)
        fields.append("community")
    deposit.revision += 1
    deposit.save(update_fields=fields)
    return deposit


def deposit_problems(deposit: Deposit) -> list[dict]:
    """Everything that stands between the deposit and submission, each against its step and field."""
    _doc, problems = validate_document(deposit.metadata)
    if deposit.community_id is None:
        problems.append({"step": "describe", "field": "community", "message": _("Choose a community.")})
    files = list(deposit.files.all())
    if not files:
        problems.append({"step": "files", "field": "files", "message": _("Upload at least one file.")})
    for f in files:
        if f.state != DepositFile.State.ready:
            problems.append(
                {"step": "files", "field": f"files.{f.name}",
                 "message": _("“%(name)s” is %(state)s.") % {"name": f.name, "state": f.get_state_display()}}
            )
    return problems


# --- Lifecycle ----------------------------------------------------------------------------------


def deposit_act(
    *, deposit: Deposit, action: str, actor, note: str = "", reason: str = "", assignee: str = "",
    seen_status: str = "",
) -> Deposit:
    """Apply one lifecycle action on behalf of a user; the single entry point of the web views and
    the API. Submission validates strictly and reserves the DOI; approval publishes. `assignee` is
    a username; `seen_status` the status the actor's page showed (see workflow.apply_transition)."""
    if action in (Action.submit, Action.resubmit):
        return deposit_submit(deposit=deposit, actor=actor, action=action, seen_status=seen_status)
    if action == Action.approve:
        return deposit_approve(deposit=deposit, actor=actor, note=note, seen_status=seen_status)
    if action == Action.publish:
        raise PermissionDenied(_("Publication follows approval; it cannot be requested."))
    target = None
    if action == Action.assign:
        target = User.objects.filter(username=assignee, is_active=True).first() if assignee else None
    return workflow.apply_transition(
        deposit_id=deposit.pk, action=action, actor=actor, note=note, seen_status=seen_status, reason=reason,
        assignee=target,
    )


class NameRequired(ValidationFailed):
    """Submission from an account that has no name yet: what is published names depositors by their
    names, never by their usernames, so the name is asked for first (on the account page)."""

    def __init__(self):
        url = settings.SITE_URL + reverse("accounts:profile") + "#name-title"
        super().__init__(
            _("Give your name on your account page (%(url)s) before you submit: deposits are published under "
              "their depositors' names, never under usernames.") % {"url": url},
            field="account.display_name",
        )
        self.code = "name_required"


@transaction.atomic
def deposit_submit(*, deposit: Deposit, actor, action: str = Action.submit, seen_status: str = "") -> Deposit:
    deposit = Deposit.objects.select_for_update().get(pk=deposit.pk)
    transition = workflow.transition_for(deposit.status, action)
    if seen_status and seen_status != deposit.status:
        transition = None  # apply_transition below says what happened
    if transition is not None:
        if transition.role not in policy.roles_of(deposit, actor):
            raise PermissionDenied(_("You may not do this to this deposit."))
        if not actor.public_name:
            raise NameRequired()
        problems = deposit_problems(deposit)
        if problems:
            raise ValidationFailed(_("The deposit is not complete yet."), problems=problems)
    deposit = workflow.apply_transition(deposit_id=deposit.pk, action=action, actor=actor, seen_status=seen_status)
    document = MetadataDocument.model_validate(deposit.metadata)
    if deposit.pid_id is None:
        deposit.pid = repository_services.pid_reserve(document=document)
        deposit.save(update_fields=["pid"])
    else:
        repository_services.pid_update_document(pid=deposit.pid, document=document)
    return deposit


@transaction.atomic
def deposit_approve(*, deposit: Deposit, actor, note: str = "", seen_status: str = "") -> Deposit:
    """Approve and publish in one transaction: the record exists when the moderator sees the answer;
    the DOI becomes findable asynchronously (the registration waits in the outbox if DataCite is down)."""
    deposit = workflow.apply_transition(
        deposit_id=deposit.pk, action=Action.approve, actor=actor, note=note, seen_status=seen_status
    )
    document = MetadataDocument.model_validate(deposit.metadata)
    files = [
        {"name": f.name, "size": f.size, "md5": f.md5, "sha256": f.sha256, "storage_key": f.storage_key}
        for f in deposit.files.filter(state=DepositFile.State.ready)
    ]
    record = repository_services.record_publish(
        pid=deposit.pid, document=document, community=deposit.community, owner=deposit.owner, files=files,
        actor=actor,
    )
    deposit.record = record
    deposit.save(update_fields=["record"])
    return workflow.apply_transition(deposit_id=deposit.pk, action=Action.publish, actor=None)


# Deposits that can be deleted: never submitted, sent back, or rejected. A deposit on its way to
# publication (submitted, in review, approved) or published cannot.
DELETABLE = frozenset({Status.draft, Status.changes_requested, Status.rejected})


@transaction.atomic
def deposit_delete(*, deposit: Deposit, actor) -> None:
    """Delete a deposit that is not on its way to publication, with its files. Its reserved DOI is
    deleted at DataCite through the outbox (a draft DOI only: a registered or findable DOI can never
    be deleted, and the deletion is then refused)."""
    deposit = Deposit.objects.select_for_update(of=("self",)).select_related("pid").get(pk=deposit.pk)
    if not policy.may_delete(deposit, actor):
        raise PermissionDenied(_("Only the depositor who created the deposit can delete it."))
    if deposit.status not in DELETABLE or deposit.record_id:
        raise Conflict(
            _("A deposit that is %(status)s cannot be deleted; only drafts, deposits sent back for changes and "
              "rejected deposits can.") % {"status": Status(deposit.status).label},
            code="not_deletable",
        )
    if deposit.pid_id:
        repository_services.pid_delete(pid=deposit.pid)
    for file in deposit.files.select_related("upload"):
        upload = getattr(file, "upload", None)
        if upload is not None and upload.state == UploadSession.State.open:
            _abort_after_commit(file.storage_key, upload.upload_id)
        else:
            _object_delete_after_commit(file.storage_key)
    log.info("deposit.deleted", deposit=deposit.pk, actor=actor.pk, doi=deposit.pid.doi if deposit.pid_id else None)
    deposit.delete()


@transaction.atomic
def deposit_new_version(*, record, actor) -> Deposit:
    """Start the next version of a published record: a draft prefilled with its metadata (the
    publication year and the version label are the new version's to set), in its community, whose
    DOI (minted now, reserved at submission) joins the record's concept. Once approved it is
    published as the next version number. One new version is prepared at a time per dataset."""
    record = Record.objects.select_related("concept").get(pk=record.pk)
    if not policy.may_start_new_version(record, actor):
        raise PermissionDenied(_("Only the depositors of a record can start a new version of it."))
    if record.is_withdrawn:
        raise Conflict(_("A withdrawn record cannot get a new version."), code="withdrawn")
    concept = Concept.objects.select_for_update().get(pk=record.concept_id)
    open_deposit = (
        Deposit.objects.filter(pid__concept=concept, record__isnull=True).exclude(status=Status.rejected).first()
    )
    if open_deposit is not None:
        raise Conflict(
            _("A new version of this dataset is already being prepared (deposit #%(id)s); finish or delete it first.")
            % {"id": open_deposit.pk},
            code="new_version_open",
        )
    metadata = {k: v for k, v in record.metadata.items() if k not in ("publication_year", "version")}
    deposit = deposit_create(owner=actor, metadata=metadata, community=record.community)
    deposit.pid = repository_services.pid_mint(concept=concept)
    deposit.save(update_fields=["pid"])
    log.info("deposit.new_version", deposit=deposit.pk, record=record.pk, concept=concept.pk, doi=deposit.pid.doi)
    return deposit


# --- Files --------------------------------------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def _format_character(name: str) -> str | None:
    """The first Unicode format character (category Cf) of a name, as "U+202E RIGHT-TO-LEFT
    OVERRIDE", or None."""
    for char in name:
        if unicodedata.category(char) == "Cf":
            return f"U+{ord(char):04X} {unicodedata.name(char, '')}".strip()
    return None


def clean_file_name(name: str) -> str:
    """A file name as stored: NFC-normalised, no path, no control or format characters, not empty.

    Format characters are invisible and change how the rest displays: `report<U+202E>fdp.exe` shows
    as `reportexe.pdf`, and zero-width characters or a byte order mark make two names look alike."""
    if not isinstance(name, str):
        raise ValidationFailed(_("A file name is required."), field="name")
    if problem := text_problem(name):  # a lone surrogate cannot even be normalised and stored
        raise ValidationFailed(_(problem), field="name")
    name = unicodedata.normalize("NFC", name).strip()
    if not name or name in (".", ".."):
        raise ValidationFailed(_("A file name is required."), field="name")
    if "/" in name or "\\" in name:
        raise ValidationFailed(_("A file name cannot contain a path (“/” or “\\”)."), field="name")
    if _CONTROL.search(name):
        raise ValidationFailed(_("A file name cannot contain control characters."), field="name")
    if char := _format_character(name):
        raise ValidationFailed(
            _("A file name cannot contain %(char)s: invisible formatting characters (bidirectional overrides, "
              "zero-width characters, byte order marks) can make a name look like another one.") % {"char": char},
            field="name",
        )
    if len(name) > 255:
        raise ValidationFailed(_("A file name is at most 255 characters."), field="name")
    return name


def part_size_for(size: int) -> int:
    """At least the minimum part size, and never more than 10,000 parts."""
    minimum = settings.UPLOAD_MIN_PART_SIZE
    return max(minimum, math.ceil(size / MAX_PARTS)) if size else minimum


class StoreUnavailable(DomainError):
    """The object store did not answer (or failed); nothing was lost and the same request can be
    sent again shortly."""

    status_code = 503

    def __init__(self, message: str):
        super().__init__(message, code="storage_unavailable")


def _size(n: int) -> str:
    return filesizeformat(n)


def _check_limits(deposit: Deposit, *, name: str, size: int) -> None:
    """The limits per file, per deposit and on the number of files, refused before any byte is sent."""
    if size > settings.UPLOAD_MAX_FILE_SIZE:
        raise ValidationFailed(
            _("“%(name)s” is %(size)s; files are limited to %(max)s each.")
            % {"name": name, "size": _size(size), "max": _size(settings.UPLOAD_MAX_FILE_SIZE)},
            field="size",
        )
    existing = deposit.files.exclude(state=DepositFile.State.failed)
    if existing.count() >= settings.UPLOAD_MAX_FILES:
        raise ValidationFailed(
            _("A deposit holds at most %(max)s files.") % {"max": intcomma(settings.UPLOAD_MAX_FILES)}, field="name"
        )
    total = existing.aggregate(total=Sum("size"))["total"] or 0
    if total + size > settings.UPLOAD_MAX_DEPOSIT_SIZE:
        raise ValidationFailed(
            _("A deposit holds at most %(max)s; this one already holds %(used)s, and “%(name)s” (%(size)s) "
              "would take it over.")
            % {"max": _size(settings.UPLOAD_MAX_DEPOSIT_SIZE), "used": _size(total), "name": name,
               "size": _size(size)},
            field="size",
        )


@transaction.atomic
def upload_open(*, deposit: Deposit, actor, name: str, size: int, sha256: str = "") -> UploadSession:
    """Open a multipart upload of one file; the caller PUTs each part to `upload_part_urls`
    (or to `upload_sign_parts`' URLs, which carry each part's SHA-256). A failed file of the same
    name is replaced. The same file chosen again (same name and size) while its upload is unfinished
    resumes that upload: its session is answered, with the parts the store holds (or, if the store
    had assembled it and only the record was lost, completed); another file of that name replaces
    the unfinished upload."""
    deposit = Deposit.objects.select_for_update().get(pk=deposit.pk)
    _require_editor(deposit, actor)
    name = clean_file_name(name)
    if not isinstance(size, int) or size < 0:
        raise ValidationFailed(_("The file size must be a whole number of bytes."), field="size")
    sha256 = (sha256 or "").lower()
    if sha256 and not re.fullmatch(r"[0-9a-f]{64}", sha256):
        raise ValidationFailed(_("A SHA-256 checksum is 64 hexadecimal characters."), field="sha256")
    failed = deposit.files.filter(name=name, state=DepositFile.State.failed).first()
    if failed is not None:
        _object_delete_after_commit(failed.storage_key)
        failed.delete()
    unfinished = UploadSession.objects.filter(
        file__deposit=deposit, file__name=name, file__state=DepositFile.State.uploading,
        state=UploadSession.State.open,
    ).select_related("file").first()
    if unfinished is not None:
        file = unfinished.file
        same_file = file.size == size and (not sha256 or not file.declared_sha256 or sha256 == file.declared_sha256)
        if same_file and unfinished.expires_at > timezone.now():
            log.info("upload.resumed", session=unfinished.pk, file=file.pk)
            if _assembled(unfinished):
                _completion_record(unfinished, sha256="", verify_later=True)
            return unfinished
        log.info("upload.replaced", session=unfinished.pk, file=file.pk)
        _abort_after_commit(file.storage_key, unfinished.upload_id)
        file.delete()
    _check_limits(deposit, name=name, size=size)
    key = new_object_key()
    try:
        with transaction.atomic():
            file = DepositFile.objects.create(
                deposit=deposit, name=name, size=size, storage_key=key, declared_sha256=sha256
            )
    except IntegrityError:
        raise ValidationFailed(
            _("This deposit already has a file named “%(name)s”.") % {"name": name}, field="name"
        ) from None
    part_size = part_size_for(size)
    try:
        upload_id = get_store().create_multipart_upload(key=key)
    except StorageError as exc:
        log.warning("upload.store_unavailable", step="open", error=str(exc))
        raise StoreUnavailable(_("The file store is unavailable; try again shortly.")) from exc
    return UploadSession.objects.create(
        file=file,
        upload_id=upload_id,
        part_size=part_size,
        part_count=max(1, math.ceil(size / part_size)),
        created_by=actor,
        expires_at=timezone.now() + timedelta(hours=settings.UPLOAD_SESSION_TTL_HOURS),
    )


def _part_length(session: UploadSession, number: int) -> int:
    """The exact length of part `number`: the part size, or what is left for the last one."""
    return max(0, min(session.part_size, session.file.size - (number - 1) * session.part_size))


def upload_part_urls(session: UploadSession) -> list[dict]:
    """One URL per part, with no checksum signed in (any HTTP client can use them)."""
    store = get_store()
    try:
        return [
            {
                "part_number": n,
                "url": store.part_url(
                    key=session.file.storage_key, upload_id=session.upload_id, part_number=n,
                    max_bytes=_part_length(session, n),
                ),
                "headers": {},
            }
            for n in range(1, session.part_count + 1)
        ]
    except StorageError as exc:
        raise StoreUnavailable(_("The file store is unavailable; try again shortly.")) from exc


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
        try:
            url = store.part_url(
                key=session.file.storage_key, upload_id=session.upload_id, part_number=number,
                max_bytes=_part_length(session, number), sha256=hex_digest,
            )
        except StorageError as exc:
            raise StoreUnavailable(_("The file store is unavailable; try again shortly.")) from exc
        signed.append({"part_number": number, "url": url, "headers": {CHECKSUM_HEADER: b64_digest}})
    return signed


def upload_stored_parts(session: UploadSession) -> list[dict]:
    """The parts the store already holds: a client resumes by sending only the others."""
    try:
        parts = get_store().list_parts(key=session.file.storage_key, upload_id=session.upload_id)
    except FileNotFoundError:
        return []
    except StorageError as exc:
        raise StoreUnavailable(_("The file store is unavailable; try again shortly.")) from exc
    return [{"part_number": p.part_number, "etag": p.etag, "size": p.size} for p in parts]


def _editable_session(session_id: int, actor) -> UploadSession:
    """The upload session, locked, when `actor` may change its deposit."""
    session = (
        UploadSession.objects.select_for_update()
        .select_related("file", "file__deposit")
        .filter(pk=session_id)
        .first()
    )
    if session is None:
        raise NotFound(_("No such upload."))
    _require_editor(session.file.deposit, actor)
    return session


def _open_session(session_id: int, actor) -> UploadSession:
    session = _editable_session(session_id, actor)
    if session.state != UploadSession.State.open:
        raise Conflict(_("This upload is already %(state)s.") % {"state": session.get_state_display()})
    return session


def _completion_parts(session: UploadSession, parts: list[dict]) -> list[tuple[int, str]]:
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


def _completion_sha256(file: DepositFile, sha256: str) -> str:
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
    writer) for its length; the verification reads with none open either."""
    with transaction.atomic():
        session = _editable_session(session_id, actor)
        if session.state == UploadSession.State.completed:
            return session.file
        if session.state != UploadSession.State.open:
            raise Conflict(_("This upload is already %(state)s.") % {"state": session.get_state_display()})
        numbered = _completion_parts(session, parts)
        sha256 = _completion_sha256(session.file, sha256)
        key, upload_id = session.file.storage_key, session.upload_id
    try:
        get_store().complete_multipart_upload(key=key, upload_id=upload_id, parts=numbered)
    except PartsMismatch as exc:
        raise ValidationFailed(str(exc), field="parts") from exc
    except FileNotFoundError:
        raise Conflict(_("The store no longer holds this upload; start it again."), code="upload_gone") from None
    except StorageError as exc:
        log.warning("upload.store_unavailable", step="complete", session=session_id, error=str(exc))
        raise StoreUnavailable(
            _("The file store is unavailable; nothing is lost: complete the upload again shortly.")
        ) from exc
    with transaction.atomic():
        session = UploadSession.objects.select_for_update().select_related("file").filter(pk=session_id).first()
        if session is None:  # the file was deleted while its parts were assembled
            _object_delete_after_commit(key)
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
    from .tasks import file_verify_task

    transaction.on_commit(lambda: file_verify_task.delay(file_id))


def _verification_outcome(file: DepositFile, *, size: int, sha256: str) -> tuple[str, str]:
    if size != file.size:
        return DepositFile.State.failed, _("Received %(got)s bytes, expected %(want)s.") % {
            "got": size, "want": file.size}
    if file.declared_sha256 and file.declared_sha256 != sha256:
        return DepositFile.State.failed, _(
            "The SHA-256 of the received bytes does not match the one declared: the file was corrupted in transit.")
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
        md5, sha256, size = get_store().checksums(file.storage_key)
        missing = False
    except FileNotFoundError:
        md5 = sha256 = ""
        size, missing = -1, True
    with transaction.atomic():
        file = DepositFile.objects.select_for_update().filter(
            pk=file_id, state=DepositFile.State.verifying, storage_key=file.storage_key
        ).first()
        if file is None:  # deleted or verified meanwhile
            return None
        if missing:
            file.state, file.error = DepositFile.State.failed, _(
                "The store does not hold this file's bytes; upload it again.")
        else:
            file.md5, file.sha256 = md5, sha256
            file.state, file.error = _verification_outcome(file, size=size, sha256=sha256)
        file.save(update_fields=["md5", "sha256", "state", "error"])
    log.info("file.verified", file=file.pk, state=file.state, size=size)
    _preview_if_ready(file)  # after the row lock is released: a NetCDF copy from S3 takes time
    return file


@transaction.atomic
def upload_abort(*, session_id: int, actor) -> None:
    session = _open_session(session_id, actor)
    try:
        get_store().abort_multipart_upload(key=session.file.storage_key, upload_id=session.upload_id)
    except StorageError as exc:
        raise StoreUnavailable(_("The file store is unavailable; try again shortly.")) from exc
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


def _object_delete_after_commit(key: str) -> None:
    def delete() -> None:
        try:
            object_delete_unpublished(key=key)
        except StorageError as exc:
            from .tasks import object_delete_task

            log.warning("object.delete_deferred", key=key, error=str(exc))
            object_delete_task.delay(key)

    transaction.on_commit(delete)


def _abort_after_commit(key: str, upload_id: str) -> None:
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
    _require_editor(deposit, actor)
    key = file.storage_key
    upload = getattr(file, "upload", None)
    file.delete()
    if upload is not None and upload.state == UploadSession.State.open:
        _abort_after_commit(key, upload.upload_id)
    else:
        _object_delete_after_commit(key)


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
    for session in UploadSession.objects.filter(state=UploadSession.State.open, created__lt=cutoff).select_related("file"):
        if session.expires_at > now:
            try:
                parts = store.list_parts(key=session.file.storage_key, upload_id=session.upload_id)
            except FileNotFoundError:
                parts = []
            latest = max((p.last_modified for p in parts if p.last_modified), default=None)
            if latest is not None and latest > cutoff:
                continue  # still receiving parts: slow, not abandoned
        with transaction.atomic():
            locked = UploadSession.objects.select_for_update().filter(
                pk=session.pk, state=UploadSession.State.open).select_related("file").first()
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
            file.error = _("The upload was not finished within %(hours)s hours and was cancelled; "
                           "upload the file again.") % {"hours": settings.UPLOAD_ABANDONED_HOURS}
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
    """Hand over again the verifications lost on the way (beat, every ten minutes); verifying twice
    is harmless (file_verify_queued). Returns how many were handed over."""
    now = now or timezone.now()
    candidates = DepositFile.objects.filter(state=DepositFile.State.verifying).filter(
        Q(verify_queued_at__isnull=True) | Q(verify_queued_at__lt=now - VERIFY_STALLED_AFTER)
    ).values_list("pk", "size", "verify_queued_at")[:1000]
    requeued = 0
    for pk, size, queued_at in candidates:
        allowance = VERIFY_STALLED_AFTER + timedelta(seconds=size / VERIFY_SLOWEST_BYTES_PER_SECOND)
        if queued_at is not None and queued_at > now - allowance:
            continue
        # The conditional update is the claim: two sweeps at once hand a file over once.
        if DepositFile.objects.filter(pk=pk, state=DepositFile.State.verifying, verify_queued_at=queued_at).update(
            verify_queued_at=now
        ):
            _enqueue_verification(pk)
            requeued += 1
    if requeued:
        log.warning("file.verify_requeued", count=requeued)
    return requeued


def file_add_bytes(*, deposit: Deposit, actor, name: str, chunks, size: int) -> DepositFile:
    """Upload a file the web process received (the simple deposit form) through the same
    upload-session protocol a client uses: one session, parts of the chosen size, completion."""
    session = upload_open(deposit=deposit, actor=actor, name=name, size=size)
    store = get_store()
    buffer, part_number, parts = bytearray(), 1, []
    def flush(data: bytes, number: int) -> None:
        etag = store.put_part(
            key=session.file.storage_key, upload_id=session.upload_id, part_number=number, stream=iter([bytes(data)])
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


# --- NetCDF suggestions ------------------------------------------------------------------------

# NetCDF needs random access to the whole file: a stored object is copied to a temporary file
# first, up to this size (settings.NETCDF_SUGGESTIONS_MAX_SIZE overrides it).
NETCDF_SUGGESTIONS_MAX_SIZE = 2 * 1024**3


def file_netcdf_suggestions(*, file: DepositFile) -> dict:
    """What a NetCDF file of the deposit says about its extent and parameters, for the "where and
    when" step to offer (see `repository.netcdf.extract_suggestions`: document-shaped `geo_locations`,
    `temporal_extent`, `vertical_extent`, `subjects`…, with `notes` and `variables`). Reads only;
    the caller checks who may see the file. Refuses a file that is not ready (409), too large, not
    NetCDF or that could not be read (422); a store that does not answer is StoreUnavailable (503).
    The file is read in a child process with memory and time limits (`repository.sandbox`): a
    hostile file fails there, not in this process."""
    import contextlib
    import os
    import tempfile
    from pathlib import Path

    from botocore.exceptions import BotoCoreError

    limit = getattr(settings, "NETCDF_SUGGESTIONS_MAX_SIZE", NETCDF_SUGGESTIONS_MAX_SIZE)
    if file.state != DepositFile.State.ready:
        raise Conflict(_("This file is not ready yet: its upload or its check is not finished."),
                       code="file_not_ready")
    if file.size > limit:
        raise ValidationFailed(
            _("Only files up to %(limit)s are read for suggestions; this one is %(size)s.")
            % {"limit": _size(limit), "size": _size(file.size)}, field="file")
    not_netcdf = ValidationFailed(_("This file cannot be read as NetCDF."), field="file")

    def extract(path: str | Path) -> dict:
        if netcdf_kind(path) is None:
            raise not_netcdf
        try:
            suggestions = run_isolated("repository.netcdf:extract_suggestions", path)
        except Unreadable:
            raise ValidationFailed(
                _("This file could not be read: its header is damaged or declares more than the file holds, "
                  "or reading it needed more memory or time than Estran allows."), field="file") from None
        log.info("file.netcdf_suggestions", file=file.pk, found=sorted(k for k in suggestions if k != "notes"))
        return suggestions

    try:
        stream = get_store().open(file.storage_key)
    except FileNotFoundError:
        raise NotFound(_("The store does not hold this file's bytes; upload it again.")) from None
    except StorageError as exc:
        raise StoreUnavailable(_("The file store is not answering; try again in a moment.")) from exc
    with contextlib.closing(stream):
        # A local store hands out a real file: read it in place rather than copying it.
        local = getattr(stream, "name", None)
        if isinstance(local, str) and os.path.isfile(local):
            return extract(local)
        with tempfile.TemporaryDirectory(prefix="estran-netcdf-") as folder:
            path = Path(folder) / "data.nc"
            copied = 0
            try:
                with open(path, "wb") as out:
                    while chunk := stream.read(8 * 1024 * 1024):
                        copied += len(chunk)
                        if copied > limit:
                            raise ValidationFailed(
                                _("Only files up to %(limit)s are read for suggestions.") % {"limit": _size(limit)},
                                field="file")
                        out.write(chunk)
            except (StorageError, BotoCoreError, OSError) as exc:
                raise StoreUnavailable(_("The file store stopped answering; try again in a moment.")) from exc
            return extract(path)


# --- Co-depositors ------------------------------------------------------------------------------


@transaction.atomic
def collaborator_invite(*, deposit: Deposit, actor, email: str = "", orcid: str = "") -> Collaboration:
    """Invite a co-depositor by e-mail or ORCID iD. Only the owner (or an administrator) invites.
    The invitation reaches an existing account with that verified e-mail or authenticated iD,
    or waits for one; the invitee is told (notifications.services.notify_invitation)."""
    from allauth.account.models import EmailAddress
    from django.contrib.auth import get_user_model

    deposit = Deposit.objects.select_for_update().get(pk=deposit.pk)
    if not policy.may_invite(deposit, actor):
        raise PermissionDenied(_("Only the depositor who created the deposit can invite co-depositors."))
    if deposit.status in workflow.TERMINAL:
        raise Conflict(_("This deposit is closed to co-depositors."))
    email = (email or "").strip().lower()
    orcid = normalize_orcid(orcid or "") if orcid else ""
    if bool(email) == bool(orcid):
        raise ValidationFailed(_("Give either an e-mail address or an ORCID iD."), field="email")
    if email:
        from django.core.exceptions import ValidationError
        from django.core.validators import validate_email

        try:
            validate_email(email)
        except ValidationError:
            raise ValidationFailed(_("Enter a valid e-mail address."), field="email") from None
    if orcid and not (ORCID_RE.match(orcid) and orcid_checksum_ok(orcid)):
        raise ValidationFailed(
            _("Not a valid ORCID iD (format 0000-0002-1825-0097, with its check digit)."), field="orcid"
        )
    User = get_user_model()
    invitee = None
    if email:
        address = EmailAddress.objects.filter(email__iexact=email, verified=True).select_related("user").first()
        invitee = address.user if address else None
    else:
        invitee = User.objects.filter(orcid=orcid, orcid_authenticated=True).first()
    if invitee is not None and invitee.pk == deposit.owner_id:
        raise ValidationFailed(_("You already own this deposit."), field="email" if email else "orcid")
    live = deposit.collaborations.filter(state__in=[Collaboration.State.pending, Collaboration.State.accepted])
    duplicate = live.filter(email=email) if email else live.filter(orcid=orcid)
    if duplicate.exists() or (invitee is not None and live.filter(user=invitee).exists()):
        raise ValidationFailed(_("This person is already invited."), field="email" if email else "orcid")
    collaboration = Collaboration.objects.create(
        deposit=deposit, invited_by=actor, email=email, orcid=orcid, user=invitee
    )
    # The invitee is told once this commits, through the notifications' outbox like every mail
    # (recorded, retried, sent once): nothing about the mail can fail the invitation.
    hooks.announce_on_commit(hooks.collaborator_invited, collaboration_id=collaboration.pk)
    log.info("collaborator.invited", deposit=deposit.pk, collaboration=collaboration.pk)
    return collaboration


def _invitation_for(user, collaboration_id: int) -> Collaboration:
    from .selectors import invitations_for

    collaboration = invitations_for(user).select_for_update(of=("self",)).filter(pk=collaboration_id).first()
    if collaboration is None:
        raise NotFound(_("No such invitation."))
    return collaboration


@transaction.atomic
def invitation_accept(*, collaboration_id: int, user) -> Collaboration:
    collaboration = _invitation_for(user, collaboration_id)
    collaboration.user = user
    collaboration.state = Collaboration.State.accepted
    collaboration.responded_at = timezone.now()
    collaboration.save(update_fields=["user", "state", "responded_at"])
    log.info("collaborator.accepted", deposit=collaboration.deposit_id, user=user.pk)
    return collaboration


@transaction.atomic
def invitation_decline(*, collaboration_id: int, user) -> Collaboration:
    collaboration = _invitation_for(user, collaboration_id)
    collaboration.user = user
    collaboration.state = Collaboration.State.declined
    collaboration.responded_at = timezone.now()
    collaboration.save(update_fields=["user", "state", "responded_at"])
    return collaboration


@transaction.atomic
def collaboration_revoke(*, collaboration: Collaboration, actor) -> None:
    """The owner withdraws an invitation or removes a co-depositor; a co-depositor may leave."""
    if not policy.may_revoke(collaboration, actor):
        raise PermissionDenied(_("Only the depositor can remove a co-depositor."))
    collaboration.state = Collaboration.State.revoked
    collaboration.responded_at = timezone.now()
    collaboration.save(update_fields=["state", "responded_at"])
