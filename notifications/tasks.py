"""Celery tasks of notifications: one notification's e-mail, and the daily digest (beat)."""

from celery import shared_task

# `services` enqueues these tasks and imports this module: both refer to each other as modules.
from . import services


@shared_task(
    name="notifications.email.send",
    autoretry_for=(OSError,),
    retry_backoff=60,
    retry_backoff_max=3600,
    max_retries=8,
)
def notification_email_task(notification_id: int) -> bool:
    """Mail servers fail with OSError (smtplib's errors, timeouts): retried with backoff. The
    service sends at most once, so a retry after a send that did succeed does nothing."""
    return services.notification_email_send(notification_id=notification_id)


@shared_task(name="notifications.digest.send")
def digests_send_task() -> int:
    return services.digests_send()


@shared_task(name="notifications.email.resend_unsent")
def emails_resend_unsent_task() -> int:
    return services.emails_resend_unsent()
