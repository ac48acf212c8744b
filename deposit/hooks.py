"""What `deposit` tells the apps above it once its writes have committed, registered in their
`AppConfig.ready()` (dependencies point down: `deposit` never imports them). `notifications` tells
the people concerned by a transition or an invitation."""
from __future__ import annotations

from typing import Callable

from django.db import transaction

# notify(event_id=...): a lifecycle transition happened (deposit.workflow.apply_transition).
transition_applied: list[Callable[..., None]] = []
# notify(collaboration_id=...): a co-depositor was invited (deposit.services.collaborator_invite).
collaborator_invited: list[Callable[..., None]] = []


def register(hook: list[Callable[..., None]], receiver: Callable[..., None]) -> None:
    if receiver not in hook:
        hook.append(receiver)


def announce_on_commit(hook: list[Callable[..., None]], **ids: int) -> None:
    """Call each receiver with `ids` once the current transaction commits. Robust: what was done
    stays done whatever a receiver does (Django logs its failure)."""
    for receiver in list(hook):
        transaction.on_commit(lambda receiver=receiver: receiver(**ids), robust=True)
