"""The deposit lifecycle's table: statuses, actions, roles and the one transitions table. Plain data
that the models, the policy and the workflow all read; `deposit.workflow` applies it (each action's
effect is declared there, in `EFFECTS`) and re-exports these names.

    draft ──submit──▶ submitted ──claim / assign──▶ in_review ──approve──▶ approved ──publish──▶ published
      ▲                  ▲  ▲                 │  │ │
      │                  │  └─── release ─────┘  │ └──reject──▶ rejected
      │                  └──── resubmit ───┐     │
      └──── edit ── changes_requested ◀────┴─────┘ request_changes

`claim` takes an unclaimed deposit; `assign` gives it to a colleague of the same community;
`release` puts it back in the queue. `edit` takes a deposit that came back for changes back to a
plain draft; `resubmit` (and `submit` after `edit`) sends it back to the moderator of the previous
round, still claimed, so in review at once (the effect, deposit.workflow._enter_queue, moves it on
from `submitted`), or to the queue, unclaimed, when that moderator may no longer moderate it.
`publish` is done by the system once the record exists.

It imports nothing of the app: `deposit.policy` (which gives a user their roles) and
`deposit.models` (whose status field takes these choices) both stand on it, and the workflow, which
asks the policy, stands on them.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from django.db import models
from django.utils.translation import gettext_lazy as _


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


# A new action: a row here, and its effect in deposit.workflow.EFFECTS.
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
