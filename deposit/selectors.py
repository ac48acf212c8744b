"""Reads on deposits. Who sees one is deposit.policy's to say (may_view): anybody else gets
NotFound, and learns nothing of its existence."""

from __future__ import annotations

from allauth.account.models import EmailAddress
from django.db.models import Prefetch, Q, QuerySet

from core.errors import NotFound

from . import policy
from .models import Collaboration, Deposit, DepositEvent


def deposits_of(user) -> QuerySet[Deposit]:
    """Deposits the user owns or co-deposits."""
    return policy.deposits_edited_by(user).select_related("owner", "community", "pid", "record", "reviewer")


def invitations_for(user) -> QuerySet[Collaboration]:
    """Pending invitations addressed to the user: by account, by one of their verified e-mail
    addresses, or by their ORCID iD when it is authenticated."""
    if not user.is_authenticated:
        return Collaboration.objects.none()
    match = Q(user=user)
    emails = EmailAddress.objects.filter(user=user, verified=True).values_list("email", flat=True)
    match |= Q(user__isnull=True, email__in=[e.lower() for e in emails])
    if user.orcid and user.orcid_authenticated:
        match |= Q(user__isnull=True, orcid=user.orcid)
    return (
        Collaboration.objects.filter(match, state=Collaboration.State.pending)
        .exclude(deposit__owner=user)
        .select_related("deposit", "invited_by")
    )


def collaborations_of(deposit: Deposit) -> list[Collaboration]:
    """Co-depositors and open invitations (from the prefetch when there is one)."""
    return [c for c in deposit.collaborations.all() if c.state != Collaboration.State.revoked]


def deposit_for(user, pk: int) -> Deposit:
    deposit = (
        Deposit.objects.select_related("owner", "community", "pid", "record", "reviewer")
        .prefetch_related(
            "files",
            Prefetch("events", queryset=DepositEvent.objects.select_related("actor", "assignee")),
            Prefetch("collaborations", queryset=Collaboration.objects.select_related("user")),
        )
        .filter(pk=pk)
        .first()
    )
    if deposit is None or not policy.may_view(deposit, user):
        raise NotFound("No such deposit.")
    return deposit
