"""Writes on deposits: create, edit (lenient), files and upload sessions, and the lifecycle's actions
(strict validation at submission, DOI reservation, publication on approval)."""
from __future__ import annotations

import math
import re
import unicodedata
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Community
from core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from core.logging import get_logger
from repository import services as repository_services
from repository.metadata import MetadataDocument, validate_document
from repository.storage import PartsMismatch, StorageError, get_store, new_object_key

from . import workflow
from .models import Collaboration, Deposit, DepositFile, UploadSession
from .workflow import Action, Status

log = get_logger(__name__)

MAX_PARTS = 10_000


# --- Access -------------------------------------------------------------------------------------


def _require_editor(deposit: Deposit, user) -> None:
    from .selectors import can_edit

    if not can_edit(deposit, user):
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
    metadata = metadata or {}
    if not isinstance(metadata, dict):
        raise ValidationFailed(_("Metadata must be a JSON object."), field="metadata")
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
        if not isinstance(metadata, dict):
            raise ValidationFailed(_("Metadata must be a JSON object."), field="metadata")
        deposit.metadata = metadata
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


def deposit_act(*, deposit: Deposit, action: str, actor, note: str = "") -> Deposit:
    """Apply one lifecycle action on behalf of a user; the single entry point of the web views and
    the API. Submission validates strictly and reserves the DOI; approval publishes."""
    if action in (Action.submit, Action.resubmit):
        return deposit_submit(deposit=deposit, actor=actor, action=action)
    if action == Action.approve:
        return deposit_approve(deposit=deposit, actor=actor, note=note)
    if action == Action.publish:
        raise PermissionDenied(_("Publication follows approval; it cannot be requested."))
    return workflow.apply_transition(deposit_id=deposit.pk, action=action, actor=actor, note=note)


@transaction.atomic
def deposit_submit(*, deposit: Deposit, actor, action: str = Action.submit) -> Deposit:
    deposit = Deposit.objects.select_for_update().get(pk=deposit.pk)
    transition = workflow.transition_for(deposit.status, action)
    if transition is not None:
        if transition.role not in workflow.roles_of(deposit, actor):
            raise PermissionDenied(_("You may not do this to this deposit."))
        problems = deposit_problems(deposit)
        if problems:
            raise ValidationFailed(_("The deposit is not complete yet."), problems=problems)
    deposit = workflow.apply_transition(deposit_id=deposit.pk, action=action, actor=actor)
    document = MetadataDocument.model_validate(deposit.metadata)
    if deposit.pid_id is None:
        deposit.pid = repository_services.pid_reserve(document=document)
        deposit.save(update_fields=["pid"])
    else:
        repository_services.pid_update_document(pid=deposit.pid, document=document)
    return deposit


@transaction.atomic
def deposit_approve(*, deposit: Deposit, actor, note: str = "") -> Deposit:
    """Approve and publish in one transaction: the record exists when the moderator sees the answer;
    the DOI becomes findable asynchronously (the registration waits in the outbox if DataCite is down)."""
    deposit = workflow.apply_transition(deposit_id=deposit.pk, action=Action.approve, actor=actor, note=note)
    document = MetadataDocument.model_validate(deposit.metadata)
    files = [
        {"name": f.name, "size": f.size, "md5": f.md5, "sha256": f.sha256, "storage_key": f.storage_key}
        for f in deposit.files.filter(state=DepositFile.State.ready)
    ]
    record = repository_services.record_publish(
        pid=deposit.pid, document=document, community=deposit.community, owner=deposit.owner, files=files
    )
    deposit.record = record
    deposit.save(update_fields=["record"])
    return workflow.apply_transition(deposit_id=deposit.pk, action=Action.publish, actor=None)


# --- Files --------------------------------------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def clean_file_name(name: str) -> str:
    """A file name as stored: NFC-normalised, no path, no control characters, not empty."""
    if not isinstance(name, str):
        raise ValidationFailed(_("A file name is required."), field="name")
    name = unicodedata.normalize("NFC", name).strip()
    if not name or name in (".", ".."):
        raise ValidationFailed(_("A file name is required."), field="name")
    if "/" in name or "\\" in name:
        raise ValidationFailed(_("A file name cannot contain a path (“/” or “\\”)."), field="name")
    if _CONTROL.search(name):
        raise ValidationFailed(_("A file name cannot contain control characters."), field="name")
    if len(name) > 255:
        raise ValidationFailed(_("A file name is at most 255 characters."), field="name")
    return name


