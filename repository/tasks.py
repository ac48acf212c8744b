"""Celery tasks of the repository: DOI registration, its re-drive and reconciliation, embargo
lifting, and the fixity audit. Each takes ids, calls one service."""

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from core.logging import get_logger
from core.mail import mail_administrators

# `services` enqueues these tasks and imports this module: both refer to each other as modules.
from . import fixity, services
from .models import PersistentIdentifier
from .pids.base import RetryableError

log = get_logger(__name__)


@shared_task(name="repository.pids.sync", bind=True, max_retries=None)
def pid_sync_task(self, pid_id: int) -> None:
    """Sync one DOI; on a retryable failure, come back when the outbox says (exponential backoff,
    never before DataCite's Retry-After). A lost retry is not lost work: the re-drive finds the row."""
    try:
        services.pid_sync(pid_id=pid_id)
    except RetryableError:
        if self.request.is_eager:
            return  # in-process (tests, eager mode): the re-drive retries, not a recursion
        pid = PersistentIdentifier.objects.get(pk=pid_id)
        delay = max((pid.next_attempt_at - timezone.now()).total_seconds(), 1) if pid.next_attempt_at else 30
        raise self.retry(countdown=delay) from None


@shared_task(name="repository.pids.redrive")
def pids_redrive_task() -> int:
    return services.pids_redrive()


@shared_task(name="repository.pids.reconcile")
def pids_reconcile_task() -> dict:
    """Weekly: compare every DOI with DataCite; report drift (logs, the admin, a mail to the
    administrators) and, with DOI_RECONCILE_FIX, repair it through the outbox."""
    result = services.pids_reconcile(fix=settings.DOI_RECONCILE_FIX)
    drifts = result["drifts"]
    if drifts or result["unreachable"]:
        _mail_reconciliation(result, fixed=settings.DOI_RECONCILE_FIX)
    log.info(
        "doi.reconciled",
        total=result["total"],
        checked=result["checked"],
        drift=len(drifts),
        unreachable=result["unreachable"],
    )
    return {
        "total": result["total"],
        "checked": result["checked"],
        "drift": len(drifts),
        "unreachable": result["unreachable"],
    }


def _mail_reconciliation(result: dict, *, fixed: bool) -> None:
    lines = [f"{d.doi}: {'; '.join(d.problems)}" for d in result["drifts"][:200]]
    body = (
        f"DOI reconciliation with the registration agency: {result['checked']} of {result['total']} DOIs checked, "
        f"{len(result['drifts'])} differ, {result['unreachable']} could not be read.\n"
        + (
            "They were queued to be sent again.\n"
            if fixed
            else "Run `manage.py estran_reconcile_dois --fix` to send them again.\n"
        )
        + "\n"
        + "\n".join(lines)
    )
    mail_administrators(f"DOI drift: {len(result['drifts'])}", body)


@shared_task(name="repository.records.lift_embargoes")
def records_lift_embargoes_task() -> int:
    """Daily: open the files of records whose embargo ends today (or earlier)."""
    return services.records_lift_embargoes()


@shared_task(name="repository.files.fixity_audit")
def fixity_audit_task() -> dict:
    """Re-verify a rolling sample of published files (beat, hourly by default)."""
    return fixity.fixity_audit()
