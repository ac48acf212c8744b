"""The lifecycle's actions on behalf of a user: the one entry point (`deposit_act`), submission
(strict validation, DOI reservation) and approval (publication)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.models import User
from core.errors import PermissionDenied, ValidationFailed
from deposit import policy, selectors, workflow
from deposit.models import Deposit, DepositFile
from deposit.workflow import Action
from repository import services as repository_services, variables
from repository.metadata import MetadataDocument

from .deposits import deposit_problems


def deposit_act(
    *,
    deposit: Deposit,
    action: str,
    actor,
    note: str = "",
    reason: str = "",
    assignee: str = "",
    seen_status: str = "",
) -> Deposit:
    """Apply one lifecycle action on behalf of a user; the single entry point of the web views and
    the API. Submission validates strictly and reserves the DOI; approval publishes. `assignee` is
    a username; `seen_status` the status the actor's page showed (see workflow.apply_transition)."""
    request = _Request(deposit, action, actor, note, reason, assignee, seen_status)
    try:
        act = ACTS.get(Action(action), _transition)
    except ValueError:
        act = _transition  # apply_transition refuses it, naming the unknown action
    return act(request)


@dataclass(frozen=True)
class _Request:
    deposit: Deposit
    action: str
    actor: object
    note: str
    reason: str
    assignee: str  # a username
    seen_status: str


def _transition(request: _Request, *, assignee=None) -> Deposit:
    """The action's transition, with the effect the workflow declares for it (workflow.EFFECTS)."""
    return workflow.apply_transition(
        deposit_id=request.deposit.pk,
        action=request.action,
        actor=request.actor,
        note=request.note,
        seen_status=request.seen_status,
        reason=request.reason,
        assignee=assignee,
    )


def _submit(request: _Request) -> Deposit:
    return deposit_submit(
        deposit=request.deposit, actor=request.actor, action=request.action, seen_status=request.seen_status
    )


def _approve(request: _Request) -> Deposit:
    return deposit_approve(
        deposit=request.deposit, actor=request.actor, note=request.note, seen_status=request.seen_status
    )


def _refuse_publication(request: _Request) -> Deposit:
    raise PermissionDenied(_("Publication follows approval; it cannot be requested."))


def _assign(request: _Request) -> Deposit:
    """The colleague named by username, if their account is active (apply_transition refuses anyone
    who may not review the deposit)."""
    name = request.assignee
    colleague = User.objects.filter(username=name, is_active=True).first() if name else None
    return _transition(request, assignee=colleague)


# How an action is taken on a user's behalf when it is more than its transition: a submission is
# checked in full and reserves the DOI, an approval publishes the record, publication is the
# system's alone, an assignment names its colleague by username. Every other action is its
# transition alone (`_transition`).
ACTS: dict[Action, Callable[[_Request], Deposit]] = {
    Action.submit: _submit,
    Action.resubmit: _submit,
    Action.approve: _approve,
    Action.publish: _refuse_publication,
    Action.assign: _assign,
}


class NameRequired(ValidationFailed):
    """Submission from an account that has no name yet: what is published names depositors by their
    names, never by their usernames, so the name is asked for first (on the account page)."""

    def __init__(self):
        url = settings.SITE_URL + reverse("accounts:profile") + "#name-title"
        super().__init__(
            _(
                "Give your name on your account page (%(url)s) before you submit: deposits are published under "
                "their depositors' names, never under usernames."
            )
            % {"url": url},
            field="account.display_name",
        )
        self.code = "name_required"


def _variables_fill(deposit: Deposit) -> None:
    """A document whose variables nobody decided (no `variables` key: the wizard's table was never
    saved, the API never sent them) gets its files' variables, as the wizard offers them ticked.
    A list the depositor saved, even empty, is theirs and kept."""
    if not isinstance(deposit.metadata, dict) or "variables" in deposit.metadata:
        return
    if found := selectors.files_variables(deposit):
        deposit.metadata = {**deposit.metadata, "variables": variables.document_variables(found)}
        deposit.revision += 1
        deposit.save(update_fields=["metadata", "revision", "modified"])


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
        _variables_fill(deposit)
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
    # One query and plain dicts, whatever the number of files (ten thousand models would cost more).
    files = list(
        deposit.files.filter(state=DepositFile.State.ready).values("name", "size", "md5", "sha256", "storage_key")
    )
    record = repository_services.record_publish(
        pid=deposit.pid,
        document=document,
        community=deposit.community,
        owner=deposit.owner,
        files=files,
        actor=actor,
    )
    deposit.record = record
    deposit.save(update_fields=["record"])
    return workflow.apply_transition(deposit_id=deposit.pk, action=Action.publish, actor=None)
