"""REST endpoints of moderation: the queue. Decisions are deposit actions (POST /api/deposits/{id}/actions)."""
from __future__ import annotations

from datetime import datetime

from ninja import Router, Schema

from .selectors import queue_for

router = Router(tags=["moderation"])


class QueueItem(Schema):
    id: int
    title: str
    status: str
    community: str
    owner: str
    reviewer: str | None
    submitted_at: datetime | None
    doi: str | None


@router.get("/moderation/queue", response=list[QueueItem], summary="Your moderation queue")
def moderation_queue(request):
    return [
        {"id": d.pk, "title": d.title, "status": d.status, "community": d.community.slug,
         "owner": d.owner.username, "reviewer": d.reviewer.username if d.reviewer else None,
         "submitted_at": d.submitted_at, "doi": d.pid.doi if d.pid else None}
        for d in queue_for(request.auth)
    ]
