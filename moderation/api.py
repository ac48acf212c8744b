"""REST endpoints of moderation: the queue. Decisions are deposit actions (POST /api/deposits/{id}/actions)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema

from accounts.selectors import communities_moderated_by
from core.errors import PermissionDenied

from . import selectors
from .selectors import PAGE_SIZE, QueueFilters, Tab

router = Router(tags=["moderation"])

TabName = Literal["open", "waiting", "mine", "others", "changes", "decided"]
SizeRange = Literal["under-10mb", "10mb-1gb", "1gb-10gb", "over-10gb"]
WaitingFilter = Literal["over-1", "over-2", "over-5", "over-10", "overdue"]


class QueueQuery(Schema):
    tab: TabName = "open"
    community: str = ""
    resource_type: str = ""
    size: SizeRange | None = None
    waiting: WaitingFilter | None = None
    page: int = 1


class QueueItem(Schema):
    id: int
    title: str
    status: str
    community: str
    owner: str
    reviewer: str | None
    submitted_at: datetime | None
    doi: str | None
    resource_type: str
    total_size: int
    waiting_working_days: float | None  # since the current round's submission; None once not with moderators
    sla: Literal["on_time", "due_soon", "overdue"] | None
    sla_due_at: datetime | None
    allowed_actions: list[str]  # of claim, release, assign
    yours: bool  # you deposited or co-deposit it: another moderator decides (no action is yours)
    administrator_decides: bool  # every moderator of its community is one of its depositors
    changes_requested_at: datetime | None
    decided_at: datetime | None


@router.get(
    "/moderation/queue",
    response=list[QueueItem],
    summary="Your moderation queue",
    description=(
        "The deposits of the communities you moderate. `tab`: `open` (default: everything still on its "
        "way), `waiting` (unclaimed), `mine` (in your review, or resubmitted to you), `others` (in a "
        "colleague's review), `changes` (back with the depositor), `decided` (approved or rejected in the "
        "last 30 days). Filters: `community` (slug), `resource_type` (DataCite resourceTypeGeneral), "
        "`size` (total size of the files), `waiting` (working days since submission, or `overdue` against "
        f"the service level). Longest wait first, {PAGE_SIZE} per `page`; the header `X-Total-Count` gives "
        "the tab's total. Nobody moderates their own deposit: one you deposited or co-deposit is `yours`, "
        "with no action, and another moderator decides; `administrator_decides` when its community has no "
        "moderator but its depositors."
    ),
)
def moderation_queue(request, response: HttpResponse, query: Query[QueueQuery]):
    communities = list(communities_moderated_by(request.auth))
    if not communities:
        raise PermissionDenied(_("The moderation queue is for the moderators of a community."))
    now = timezone.now()
    filters = QueueFilters(
        community=query.community,
        resource_type=query.resource_type,
        size=query.size or "",
        waiting=query.waiting or "",
    )
    page = max(1, query.page)
    rows = selectors.queue_rows(
        request.auth,
        communities=communities,
        tab=query.tab,
        filters=filters,
        now=now,
        offset=(page - 1) * PAGE_SIZE,
        with_colleagues=False,
    )
    response["X-Total-Count"] = str(_total(request.auth, communities, query.tab, filters, now))
    return [_item(row) for row in rows]


def _total(user, communities, tab: str, filters: QueueFilters, now) -> int:
    counts = selectors.queue_counts(user, communities=communities, filters=filters, now=now)
    if tab == Tab.open:
        return sum(counts.tabs[t] for t in (Tab.waiting, Tab.mine, Tab.others, Tab.changes))
    return counts.tabs[tab]


def _item(row: selectors.QueueRow) -> dict:
    d = row.deposit
    return {
        "id": d.pk,
        "title": d.title,
        "status": d.status,
        "community": d.community.slug,
        "owner": d.owner.username,
        "reviewer": d.reviewer.username if d.reviewer else None,
        "submitted_at": d.submitted_at,
        "doi": d.pid.doi if d.pid else None,
        "resource_type": row.resource_type,
        "total_size": row.total_size,
        "waiting_working_days": round(row.waiting.days, 2) if row.waiting else None,
        "sla": row.waiting.level.value if row.waiting else None,
        "sla_due_at": row.waiting.due_at if row.waiting else None,
        "allowed_actions": row.actions,
        "yours": row.yours,
        "administrator_decides": row.administrator_decides,
        "changes_requested_at": row.returned_at,
        "decided_at": getattr(d, "decided_at", None) if d.status in selectors.DECIDED_STATUSES else None,
    }
