"""Reads on deposits, with the access rules: the owner, the community's moderators once submitted,
and administrators see a deposit; nobody else learns it exists."""
from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from accounts.selectors import is_moderator_of
from core.errors import NotFound

from .models import Deposit, DepositEvent
from .workflow import Status


def deposits_of(user) -> QuerySet[Deposit]:
    return Deposit.objects.filter(owner=user).select_related("community", "pid", "record")


def can_view(deposit: Deposit, user) -> bool:
    if not user.is_authenticated:
        return False
    if user.is_superuser or deposit.owner_id == user.pk:
        return True
    return deposit.status != Status.draft and is_moderator_of(user, deposit.community)


def deposit_for(user, pk: int) -> Deposit:
    deposit = (
        Deposit.objects.select_related("owner", "community", "pid", "record", "reviewer")
        .prefetch_related("files", Prefetch("events", queryset=DepositEvent.objects.select_related("actor")))
        .filter(pk=pk)
        .first()
    )
    if deposit is None or not can_view(deposit, user):
        raise NotFound("No such deposit.")
    return deposit
