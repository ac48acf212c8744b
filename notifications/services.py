"""Who is told what: notifications for deposit events and comments (filled in by the notifications work)."""
from __future__ import annotations


def notify_event(*, event_id: int) -> None:
    """Notify the people concerned by one deposit event."""


def notify_comment(*, comment_id: int) -> None:
    """Notify the other party of a new comment."""
