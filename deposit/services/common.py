"""What the services' modules share: who may change a deposit now, and the store being unavailable."""
from __future__ import annotations

from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from core.errors import Conflict, DomainError, PermissionDenied

from .. import policy, workflow
from ..models import Deposit
from ..workflow import Status


def require_editor(deposit: Deposit, user) -> None:
    if not policy.may_edit(deposit, user):
        raise PermissionDenied(_("Only the depositor and co-depositors can change this deposit."))
    if deposit.status not in workflow.EDITABLE:
        raise Conflict(
            _("A deposit that is %(status)s cannot be edited.") % {"status": Status(deposit.status).label},
            code="not_editable",
        )


class StoreUnavailable(DomainError):
    """The object store did not answer (or failed); nothing was lost and the same request can be
    sent again shortly."""

    status_code = 503

    def __init__(self, message: str):
        super().__init__(message, code="storage_unavailable")


def human_size(n: int) -> str:
    return filesizeformat(n)
