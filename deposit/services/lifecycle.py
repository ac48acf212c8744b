"""The lifecycle's actions on behalf of a user: the one entry point (`deposit_act`), submission
(strict validation, DOI reservation) and approval (publication)."""
from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.models import User
from core.errors import PermissionDenied, ValidationFailed
from deposit import policy, workflow
from deposit.models import Deposit, DepositFile
from deposit.workflow import Action
from repository import services as repository_services
from repository.metadata import MetadataDocument

from .deposits import deposit_problems


def deposit_act(
    *, deposit: Deposit, action: str, actor, note: str = "", reason: str = "", assignee: str = "",
    seen_status: str = "",
) -> Deposit:
    """Apply one lifecycle action on behalf of a user; the single entry point of the web views and
    the API. Submission validates strictly and reserves the DOI; approval publishes. `assignee` is
    a username; `seen_status` the status the actor's page showed (see workflow.apply_transition)."""
    if action in (Action.submit, Action.resubmit):
        return deposit_submit(deposit=deposit, actor=actor, action=action, seen_status=seen_status)
    if action == Action.approve:
        return deposit_approve(deposit=deposit, actor=actor, note=note, seen_status=seen_status)
    if action == Action.publish:
        raise PermissionDenied(_("Publication follows approval; it cannot be requested."))
    target = None
    if action == Action.assign:
        target = User.objects.filter(username=assignee, is_active=True).first() if assignee else None
    return workflow.apply_transition(
        deposit_id=deposit.pk, action=action, actor=actor, note=note, seen_status=seen_status, reason=reason,
        assignee=target,
    )


class NameRequired(ValidationFailed):
    """Submission from an account that has no name yet: what is published names depositors by their
    names, never by their usernames, so the name is asked for first (on the account page)."""

    def __init__(self):
        url = settings.SITE_URL + reverse("accounts:profile") + "#name-title"
        super().__init__(
            _("Give your name on your account page (%(url)s) before you submit: deposits are published under "
              "their depositors' names, never under usernames.") % {"url": url},
            field="account.display_name",
        )
        self.code = "name_required"


@transaction.atomic
def deposit_submit(*, deposit: Deposit, actor, action: str = Action.submit, seen_status: str = "") -> Deposit:
    deposit = Deposit.objects.select_for_update().get(pk=deposit.pk)
    transition = workflow.transition_for(deposit.status, action)
    if seen_status and seen_status != deposit.status:
        transition = None  # apply_transition below says what happened
    if transition is not None:
        if transition.role not in policy.roles_of(deposit, actor):
            raise PermissionDenied(_("You may not do this to this deposit."))
        if not actor.public_name:
            raise NameRequired()
        problems = deposit_problems(deposit)
        if problems:
            raise ValidationFailed(_("The deposit is not complete yet."), problems=problems)
    deposit = workflow.apply_transition(deposit_id=deposit.pk, action=action, actor=actor, seen_status=seen_status)
    document = MetadataDocument.model_validate(deposit.metadata)
    if deposit.pid_id is None:
        deposit.pid = repository_services.pid_reserve(document=document)
        deposit.save(update_fields=["pid"])
    else:
        repository_services.pid_update_document(pid=deposit.pid, document=document)
    return deposit


@transaction.atomic
def deposit_approve(*, deposit: Deposit, actor, note: str = "", seen_status: str = "") -> Deposit:
    """Approve and publish in one transaction: the record exists when the moderator sees the answer;
    the DOI becomes findable asynchronously (the registration waits in the outbox if DataCite is down)."""
    deposit = workflow.apply_transition(
        deposit_id=deposit.pk, action=Action.approve, actor=actor, note=note, seen_status=seen_status
    )
    document = MetadataDocument.model_validate(deposit.metadata)
    files = [
        {"name": f.name, "size": f.size, "md5": f.md5, "sha256": f.sha256, "storage_key": f.storage_key}
        for f in deposit.files.filter(state=DepositFile.State.ready)
    ]
    record = repository_services.record_publish(
        pid=deposit.pid, document=document, community=deposit.community, owner=deposit.owner, files=files,
        actor=actor,
    )
    deposit.record = record
    deposit.save(update_fields=["record"])
    return workflow.apply_transition(deposit_id=deposit.pk, action=Action.publish, actor=None)
