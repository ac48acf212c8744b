"""Reads on deposits, with the access rules: the owner and accepted co-depositors (its editors),
the community's moderators once submitted, and administrators see a deposit; nobody else learns it
exists."""
from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet

from accounts.selectors import is_moderator_of
from core.errors import NotFound

from .models import Collaboration, Deposit, DepositEvent
from .workflow import Status


def deposits_of(user) -> QuerySet[Deposit]:
    """Deposits the user owns or co-deposits."""
    co_deposited = Collaboration.objects.filter(user=user, state=Collaboration.State.accepted).values("deposit_id")
    return Deposit.objects.filter(Q(owner=user) | Q(pk__in=co_deposited)).select_related("owner", "community", "pid", "record", "reviewer")


def is_editor(deposit: Deposit, user) -> bool:
    """The owner or an accepted co-depositor."""
    if not user.is_authenticated:
        return False
    if deposit.owner_id == user.pk:
        return True
    # Iterating .all() uses the prefetched co-depositors when deposit_for loaded them.
    return any(c.user_id == user.pk and c.state == Collaboration.State.accepted for c in deposit.collaborations.all())


def is_record_co_depositor(record, user) -> bool:
    """An accepted co-depositor of the deposit a record was published from (registered with
    `repository.hooks` in DepositConfig.ready)."""
    if not user.is_authenticated:
        return False
    return Collaboration.objects.filter(
        deposit__record=record, user=user, state=Collaboration.State.accepted
    ).exists()


def editor_ids(deposit: Deposit) -> set[int]:
    """The ids of the owner and the accepted co-depositors (from the prefetch when there is one)."""
    return {deposit.owner_id} | {
        c.user_id for c in deposit.collaborations.all() if c.user_id and c.state == Collaboration.State.accepted
    }


def may_moderate(deposit: Deposit, user) -> bool:
    """Whether `user` moderates this deposit: claims it, is assigned it, decides on it, speaks as a
    moderator in its conversation. A moderator of its community (administrators moderate every
    community) who is not one of its depositors: nobody moderates their own deposit, where they are
    a depositor like any other, and another moderator (an administrator when there is none) decides.
    The one rule every place asks; places that look at many deposits at once apply it as "the
    community's moderators less the deposit's editors" (editor_ids)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return is_moderator_of(user, deposit.community) and not is_editor(deposit, user)


def can_edit(deposit: Deposit, user) -> bool:
    return user.is_authenticated and (user.is_superuser or is_editor(deposit, user))


def can_view(deposit: Deposit, user) -> bool:
    if not user.is_authenticated:
        return False
    if user.is_superuser or is_editor(deposit, user):
        return True
    return deposit.status != Status.draft and is_moderator_of(user, deposit.community)


def invitations_for(user) -> QuerySet[Collaboration]:
    """Pending invitations addressed to the user: by account, by one of their verified e-mail
    addresses, or by their ORCID iD when it is authenticated."""
    from allauth.account.models import EmailAddress

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
    if deposit is None or not can_view(deposit, user):
        raise NotFound("No such deposit.")
    return deposit
