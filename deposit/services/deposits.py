"""Writes on a deposit itself: create, edit (lenient), what stands before submission, delete, and
the next version of a published record."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import Community
from core.errors import Conflict, PermissionDenied, ValidationFailed
from core.logging import get_logger
from core.text import input_problem
from deposit import policy
from deposit.models import Deposit, DepositFile, UploadSession
from deposit.workflow import Status
from repository import services as repository_services
from repository.metadata import validate_document
from repository.models import Concept, Record

from .common import require_editor
from .uploads import abort_after_commit, object_delete_after_commit

log = get_logger(__name__)


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
    require_editor(deposit, actor)
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
                {
                    "step": "files",
                    "field": f"files.{f.name}",
                    "message": _("“%(name)s” is %(state)s.") % {"name": f.name, "state": f.get_state_display()},
                }
            )
    return problems


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
            _(
                "A deposit that is %(status)s cannot be deleted; only drafts, deposits sent back for changes and "
                "rejected deposits can."
            )
            % {"status": Status(deposit.status).label},
            code="not_deletable",
        )
    if deposit.pid_id:
        repository_services.pid_delete(pid=deposit.pid)
    for file in deposit.files.select_related("upload"):
        upload = getattr(file, "upload", None)
        if upload is not None and upload.state == UploadSession.State.open:
            abort_after_commit(file.storage_key, upload.upload_id)
        else:
            object_delete_after_commit(file.storage_key)
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