def part_size_for(size: int) -> int:
    """At least the minimum part size, and never more than 10,000 parts."""
    minimum = settings.UPLOAD_MIN_PART_SIZE
    return max(minimum, math.ceil(size / MAX_PARTS)) if size else minimum


@transaction.atomic
def upload_open(*, deposit: Deposit, actor, name: str, size: int, sha256: str = "") -> UploadSession:
    """Open a multipart upload of one file; the caller PUTs each part to `upload_part_urls`."""
    deposit = Deposit.objects.select_for_update().get(pk=deposit.pk)
    _require_editor(deposit, actor)
    name = clean_file_name(name)
    if not isinstance(size, int) or size < 0:
        raise ValidationFailed(_("The file size must be a whole number of bytes."), field="size")
    if size > settings.UPLOAD_MAX_FILE_SIZE:
        raise ValidationFailed(
            _("Files are limited to %(max)s bytes.") % {"max": settings.UPLOAD_MAX_FILE_SIZE}, field="size"
        )
    existing = deposit.files.exclude(state=DepositFile.State.failed)
    if existing.count() >= settings.UPLOAD_MAX_FILES:
        raise ValidationFailed(
            _("A deposit holds at most %(max)s files.") % {"max": settings.UPLOAD_MAX_FILES}, field="name"
        )
    total = existing.aggregate(total=Sum("size"))["total"] or 0
    if total + size > settings.UPLOAD_MAX_DEPOSIT_SIZE:
        raise ValidationFailed(
            _("A deposit holds at most %(max)s bytes.") % {"max": settings.UPLOAD_MAX_DEPOSIT_SIZE}, field="size"
        )
    sha256 = (sha256 or "").lower()
    if sha256 and not re.fullmatch(r"[0-9a-f]{64}", sha256):
        raise ValidationFailed(_("A SHA-256 checksum is 64 hexadecimal characters."), field="sha256")
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
        raise Conflict(_("The file store is unavailable; try again shortly.") + f" ({exc})") from exc
    return UploadSession.objects.create(
        file=file,
        upload_id=upload_id,
        part_size=part_size,
        part_count=max(1, math.ceil(size / part_size)),
        created_by=actor,
        expires_at=timezone.now() + timedelta(hours=settings.UPLOAD_SESSION_TTL_HOURS),
    )


def upload_part_urls(session: UploadSession) -> list[dict]:
    store = get_store()
    return [
        {
            "part_number": n,
            "url": store.part_url(
                key=session.file.storage_key, upload_id=session.upload_id, part_number=n, max_bytes=session.part_size
            ),
        }
        for n in range(1, session.part_count + 1)
    ]


def upload_stored_parts(session: UploadSession) -> list[dict]:
    """The parts the store already holds: a client resumes by sending only the others."""
    parts = get_store().list_parts(key=session.file.storage_key, upload_id=session.upload_id)
    return [{"part_number": p.part_number, "etag": p.etag, "size": p.size} for p in parts]


def _open_session(session_id: int, actor) -> UploadSession:
    session = (
        UploadSession.objects.select_for_update()
        .select_related("file", "file__deposit")
        .filter(pk=session_id)
        .first()
    )
    if session is None:
        raise NotFound(_("No such upload."))
    _require_editor(session.file.deposit, actor)
    if session.state != UploadSession.State.open:
        raise Conflict(_("This upload is already %(state)s.") % {"state": session.get_state_display()})
    return session


@transaction.atomic
def upload_complete(*, session_id: int, actor, parts: list[dict]) -> DepositFile:
    """Assemble the parts, then verify the bytes (size, MD5, SHA-256, and the SHA-256 the client
    declared). A mismatch marks the file failed; a store failure leaves the upload open to retry."""
    session = _open_session(session_id, actor)
    file = session.file
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
    store = get_store()
    try:
        store.complete_multipart_upload(key=file.storage_key, upload_id=session.upload_id, parts=numbered)
    except PartsMismatch as exc:
        raise ValidationFailed(str(exc), field="parts") from exc
    except FileNotFoundError:
        raise Conflict(_("The store no longer holds this upload; start it again.")) from None
    except StorageError as exc:
        raise Conflict(_("The file store is unavailable; complete the upload again shortly.")) from exc
    session.state = UploadSession.State.completed
    session.save(update_fields=["state"])
    return file_verify(file=file)


