"""REST endpoints of notifications: your notifications (unread first), and marking them read."""

from __future__ import annotations

from datetime import datetime

from ninja import Query, Router, Schema

from . import messages as texts, selectors, services

router = Router(tags=["notifications"])


class NotificationOut(Schema):
    id: int
    kind: str
    headline: str
    text: str
    deposit: int
    deposit_title: str
    actor: str | None
    url: str
    created: datetime
    read_at: datetime | None


class ListFilters(Schema):
    unread: bool = False
    limit: int = 50


class ReadIn(Schema):
    ids: list[int] | None = None


class ReadOut(Schema):
    marked: int
    unread: int


@router.get("/notifications", response=list[NotificationOut], summary="Your notifications, unread first")
def notification_list_api(request, filters: Query[ListFilters]):
    notifications = selectors.notifications_unread_first(request.auth)
    if filters.unread:
        notifications = notifications.filter(read_at__isnull=True)
    limit = max(1, min(filters.limit, 200))
    return [
        {
            "id": n.pk,
            "kind": n.kind,
            "headline": texts.headline(n),
            "text": n.text,
            "deposit": n.deposit_id,
            "deposit_title": texts.deposit_title(n.deposit),
            "actor": n.actor.name if n.actor else None,
            "url": texts.target_url(n),
            "created": n.created,
            "read_at": n.read_at,
        }
        for n in notifications[:limit]
    ]


@router.post("/notifications/read", response=ReadOut, summary="Mark notifications read (all, or `ids`)")
def notification_read_api(request, payload: ReadIn):
    marked = services.notifications_read(user=request.auth, ids=payload.ids)
    return {"marked": marked, "unread": selectors.unread_count(request.auth)}
