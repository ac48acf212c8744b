"""Mail to the site's administrators: what an operator must act on (a DOI the registration agency
refused, drift found by the DOI reconciliation, files failing the fixity audit). What a person
receives about their deposits (decisions, comments, invitations) goes through the notification
outbox instead (`notifications.services`), which records, retries and shows it."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail

from core.logging import get_logger

log = get_logger(__name__)


def administrators() -> list[str]:
    """The addresses of `ADMINS` and of the active superusers."""
    recipients = {email for _name, email in getattr(settings, "ADMINS", [])}
    superusers = get_user_model().objects.filter(is_superuser=True, is_active=True).exclude(email="")
    recipients |= set(superusers.values_list("email", flat=True))
    return sorted(recipients)


def mail_administrators(subject: str, body: str, *, fail_silently: bool = True) -> list[str]:
    """Mail the administrators, the subject prefixed with the site's name; the addresses mailed, or
    none if there is nobody to mail. A mail the server refuses is logged, not raised (a failing SMTP
    server must not break the DOI outbox), unless `fail_silently` is False."""
    recipients = administrators()
    if not recipients:
        return []
    try:
        send_mail(f"[{settings.SITE_NAME}] {subject}", body, None, recipients)
    except Exception as exc:
        if not fail_silently:
            raise
        log.warning("mail.failed", subject=subject, error=str(exc)[:200])
        return []
    return recipients
