"""The moderation queue: deposits awaiting or under review in the communities a user moderates."""
from __future__ import annotations

from django.db.models import QuerySet

from accounts.selectors import communities_moderated_by
from deposit.models import Deposit
from deposit.workflow import Status

QUEUE_STATUSES = (Status.submitted, Status.in_review, Status.changes_requested)


def queue_for(user) -> QuerySet[Deposit]:
    """Oldest submission first: the longest wait is served first."""
    return (
        Deposit.objects.filter(community__in=communities_moderated_by(user), status__in=QUEUE_STATUSES)
        .select_related("owner", "community", "reviewer", "pid")
        .order_by("submitted_at", "pk")
    )
