"""Co-depositors: invitations by e-mail or ORCID iD, their answers, and their withdrawal."""

from __future__ import annotations

from allauth.account.models import EmailAddress
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from core.logging import get_logger
from deposit import hooks, policy, workflow
from deposit.models import Collaboration, Deposit
from deposit.selectors import invitations_for
from repository.metadata import ORCID_RE, normalize_orcid, orcid_checksum_ok

log = get_logger(__name__)


@transaction.atomic
def collaborator_invite(*, deposit: Deposit, actor, email: str = "", orcid: str = "") -> Collaboration:
    """Invite a co-depositor by e-mail or ORCID iD. Only the owner (or an administrator) invites.
    The invitation reaches an existing account with that verified e-mail or authenticated iD,
    or waits for one; the invitee is told (notifications.services.notify_invitation)."""
    deposit = Deposit.objects.select_for_update().get(pk=deposit.pk)
    if not policy.may_invite(deposit, actor):
        raise PermissionDenied(_("Only the depositor who created the deposit can invite co-depositors."))
    if deposit.status in workflow.TERMINAL:
        raise Conflict(_("This deposit is closed to co-depositors."))
    email = (email or "").strip().lower()
    orcid = normalize_orcid(orcid or "") if orcid else ""
    if bool(email) == bool(orcid):
        raise ValidationFailed(_("Give either an e-mail address or an ORCID iD."), field="email")
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise ValidationFailed(_("Enter a valid e-mail address."), field="email") from None
    if orcid and not (ORCID_RE.match(orcid) and orcid_checksum_ok(orcid)):
        raise ValidationFailed(
            _("Not a valid ORCID iD (format 0000-0002-1825-0097, with its check digit)."), field="orcid"
        )
    invitee = None
    if email:
        address = EmailAddress.objects.filter(email__iexact=email, verified=True).select_related("user").first()
        invitee = address.user if address else None
    else:
        invitee = User.objects.filter(orcid=orcid, orcid_authenticated=True).first()
    if invitee is not None and invitee.pk == deposit.owner_id:
        raise ValidationFailed(_("You already own this deposit."), field="email" if email else "orcid")
    live = deposit.collaborations.filter(state__in=[Collaboration.State.pending, Collaboration.State.accepted])
    duplicate = live.filter(email=email) if email else live.filter(orcid=orcid)
    if duplicate.exists() or (invitee is not None and live.filter(user=invitee).exists()):
        raise ValidationFailed(_("This person is already invited."), field="email" if email else "orcid")
    collaboration = Collaboration.objects.create(
        deposit=deposit, invited_by=actor, email=email, orcid=orcid, user=invitee
    )
    # The invitee is told once this commits, through the notifications' outbox like every mail
    # (recorded, retried, sent once): nothing about the mail can fail the invitation.
    hooks.announce_on_commit(hooks.collaborator_invited, collaboration_id=collaboration.pk)
    log.info("collaborator.invited", deposit=deposit.pk, collaboration=collaboration.pk)
    return collaboration


def _invitation_for(user, collaboration_id: int) -> Collaboration:
    collaboration = invitations_for(user).select_for_update(of=("self",)).filter(pk=collaboration_id).first()
    if collaboration is None:
        raise NotFound(_("No such invitation."))
    return collaboration


@transaction.atomic
def invitation_accept(*, collaboration_id: int, user) -> Collaboration:
    collaboration = _invitation_for(user, collaboration_id)
    collaboration.user = user
    collaboration.state = Collaboration.State.accepted
    collaboration.responded_at = timezone.now()
    collaboration.save(update_fields=["user", "state", "responded_at"])
    log.info("collaborator.accepted", deposit=collaboration.deposit_id, user=user.pk)
    return collaboration


@transaction.atomic
def invitation_decline(*, collaboration_id: int, user) -> Collaboration:
    collaboration = _invitation_for(user, collaboration_id)
    collaboration.user = user
    collaboration.state = Collaboration.State.declined
    collaboration.responded_at = timezone.now()
    collaboration.save(update_fields=["user", "state", "responded_at"])
    return collaboration


@transaction.atomic
def collaboration_revoke(*, collaboration: Collaboration, actor) -> None:
    """The owner withdraws an invitation or removes a co-depositor; a co-depositor may leave."""
    if not policy.may_revoke(collaboration, actor):
        raise PermissionDenied(_("Only the depositor can remove a co-depositor."))
    collaboration.state = Collaboration.State.revoked
    collaboration.responded_at = timezone.now()
    collaboration.save(update_fields=["state", "responded_at"])
