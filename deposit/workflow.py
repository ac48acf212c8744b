"""The deposit lifecycle: statuses, actions, the one transitions table, and the one function that
applies a transition (row lock, table check, audit event).

    draft ──submit──▶ submitted ──claim / assign──▶ in_review ──approve──▶ approved ──publish──▶ published
      ▲                  ▲  ▲                 │  │ │
      │                  │  └─── release ─────┘  │ └──reject──▶ rejected
      │                  └──── resubmit ───┐     │
      └──── edit ── changes_requested ◀────┴─────┘ request_changes

`claim` takes an unclaimed deposit (or one returned to the same moderator); `assign` gives it to a
colleague of the same community; `release` puts it back in the queue. `edit` takes a deposit that
came back for changes back to a plain draft; `resubmit` sends it straight back to the queue, to the
moderator of the previous round by default. `publish` is done by the system once the record exists.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.selectors import is_moderator_of
from core.errors import Conflict, PermissionDenied, ValidationFailed


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
    release = "release", _("Release")
    assign = "assign", _("Assign to a colleague")
    approve = "approve", _("Approve")
    reject = "reject", _("Reject")
    request_changes = "request_changes", _("Request changes")
    resubmit = "resubmit", _("Resubmit")
    edit = "edit", _("Back to draft")
    publish = "publish", _("Publish")


class Role(str, Enum):
    depositor = "depositor"  # the deposit's owner or an accepted co-depositor
    moderator = "moderator"  # may moderate it (policy.may_moderate): never one of its depositors
    reviewer = "reviewer"  # the moderator who claimed the deposit (or an administrator)
    system = "system"


@dataclass(frozen=True)
class Transition:
    action: Action
    source: Status
    target: Status
    role: Role
    note_required: bool = False


class RejectionReason(models.TextChoices):
    out_of_scope = "out_of_scope", _("Outside the community's scope")
    not_research_data = "not_research_data", _("Not research data")
    duplicate = "duplicate", _("Already published elsewhere (duplicate)")
    insufficient = "insufficient", _("Too little documentation or quality to be reused")
    rights = "rights", _("Rights or licence do not allow publication")
    sensitive = "sensitive", _("Sensitive or personal data")
    other = "other", _("Another reason (explained below)")


# Refusal of a moderation action (claim, assign, decisions) to a moderator on their own deposit.
OWN_DEPOSIT = _(
    "This is your own deposit (you are its depositor or a co-depositor), and nobody moderates their own "
    "deposit: another moderator of the community decides on it."
)


TRANSITIONS: tuple[Transition, ...] = (
    Transition(Action.submit, Status.draft, Status.submitted, Role.depositor),
    # The reviewer role holds for an unclaimed deposit too: any moderator may claim one, but a
    # deposit returned to the moderator of its previous round is theirs until they release it.
    Transition(Action.claim, Status.submitted, Status.in_review, Role.reviewer),
    Transition(Action.release, Status.in_review, Status.submitted, Role.reviewer),
    Transition(Action.assign, Status.submitted, Status.in_review, Role.reviewer),
    Transition(Action.assign, Status.in_review, Status.in_review, Role.reviewer),
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


def allowed_actions(deposit, user) -> list[Transition]:
    """The transitions `user` may apply now: what the UI offers as buttons."""
    from .policy import roles_of  # policy reads this module's table

    roles = roles_of(deposit, user)
    return [t for t in TRANSITIONS if t.source == deposit.status and t.role in roles and t.role is not Role.system]


def _changed_under(deposit, seen_status: str, actor) -> Conflict:
    """The message for an action taken on a page that was out of date: what happened meanwhile."""
    from .models import DepositEvent

    last = DepositEvent.objects.filter(deposit=deposit).select_related("actor").order_by("-created", "-pk").first()
    who = last.actor.name if last and last.actor_id and last.actor_id != getattr(actor, "pk", None) else None
    status = Status(deposit.status).label
    if who:
        message = _("%(who)s acted on this deposit while you were looking at it: it is now %(status)s. "
                    "Nothing was changed by your action; the page shows the deposit as it is now.")
        message = message % {"who": who, "status": status}
    else:
        message = _("This deposit changed while you were looking at it: it is now %(status)s. "
                    "Nothing was changed by your action; the page shows the deposit as it is now.") % {"status": status}
    return Conflict(message, code="stale")


def apply_transition(
    *, deposit_id: int, action: str, actor, note: str = "", seen_status: str = "", reason: str = "", assignee=None
):
    """Apply `action` to the deposit, or refuse it. Locks the row so that two concurrent actions
    (two moderators, a double click) are serialised and the second sees the new status. A page
    posts the status it showed (`seen_status`): when the deposit moved on meanwhile, the action is
    refused with what happened rather than applied to a deposit the actor did not see."""
    from .models import Deposit, DepositEvent
    from .policy import may_moderate, roles_of

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
        if transition.action is Action.reject:
            if reason not in RejectionReason.values:
                raise ValidationFailed(_("Choose the reason for the rejection."), field="reason")
        else:
            reason = ""
        if transition.action is Action.assign:
            assignee = _assignable(deposit, assignee)
        else:
            assignee = None
        source = deposit.status
        deposit.status = transition.target
        fields = ["status", "modified"]
        now = timezone.now()
        if transition.action in (Action.claim, Action.assign):
            deposit.reviewer = assignee or actor
            deposit.claimed_at = now
            fields += ["reviewer", "claimed_at"]
        if transition.action is Action.release:
            deposit.reviewer = None
            deposit.claimed_at = None
            fields += ["reviewer", "claimed_at"]
        if transition.action in (Action.submit, Action.resubmit):
            deposit.submitted_at = now
            deposit.round += 1
            fields += ["submitted_at", "round"]
            # Back to the moderator of the previous round, while they may still moderate it.
            deposit.claimed_at = None
            fields.append("claimed_at")
            if deposit.reviewer_id and not may_moderate(deposit, deposit.reviewer):
                deposit.reviewer = None
                fields.append("reviewer")
        deposit.save(update_fields=fields)
        if transition.action in (Action.submit, Action.resubmit):
            _snapshot_round(deposit, actor)
        event = DepositEvent.objects.create(
            deposit=deposit,
            action=transition.action,
            from_status=source,
            to_status=transition.target,
            actor=actor,
            note=note,
            reason=reason,
            assignee=assignee,
        )
        _announce(event)
        return deposit


def _assignable(deposit, assignee):
    """The colleague a deposit is assigned to: a moderator of its community who may moderate it."""
    from .policy import may_moderate

    if assignee is None or not getattr(assignee, "is_active", False) or not is_moderator_of(assignee, deposit.community):
        raise ValidationFailed(
            _("A deposit can only be assigned to a moderator of its community."), field="assignee"
        )
    if not may_moderate(deposit, assignee):
        raise ValidationFailed(
            _("%(name)s is a depositor of this deposit and cannot review it: assign it to another moderator.")
            % {"name": assignee.name},
            field="assignee",
        )
    return assignee


def _snapshot_round(deposit, actor) -> None:
    """Keep what the moderator is given in this round, for the next round's diff."""
    from .models import ReviewRound

    files = [
        {"name": f.name, "size": f.size, "sha256": f.sha256}
        for f in deposit.files.order_by("name").only("name", "size", "sha256")
    ]
    ReviewRound.objects.update_or_create(
        deposit=deposit, number=deposit.round,
        defaults={"metadata": deposit.metadata, "files": files, "submitted_by": actor},
    )


def _announce(event) -> None:
    """Tell the people concerned, once the transaction has committed (the notifications app, through
    deposit.hooks). Robust: the action is done whatever happens to its notifications."""
    from . import hooks

    hooks.announce_on_commit(hooks.transition_applied, event_id=event.pk)
