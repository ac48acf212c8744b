"""Helpers of the DOI lifecycle tests: publish a deposit, start and publish a new version, and run
the outbox in this process (what the worker does), against the fake DataCite server."""

from __future__ import annotations

import contextlib

from django.utils import timezone

from deposit import services as deposit_services
from deposit.workflow import Action
from repository.models import PersistentIdentifier
from repository.pids.base import RetryableError
from repository.services import pid_sync
from tests.factories import deposit_with_file


def submit(depositor, communities, *, metadata=None, content=b"depth,temp\n1,12.5\n"):
    deposit = deposit_with_file(depositor, community=communities["ocean"], metadata=metadata, content=content)
    return deposit_services.deposit_act(deposit=deposit, action=Action.submit, actor=depositor)


def approve(deposit, moderator):
    deposit_services.deposit_act(deposit=deposit, action=Action.claim, actor=moderator)
    return deposit_services.deposit_act(deposit=deposit, action=Action.approve, actor=moderator)


def publish(depositor, moderator, communities, *, metadata=None, content=b"depth,temp\n1,12.5\n"):
    """A published record (its DOIs not synced: call `drain()`)."""
    return approve(submit(depositor, communities, metadata=metadata, content=content), moderator).record


def publish_new_version(record, depositor, moderator, *, title: str | None = None):
    deposit = deposit_services.deposit_new_version(record=record, actor=depositor)
    metadata = dict(deposit.metadata)
    if title:
        metadata["titles"] = [{"title": title}]
    deposit_services.deposit_update(deposit=deposit, actor=depositor, metadata=metadata)
    content = f"depth,temp\n1,{record.version + 12}.5\n".encode()
    deposit_services.file_add_bytes(
        deposit=deposit, actor=depositor, name="ctd.csv", chunks=[content], size=len(content)
    )
    deposit = deposit_services.deposit_act(deposit=deposit, action=Action.submit, actor=depositor)
    return approve(deposit, moderator).record


def drain(*, rounds: int = 20, ignore_schedule: bool = False) -> int:
    """Run every due registration in this process until none is left (what the worker does);
    `ignore_schedule` runs those waiting for their next attempt too. Returns the syncs run."""
    runs = 0
    for _ in range(rounds):
        pending = PersistentIdentifier.objects.filter(sync=PersistentIdentifier.Sync.pending)
        if ignore_schedule:
            pending.update(next_attempt_at=None)
        due = [p.pk for p in pending if p.next_attempt_at is None or p.next_attempt_at <= timezone.now()]
        if not due:
            return runs
        for pk in due:
            runs += 1
            with contextlib.suppress(RetryableError):
                pid_sync(pid_id=pk)
    return runs
