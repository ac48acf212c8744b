"""What the services' modules share: who may change a deposit now, and the store being unavailable."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from core.errors import Conflict, DomainError, PermissionDenied
from core.logging import get_logger
from deposit import policy, workflow
from deposit.models import Deposit
from deposit.workflow import Status
from repository.storage import StorageError

log = get_logger(__name__)


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


@contextmanager
def store_errors(message: str = "", **logged) -> Iterator[None]:
    """The store failing inside the block (repository.storage.StorageError) is StoreUnavailable (503)
    with `message` (by default: unavailable, try again shortly). With `logged` (`step="open"`…), the
    failure is logged first as `upload.store_unavailable` with those fields. Only for failures the
    caller answers: where a failure is swallowed (a deletion or an abort after commit, a verification
    handed to the worker), the caller catches StorageError itself."""
    try:
        yield
    except StorageError as exc:
        if logged:
            log.warning("upload.store_unavailable", **logged, error=str(exc))
        raise StoreUnavailable(message or _("The file store is unavailable; try again shortly.")) from exc


def human_size(n: int) -> str:
    return filesizeformat(n)
