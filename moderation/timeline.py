"""The deposit's timeline: every transition and every comment, with actor and time, in order."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass
class Entry:
    when: datetime
    kind: str  # "event" or "comment"
    actor: object
    event: object = None
    comment: object = None


def entries(deposit, thread=None) -> list[Entry]:
    """From the deposit's prefetched events and the comments already loaded for the thread."""
    out = [Entry(e.created, "event", e.actor, event=e) for e in deposit.events.all()]
    for comment in _comments(thread):
        out.append(Entry(comment.created, "comment", comment.author, comment=comment))
    return sorted(out, key=lambda entry: entry.when)


def _comments(thread) -> list:
    if not thread:
        return []
    return list(getattr(thread, "all_comments", thread))
