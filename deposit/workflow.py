"""The deposit lifecycle applied: what each action does besides moving the status (`EFFECTS`, one
function per action), the one function that applies a transition (row lock, table check, effect,
audit event), and the actions a user may take now. The statuses, actions, roles and the transitions
table (with the diagram) are in `deposit.transitions`, re-exported here: callers import this module.

A new action is one row in `transitions.TRANSITIONS` and one effect in `EFFECTS` below
(`_no_effect` when moving the status is all it does).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.selectors import is_moderator_of
from core.errors import Conflict, PermissionDenied, ValidationFailed

from . import hooks
from .models import Deposit, DepositEvent, ReviewerLink, ReviewRound
from .policy import may_moderate, roles_of
from .transitions import (
    EDITABLE,
    TERMINAL,
    TRANSITIONS,
    Action,
    RejectionReason,
    Role,
    Status,
    Transition,
    transition_for,
)

__all__ = [
    "EDITABLE",
    "EFFECTS",
    "OWN_DEPOSIT",
    "TERMINAL",
    "TRANSITIONS",
    "Action",
    "Change",
    "RejectionReason",
    "Role",
    "Status",
    "Transition",
    "allowed_actions",
    "apply_transition",
    "transition_for",
]

# Refusal of a moderation action (claim, assign, decisions) to a moderator on their own deposit.
OWN_DEPOSIT = _(
    "This is your own deposit (you are its depositor or a co-depositor), and nobody moderates their own "
    "deposit: another moderator of the community decides on it."
)


# --- Effects --------------------------------------------------------------------------------------


@dataclass
class Change:
    """A transition being applied, as its action's effect sees it: the deposit (locked, its new
    status set, not saved yet), who acts and when, what the request gave (`reason`, `assignee`).
    The effect adds the fields it changed to `fields` and what the event records to `event`; it may
    move the status on from the table's target (a resubmission returned to its moderator goes
    straight into review), which the event records."""

    deposit: Deposit
    actor: object
    now: datetime
    reason: str
    assignee: object
    fields: list[str] = field(default_factory=lambda: ["status", "modified"])
    event: dict = field(default_factory=lambda: {"reason": "", "assignee": None})


def _no_effect(change: Change) -> None:
    """Moving the status is all the action does."""


def _enter_queue(change: Change) -> None:
    """Submit, resubmit: a new round, with a snapshot of what the moderator is given. A deposit that
    had a moderator in its previous round returns to them, still claimed (in review: they need not
    claim it again), while they may still moderate it; otherwise it waits in the queue, unclaimed."""
    deposit = change.deposit
    deposit.submitted_at = change.now
    deposit.round += 1
    deposit.claimed_at = None
    change.fields += ["submitted_at", "round", "claimed_at"]
    if deposit.reviewer_id and not may_moderate(deposit, deposit.reviewer):
        deposit.reviewer = None
        change.fields.append("reviewer")
    if deposit.reviewer_id:
        deposit.status = Status.in_review
        deposit.claimed_at = change.now
    _snapshot_round(deposit, change.actor)


def _take(change: Change, reviewer) -> None:
    change.deposit.reviewer = reviewer
    change.deposit.claimed_at = change.now
    change.fields += ["reviewer", "claimed_at"]


def _claim(change: Change) -> None:
    _take(change, change.actor)


def _assign(change: Change) -> None:
    """Given to a colleague, recorded on the event."""
    assignee = _assignable(change.deposit, change.assignee)
    _take(change, assignee)
    change.event["assignee"] = assignee


def _release(change: Change) -> None:
    change.deposit.reviewer = None
    change.deposit.claimed_at = None
    change.fields += ["reviewer", "claimed_at"]


def _reject(change: Change) -> None:
    """Refused for one of the listed reasons, recorded on the event."""
    if change.reason not in RejectionReason.values:
        raise ValidationFailed(_("Choose the reason for the rejection."), field="reason")
    change.event["reason"] = change.reason


def _publish(change: Change) -> None:
    """The record is public: the private reviewer links still open are closed (their address now
    points at the record, whose DOI takes over; deposit.views_reviewer). In the publication's
    transaction, under the deposit's lock that a link's creation takes too."""
    ReviewerLink.objects.active(change.now).filter(deposit=change.deposit).update(closed_at=change.now)


# What each action of the table does besides moving the status (tests/deposit/test_workflow.py
# checks that every action has its effect).
EFFECTS: dict[Action, Callable[[Change], None]] = {
    Action.submit: _enter_queue,
    Action.resubmit: _enter_queue,
    Action.claim: _claim,
    Action.assign: _assign,
    Action.release: _release,
    Action.reject: _reject,
    Action.approve: _no_effect,  # the record is published by deposit.services.deposit_approve
    Action.request_changes: _no_effect,
    Action.edit: _no_effect,
    Action.publish: _publish,
}


# --- Applying the table ---------------------------------------------------------------------------


def allowed_actions(deposit, user) -> list[Transition]:
    """The transitions `user` may apply now: what the UI offers as buttons."""
    roles = roles_of(deposit, user)
    return [t for t in TRANSITIONS if t.source == deposit.status and t.role in roles and t.role is not Role.system]


def _changed_under(deposit, seen_status: str, actor) -> Conflict:
    """The message for an action taken on a page that was out of date: what happened meanwhile."""
    last = DepositEvent.objects.filter(deposit=deposit).select_related("actor").order_by("-created", "-pk").first()
    who = last.actor.name if last and last.actor_id and last.actor_id != getattr(actor, "pk", None) else None
    status = Status(deposit.status).label
    if who:
        message = _(
            "%(who)s acted on this deposit while you were looking at it: it is now %(status)s. "
            "Nothing was changed by your action; the page shows the deposit as it is now."
        )
        message = message % {"who": who, "status": status}
    else:
        message = _(
            "This deposit changed while you were looking at it: it is now %(status)s. "
            "Nothing was changed by your action; the page shows the deposit as it is now."
        ) % {"status": status}
    return Conflict(message, code="stale")


def apply_transition(
    *, deposit_id: int, action: str, actor, note: str = "", seen_status: str = "", reason: str = "", assignee=None
):
    """Apply `action` to the deposit, or refuse it. Locks the row so that two concurrent actions
    (two moderators, a double click) are serialised and the second sees the new status. A page
    posts the status it showed (`seen_status`): when the deposit moved on meanwhile, the action is
    refused with what happened rather than applied to a deposit the actor did not see. `reason`
    counts for a rejection only, `assignee` for an assignment only (see EFFECTS)."""
    with transaction.atomic():
        deposit = Deposit.objects.select_for_update(of=("self",)).select_related("community").get(pk=deposit_id)
        try:
            action_enum = Action(action)
        except ValueError:
            raise Conflict(_("Unknown action “%(action)s”.") % {"action": action}, code="unknown_action") from None
        if seen_status and seen_status != deposit.status:
            raise _changed_under(deposit, seen_status, actor)
        transition = transition_for(deposit.status, action_enum)
        if transition is None:
            raise Conflict(
                _("A deposit that is %(status)s cannot be given the action “%(action)s”.")
                % {"status": Status(deposit.status).label, "action": action_enum.label},
                code="illegal_transition",
            )
        roles = roles_of(deposit, actor)
        if transition.role not in roles:
            if transition.role is Role.reviewer and Role.moderator in roles:
                raise Conflict(_("Another moderator has claimed this deposit."), code="claimed_by_other")
            own = Role.depositor in roles and is_moderator_of(actor, deposit.community)
            if transition.role is Role.reviewer and own:
                raise PermissionDenied(str(OWN_DEPOSIT), code="own_deposit")
            raise PermissionDenied(_("You may not do this to this deposit."))
        note = (note or "").strip()
        if transition.note_required and not note:
            raise ValidationFailed(_("A message to the depositor is required."), field="note")
        source = deposit.status
        deposit.status = transition.target
        change = Change(deposit=deposit, actor=actor, now=timezone.now(), reason=reason, assignee=assignee)
        EFFECTS[transition.action](change)
        deposit.save(update_fields=change.fields)
        event = DepositEvent.objects.create(
            deposit=deposit,
            action=transition.action,
            from_status=source,
            to_status=deposit.status,
            actor=actor,
            note=note,
            **change.event,
        )
        _announce(event)
        return deposit


def _assignable(deposit, assignee):
    """The colleague a deposit is assigned to: a moderator of its community who may moderate it."""
    active = assignee is not None and getattr(assignee, "is_active", False)
    if not active or not is_moderator_of(assignee, deposit.community):
        raise ValidationFailed(_("A deposit can only be assigned to a moderator of its community."), field="assignee")
    if not may_moderate(deposit, assignee):
        raise ValidationFailed(
            _("%(name)s is a depositor of this deposit and cannot review it: assign it to another moderator.")
            % {"name": assignee.name},
            field="assignee",
        )
    return assignee


def _snapshot_round(deposit, actor) -> None:
    """Keep what the moderator is given in this round, for the next round's diff."""
    files = [
        {"name": f.name, "size": f.size, "sha256": f.sha256}
        for f in deposit.files.order_by("name").only("name", "size", "sha256")
    ]
    ReviewRound.objects.update_or_create(
        deposit=deposit,
        number=deposit.round,
        defaults={"metadata": deposit.metadata, "files": files, "submitted_by": actor},
    )


def _announce(event) -> None:
    """Tell the people concerned, once the transaction has committed (the notifications app, through
    deposit.hooks). Robust: the action is done whatever happens to its notifications."""
    hooks.announce_on_commit(hooks.transition_applied, event_id=event.pk)
