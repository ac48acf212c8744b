"""Who may do what on a deposit and on the records published from it: the one place that decides.

Every predicate is defined once from the roles a user holds:

| role | what it is |
| --- | --- |
| owner | created the deposit (a record's owner: created the deposit it was published from) |
| co-depositor | accepted an invitation: a full editor, as the owner, except inviting and deleting |
| invited | an invitation not answered yet: nothing until they accept |
| moderator | holds `moderate_community` on the deposit's community; never moderates their own deposit |
| administrator | `is_superuser`: sees and moderates everything, except their own deposits |
| anyone else | another depositor, a moderator of another community, anonymous: nothing |

Predicates answer *who*; *when* (a deposit that is not a draft cannot be edited, one on its way to
publication cannot be deleted) is the state machine's (deposit.workflow) and the services', which
refuse with a Conflict rather than a PermissionDenied. Services, selectors, views, the API and the
templates (`{% may "edit" deposit as can_edit %}`) ask here; `repository`, below `deposit`, asks
through `repository.hooks`, filled in DepositConfig.ready.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from accounts.selectors import communities_moderated_by, is_moderator_of

from .models import Collaboration, Deposit
from .transitions import TRANSITIONS, Role, Status

# --- Roles ---------------------------------------------------------------------------------------


def _authenticated(user) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False))


def is_administrator(user) -> bool:
    return _authenticated(user) and user.is_superuser


def is_owner(deposit: Deposit, user) -> bool:
    return _authenticated(user) and deposit.owner_id == user.pk


def is_editor(deposit: Deposit, user) -> bool:
    """The owner or an accepted co-depositor."""
    if not _authenticated(user):
        return False
    if deposit.owner_id == user.pk:
        return True
    # Iterating .all() uses the prefetched co-depositors when deposit_for loaded them.
    return any(c.user_id == user.pk and c.state == Collaboration.State.accepted for c in deposit.collaborations.all())


def editor_ids(deposit: Deposit) -> set[int]:
    """The ids of the owner and the accepted co-depositors (from the prefetch when there is one)."""
    return {deposit.owner_id} | {
        c.user_id for c in deposit.collaborations.all() if c.user_id and c.state == Collaboration.State.accepted
    }


def editors_by_deposit(deposits) -> dict[int, set[int]]:
    """editor_ids of many deposits in one query (a queue page)."""
    editors = {d.pk: {d.owner_id} for d in deposits}
    if editors:
        for deposit_id, user_id in Collaboration.objects.filter(
            deposit_id__in=list(editors), state=Collaboration.State.accepted, user__isnull=False
        ).values_list("deposit_id", "user_id"):
            editors[deposit_id].add(user_id)
    return editors


def is_record_editor(record, user) -> bool:
    """The owner of a record or an accepted co-depositor of the deposit it was published from."""
    if not _authenticated(user):
        return False
    if record.owner_id == user.pk:
        return True
    return Collaboration.objects.filter(deposit__record=record, user=user, state=Collaboration.State.accepted).exists()


def was_submitted(deposit: Deposit) -> bool:
    """Moderators learn a deposit exists once it was submitted (even if sent back to a draft since)."""
    return deposit.status != Status.draft or deposit.round > 0


# --- Deposits ------------------------------------------------------------------------------------


def may_open_review(deposit: Deposit, user) -> bool:
    """The review page: the community's moderators (their own deposits included, shown as theirs to
    another moderator's decision) once it was submitted."""
    return _authenticated(user) and was_submitted(deposit) and is_moderator_of(user, deposit.community)


def may_view(deposit: Deposit, user) -> bool:
    if not _authenticated(user):
        return False
    if user.is_superuser or is_editor(deposit, user):
        return True
    return was_submitted(deposit) and is_moderator_of(user, deposit.community)


def may_preview_landing(deposit: Deposit, user) -> bool:
    """See the landing page the deposit will have, before it is published: whoever may view the
    deposit (its editors; its community's moderators once it was submitted; administrators)."""
    return may_view(deposit, user)


def may_edit(deposit: Deposit, user) -> bool:
    """Change its metadata and files (while workflow.EDITABLE holds)."""
    return is_administrator(user) or is_editor(deposit, user)


def may_submit(deposit: Deposit, user) -> bool:
    """Send it to moderation (submit, resubmit): its depositors, not an administrator for them."""
    return is_editor(deposit, user)


def may_delete(deposit: Deposit, user) -> bool:
    """The deposit's owner (co-depositors edit it, they do not dispose of it)."""
    return is_administrator(user) or is_owner(deposit, user)


def may_invite(deposit: Deposit, user) -> bool:
    return is_administrator(user) or is_owner(deposit, user)


def may_leave(collaboration: Collaboration, user) -> bool:
    """A co-depositor (or someone invited) takes themselves off a deposit they do not own."""
    return _authenticated(user) and collaboration.user_id == user.pk and collaboration.deposit.owner_id != user.pk


def may_revoke(collaboration: Collaboration, user) -> bool:
    """Withdraw an invitation or remove a co-depositor: the owner, or the co-depositor leaving."""
    return may_invite(collaboration.deposit, user) or may_leave(collaboration, user)


def may_manage_reviewer_links(deposit: Deposit, user) -> bool:
    """Create, list and revoke the deposit's private reviewer links: its depositors (owner and
    co-depositors) alone. A link shows the unpublished deposit to a journal's reviewers, which is
    the depositors' decision: neither a moderator nor an administrator gives one out for them.
    Links are created only while the deposit is unpublished (deposit.services.reviewer_links)."""
    return is_editor(deposit, user)


