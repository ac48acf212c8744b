"""The deposit's timeline: every transition and every comment, with actor and time, in order. Read
from what the page already loaded (the deposit's prefetched events, the thread's comments)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from deposit.workflow import RejectionReason

from .review import anchor_label


@dataclass
class Entry:
    when: datetime
    kind: str  # "event" or "comment"
    actor: object
    event: object = None
    comment: object = None

    @property
    def reason_label(self) -> str:
        reason = getattr(self.event, "reason", "")
        return str(RejectionReason(reason).label) if reason in RejectionReason.values else ""

    @property
    def where(self) -> str:
        """What a comment is about: a field, a file, or the deposit as a whole ("")."""
        comment = self.comment
        if comment is None:
            return ""
        if comment.field:
            return anchor_label(comment.field)
        return comment.file_name


def entries(deposit, thread=None) -> list[Entry]:
    out = [Entry(e.created, "event", e.actor, event=e) for e in deposit.events.all()]
    for comment in _comments(thread):
        out.append(Entry(comment.created, "comment", comment.author, comment=comment))
    return sorted(out, key=lambda entry: entry.when)


def _comments(thread) -> list:
    """Every comment of the thread, replies included, whatever shape the thread has."""
    if not thread:
        return []
    if hasattr(thread, "all_comments"):
        return list(thread.all_comments)
    return list(thread)