def file_verify(*, file: DepositFile) -> DepositFile:
    md5, sha256, size = get_store().checksums(file.storage_key)
    file.md5, file.sha256 = md5, sha256
    if size != file.size:
        file.state, file.error = DepositFile.State.failed, _("Received %(got)s bytes, expected %(want)s.") % {
            "got": size, "want": file.size}
    elif file.declared_sha256 and file.declared_sha256 != sha256:
        file.state, file.error = DepositFile.State.failed, _(
            "The SHA-256 of the received bytes does not match the one declared: the file was corrupted in transit.")
    else:
        file.state, file.error = DepositFile.State.ready, ""
    file.save(update_fields=["md5", "sha256", "state", "error"])
    log.info("file.verified", file=file.pk, state=file.state)
    return file


@transaction.atomic
def upload_abort(*, session_id: int, actor) -> None:
    session = _open_session(session_id, actor)
    get_store().abort_multipart_upload(key=session.file.storage_key, upload_id=session.upload_id)
    session.state = UploadSession.State.aborted
    session.save(update_fields=["state"])
    session.file.delete()


@transaction.atomic
def file_delete(*, file: DepositFile, actor) -> None:
    deposit = Deposit.objects.select_for_update().get(pk=file.deposit_id)
    _require_editor(deposit, actor)
    key = file.storage_key
    upload = getattr(file, "upload", None)
    file.delete()
    store = get_store()
    if upload is not None and upload.state == UploadSession.State.open:
        transaction.on_commit(lambda: store.abort_multipart_upload(key=key, upload_id=upload.upload_id))
    else:
        transaction.on_commit(lambda: store.delete(key))


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


# --- Co-depositors ------------------------------------------------------------------------------


@transaction.atomic
def collaborator_invite(*, deposit: Deposit, actor, email: str = "", orcid: str = "") -> Collaboration:
    """Invite a co-depositor by e-mail or ORCID iD. Only the owner (or an administrator) invites.
    The invitation reaches an existing account with that verified e-mail or authenticated iD,
    or waits for one; an e-mail is sent when an address is given."""
    from allauth.account.models import EmailAddress
    from django.contrib.auth import get_user_model

    from repository.metadata import ORCID_RE, normalize_orcid, orcid_checksum_ok

    deposit = Deposit.objects.select_for_update().get(pk=deposit.pk)
    if not (actor.is_superuser or deposit.owner_id == actor.pk):
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
    recipient = email or (invitee.email if invitee else "")
    if recipient:
        _mail_invitation(collaboration, recipient)
    log.info("collaborator.invited", deposit=deposit.pk, collaboration=collaboration.pk)
    return collaboration


def _mail_invitation(collaboration: Collaboration, recipient: str) -> None:
    from django.conf import settings as django_settings
    from django.core.mail import send_mail
    from django.urls import reverse

    subject = _("You are invited to co-deposit “%(title)s” on %(site)s") % {
        "title": collaboration.deposit.title or _("a dataset"), "site": django_settings.SITE_NAME}
    body = _(
        "%(name)s invites you to describe and submit the dataset “%(title)s” with them.\n\n"
        "Sign in (or create an account with this e-mail address) and accept the invitation:\n%(url)s\n"
    ) % {
        "name": collaboration.invited_by.name,
        "title": collaboration.deposit.title or _("a dataset"),
        "url": django_settings.SITE_URL + reverse("deposit:invitations"),
    }
    transaction.on_commit(lambda: send_mail(subject, body, None, [recipient], fail_silently=False))


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
    deposit = collaboration.deposit
    if not (actor.is_superuser or deposit.owner_id == actor.pk or collaboration.user_id == actor.pk):
        raise PermissionDenied(_("Only the depositor can remove a co-depositor."))
    collaboration.state = Collaboration.State.revoked
    collaboration.responded_at = timezone.now()
    collaboration.save(update_fields=["state", "responded_at"])