def may_moderate(deposit: Deposit, user) -> bool:
    """Whether `user` moderates this deposit: claims it, is assigned it, decides on it, speaks as a
    moderator in its conversation. A moderator of its community (administrators moderate every
    community) who is not one of its depositors: nobody moderates their own deposit, where they are
    a depositor like any other, and another moderator (an administrator when there is none) decides.
    Places that look at many deposits at once apply it as "the community's moderators less the
    deposit's editors" (editors_by_deposit)."""
    return _authenticated(user) and is_moderator_of(user, deposit.community) and not is_editor(deposit, user)


def may_take_claim(deposit: Deposit, user) -> bool:
    """The deposit is unclaimed or claimed by `user` (administrators take over any claim): asked
    alone by a queue, whose rows are already deposits the user moderates."""
    return _authenticated(user) and (user.is_superuser or deposit.reviewer_id in (None, user.pk))


def may_review(deposit: Deposit, user) -> bool:
    """Act as the deposit's reviewer: moderate it while it is unclaimed or claimed by them."""
    return may_moderate(deposit, user) and may_take_claim(deposit, user)


def roles_of(deposit: Deposit, user) -> set[Role]:
    """The roles `user` holds on `deposit` in the transitions table; None stands for the system."""
    if user is None:
        return {Role.system}
    roles: set[Role] = set()
    if may_submit(deposit, user):
        roles.add(Role.depositor)
    if may_moderate(deposit, user):
        roles.add(Role.moderator)
        if may_review(deposit, user):
            roles.add(Role.reviewer)
    return roles


def may_act(deposit: Deposit, user, action: str) -> bool:
    """Whether the transitions table lets `user` apply `action` to the deposit as it is now."""
    roles = roles_of(deposit, user)
    return any(
        t.action == action and t.source == deposit.status and t.role in roles and t.role is not Role.system
        for t in TRANSITIONS
    )


def may_comment(deposit: Deposit, user) -> bool:
    """Write in its conversation (while it is open): its editors and those who moderate it."""
    return is_editor(deposit, user) or may_moderate(deposit, user)


def may_read_conversation(deposit: Deposit, user) -> bool:
    return may_view(deposit, user)


def may_resolve(deposit: Deposit, user, *, author_id: int | None) -> bool:
    """Resolve a thread (while the conversation is open): its author, if still a party, or those who
    moderate the deposit."""
    if may_moderate(deposit, user):
        return True
    return (
        _authenticated(user)
        and author_id == user.pk
        and (is_editor(deposit, user) or is_moderator_of(user, deposit.community))
    )


def moderation_q(user) -> Q:
    """The deposits `user` sees as a moderator: submitted at least once, in a community they moderate."""
    return Q(community__in=communities_moderated_by(user)) & (~Q(status=Status.draft) | Q(round__gt=0))


def own_q(user, prefix: str = "") -> Q:
    """The deposits `user` owns or co-deposits (`prefix`: the path to the deposit, e.g. "deposits__")."""
    co_deposited = Collaboration.objects.filter(user=user, state=Collaboration.State.accepted).values("deposit_id")
    return Q(**{f"{prefix}owner": user}) | Q(**{f"{prefix}pk__in": co_deposited})


def deposits_edited_by(user) -> QuerySet[Deposit]:
    """The deposits the user owns or co-deposits."""
    if not _authenticated(user):
        return Deposit.objects.none()
    return Deposit.objects.filter(own_q(user))


def deposits_visible_to(user) -> QuerySet[Deposit]:
    """The deposits may_view lets `user` see, as one queryset."""
    if not _authenticated(user):
        return Deposit.objects.none()
    if user.is_superuser:
        return Deposit.objects.all()
    return Deposit.objects.filter(own_q(user) | moderation_q(user))


# --- Records (asked by repository through repository.hooks) ------------------------------------


def may_see_embargoed_files(record, user) -> bool:
    """Its depositors (owner and co-depositors), the community's moderators and administrators."""
    if not _authenticated(user):
        return False
    return user.is_superuser or is_moderator_of(user, record.community) or is_record_editor(record, user)


def may_start_new_version(record, user) -> bool:
    """Its depositors (owner and co-depositors: full editors) and administrators."""
    return is_administrator(user) or is_record_editor(record, user)


def may_withdraw(record, user) -> bool:
    """A moderator of its community or an administrator who is not one of its depositors: withdrawal
    is a moderation decision, and nobody moderates their own work (as may_moderate); a depositor asks
    another moderator, who records the reason on the tombstone."""
    return _authenticated(user) and is_moderator_of(user, record.community) and not is_record_editor(record, user)


# --- Templates -----------------------------------------------------------------------------------

# `{% may "edit" deposit %}`: the name a template gives → the predicate (object, user).
BY_NAME = {
    "view": may_view,
    "preview_landing": may_preview_landing,
    "edit": may_edit,
    "submit": may_submit,
    "delete": may_delete,
    "invite": may_invite,
    "moderate": may_moderate,
    "open_review": may_open_review,
    "comment": may_comment,
    "leave": may_leave,
    "manage_reviewer_links": may_manage_reviewer_links,
    "revoke": may_revoke,
    "see_embargoed_files": may_see_embargoed_files,
    "start_new_version": may_start_new_version,
    "withdraw": may_withdraw,
}
