"""Celery tasks of the repository: DOI registration and its re-drive."""
from celery import shared_task

from .pids.base import RetryableError


@shared_task(name="repository.pids.sync", bind=True, max_retries=None)
def pid_sync_task(self, pid_id: int) -> None:
    from django.utils import timezone

    from .services import pid_sync

    try:
        pid_sync(pid_id=pid_id)
    except RetryableError:
        from .models import PersistentIdentifier

        pid = PersistentIdentifier.objects.get(pk=pid_id)
        delay = max((pid.next_attempt_at - timezone.now()).total_seconds(), 1) if pid.next_attempt_at else 30
        raise self.retry(countdown=delay) from None


@shared_task(name="repository.pids.redrive")
def pids_redrive_task() -> int:
    from .services import pids_redrive

    return pids_redrive()
