"""Notifications: when the daily digest of e-mails is sent (UTC hour), and its beat entry."""

from celery.schedules import crontab

from .env import env

# The final schedule dict (storage.py builds it from the broker's, which saml.py adds to): base.py
# imports this module after those, so every entry is in it when this one is added.
from .storage import CELERY_BEAT_SCHEDULE

NOTIFICATIONS_DIGEST_HOUR = env.int("NOTIFICATIONS_DIGEST_HOUR", default=7)
NOTIFICATIONS_PAGE_SIZE = env.int("NOTIFICATIONS_PAGE_SIZE", default=25)
# An e-mail whose sending failed this many times (the task's retries and the sweep's together) is
# marked failed, shown in the admin (Notifications, e-mail: failed) and no longer tried.
NOTIFICATIONS_EMAIL_MAX_ATTEMPTS = env.int("NOTIFICATIONS_EMAIL_MAX_ATTEMPTS", default=10)

CELERY_BEAT_SCHEDULE["notifications-send-digests"] = {
    "task": "notifications.digest.send",
    "schedule": crontab(minute=0, hour=NOTIFICATIONS_DIGEST_HOUR),
}

# Immediate e-mails lost on the way (broker down when queued) are queued again.
CELERY_BEAT_SCHEDULE["notifications-resend-unsent"] = {
    "task": "notifications.email.resend_unsent",
    "schedule": crontab(minute="*/10"),
}

__all__ = ["NOTIFICATIONS_DIGEST_HOUR", "NOTIFICATIONS_EMAIL_MAX_ATTEMPTS", "NOTIFICATIONS_PAGE_SIZE"]
