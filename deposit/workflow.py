"""The deposit lifecycle: statuses, actions, the one transitions table, and the one function that
applies a transition (row lock, table check, audit event).

    draft ──submit──▶ submitted ──claim──▶ in_review ──approve──▶ approved ──publish──▶ published
      ▲                   ▲                   │  │
      │                   └──── resubmit ─────┤  └──reject──▶ rejected
      └──── edit ── changes_requested ◀───────┘ request_changes

`edit` takes a deposit that came back for changes back to a plain draft; `resubmit` sends it
straight back to the queue. `publish` is done by the system once the record exists.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.errors import Conflict, PermissionDenied


class Status(models.TextChoices):
    draft = "draft", _("draft")
    submitted = "submitted", _("submitted")
    in_review = "in_review", _("in review")
    changes_requested = "changes_requested", _("changes requested")
    approved = "approved", _("approved")
    published = "published", _("published")
    rejected = "rejected", _("rejected")


TERMINAL = frozenset({Status.published, Status.rejected})
EDITABLE = frozenset({Status.draft, Status.changes_requested})


class Action(models.TextChoices):
    submit = "submit", _("Submit for review")
    claim = "claim", _("Claim")
    approve = "approve", _("Approve")
    reject = "reject", _("Reject")
    request_changes = "request_changes", _("Request changes")
    resubmit = "resubmit", _("Resubmit")
    edit = "edit", _("Back to draft")
    publish = "publish", _("Publish")


class Role(str, Enum):
    depositor = "depositor"  # the deposit's owner or an accepted co-depositor
    moderator = "moderator"  # a moderator of the deposit's community (or an administrator)
    reviewer = "reviewer"  # the moderator who claimed the deposit (or an administrator)
    system = "system"


@dataclass(frozen=True)
class Transition:
    action: Action
    source: Status
    target: Status
    role: Role
    note_required: bool = False


TRANSITIONS: tuple[Transition, ...] = (
    Transition(Action.submit, Status.draft, Status.submitted, Role.depositor),
    Transition(Action.claim, Status.submitted, Status.in_review, Role.moderator),
    Transition(Action.approve, Status.in_review, Status.approved, Role.reviewer),
    Transition(Action.reject, Status.in_review, Status.rejected, Role.reviewer, note_required=True),
    Transition(Action.request_changes, Status.in_review, Status.changes_requested, Role.reviewer, note_required=True),
    Transition(Action.resubmit, Status.changes_requested, Status.submitted, Role.depositor),
    Transition(Action.edit, Status.changes_requested, Status.draft, Role.depositor),
    Transition(Action.publish, Status.approved, Status.published, Role.system),
)
_BY_KEY = {(t.source, t.action): t for t in TRANSITIONS}


def transition_for(status: str, action: str) -> Transition | None:
    try:
        return _BY_KEY.get((Status(status), Action(action)))
    except ValueError:
        return None


def roles_of(deposit, user) -> set[Role]:
    """The roles `user` holds on `deposit`; None stands for the system."""
    from accounts.selectors import is_moderator_of

    if user is None:
        return {Role.system}
    roles: set[Role] = set()
    if not user.is_authenticated:
        return roles
    from .selectors import is_editor

    if is_editor(deposit, user):
        roles.add(Role.depositor)
    if is_moderator_of(user, deposit.community):
        roles.add(Role.moderator)
        if user.is_superuser or deposit.reviewer_id in (None, user.pk):
            roles.add(Role.reviewer)
    return roles


def allowed_actions(deposit, user) -> list[Transition]:
    """The transitions `user` may apply now: what the UI offers as buttons."""
    roles = roles_of(deposit, user)
    return [t for t in TRANSITIONS if t.source == deposit.status and t.role in roles and t.role is not Role.system]


def apply_transition(*, deposit_id: int, action: str, actor, note: str = ""):
    """Apply `action` to the deposit, or refuse it. Locks the row so that two concurrent actions
    (two moderators, a double click) are serialised and the second sees the new status."""
    from .models import Deposit, DepositEvent

    with transaction.atomic():
        deposit = Deposit.objects.select_for_update(of=("self",)).select_related("community").get(pk=deposit_id)
        try:
            action_enum = Action(action)
        except ValueError:
            raise Conflict(_("Unknown action “%(action)s”.") % {"action": action}, code="unknown_action") from None
        transition = transition_for(deposit.status, action_enum)
        if transition is None:
            raise Conflict(
                _("A deposit that is %(status)s cannot be given the action “%(action)s”.")
                % {"status": Status(deposit.status).label, "action": action_enum.label},
                code="illegal_transition",
            )
        if transition.role not in roles_of(deposit, actor):
            if transition.role is Role.reviewer and Role.moderator in roles_of(deposit, actor):
                raise Conflict(_("Another moderator has claimed this deposit."), code="claimed_by_other")
            raise PermissionDenied(_("You may not do this to this deposit."))
        note = (note or "").strip()
        if transition.note_required and not note:
            from core.errors import ValidationFailed

            raise ValidationFailed(_("A message to the depositor is required."), field="note")
        source = deposit.status
        deposit.status = transition.target
        fields = ["status", "modified"]
        if transition.action is Action.claim:
            deposit.reviewer = actor
            fields.append("reviewer")
        if transition.action in (Action.submit, Action.resubmit):
            deposit.submitted_at = timezone.now()
            fields.append("submitted_at")
        deposit.save(update_fields=fields)
        DepositEvent.objects.create(
            deposit=deposit,
            action=transition.action,
            from_status=source,
            to_status=transition.target,
            actor=actor,
            note=note,
        )
        return deposit
