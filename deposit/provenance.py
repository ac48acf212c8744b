"""A published record's history as its deposit kept it (who deposited it, when it was submitted,
reviewed and approved), which `repository` reads through its hooks for the record's provenance."""

from __future__ import annotations

from django.db.models import Prefetch

from repository.serializers.prov import DepositHistory, Depositor

from .models import Deposit, DepositEvent
from .transitions import Action

SUBMISSIONS = (Action.submit, Action.resubmit)


def _depositor(user) -> Depositor | None:
    """A depositor as public outputs may name them: their public name (never the username), and
    their ORCID iD only when they proved it by signing in with ORCID."""
    orcid = user.orcid if user.orcid and user.orcid_authenticated else None
    name = user.public_name
    return Depositor(name=name or orcid, orcid=orcid) if (name or orcid) else None


def record_history(record) -> DepositHistory | None:
    """The history of the deposit that published `record` (None: published without one, or before
    it was approved). Two queries."""
    deposit = (
        Deposit.objects.filter(record=record)
        .select_related("owner")
        .prefetch_related(Prefetch("events", queryset=DepositEvent.objects.select_related("actor")))
        .first()
    )
    return None if deposit is None else deposit_history(deposit)


# What a queryset of records needs for `published_history` to read no more: the deposit with its owner
# joined (`select_related(HISTORY_JOIN)`), its events with their actors in one query for the whole
# page (`prefetch_related(history_events())`).
HISTORY_JOIN = "deposit__owner"


def history_events() -> Prefetch:
    return Prefetch("deposit__events", queryset=DepositEvent.objects.select_related("actor"))


def published_history(record) -> DepositHistory | None:
    """`record_history` of a record fetched with `HISTORY_JOIN` and `history_events` (OAI-PMH's
    pages): no query."""
    try:
        deposit = record.deposit
    except Deposit.DoesNotExist:
        return None
    return deposit_history(deposit)


def deposit_history(deposit: Deposit) -> DepositHistory | None:
    """The history of a deposit whose events were prefetched (with their actors) and owner joined."""
    events = list(deposit.events.all())
    submissions = [e for e in events if e.action in SUBMISSIONS]
    approval = next((e for e in reversed(events) if e.action == Action.approve), None)
    if not submissions or approval is None:
        return None
    people = {deposit.owner_id: deposit.owner}
    people.update((e.actor_id, e.actor) for e in submissions if e.actor_id and e.actor_id not in people)
    depositors = tuple(d for d in map(_depositor, people.values()) if d is not None)
    return DepositHistory(
        depositors=depositors,
        started=deposit.created,
        first_submitted=submissions[0].created,
        last_submitted=submissions[-1].created,
        approved=approval.created,
        rounds=len(submissions),
    )
