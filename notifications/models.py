"""In-app notifications (the bell) and each user's choice of e-mail: immediately or a daily digest."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    submitted = "submitted", _("submitted for review")
    # Submitted in a community whose only moderators are its depositors: an administrator decides.
    for_administrators = "for_administrators", _("submitted for an administrator to decide")
    claimed = "claimed", _("claimed by a moderator")
    assigned = "assigned", _("assigned to you")
    comment = "comment", _("new comment")
    changes_requested = "changes_requested", _("changes requested")
    resubmitted = "resubmitted", _("resubmitted")
    approved = "approved", _("approved")
    rejected = "rejected", _("rejected")
    published = "published", _("published")
    invited = "invited", _("invitation to co-deposit")


class Audience(models.TextChoices):
    """Which side of the review the recipient is on: it decides where the notification leads
    (the deposit's page, or the moderator's review page). Recorded when the notification is made,
    so that listing notifications needs no permission look-up per row."""

    depositor = "depositor", _("depositor")
    moderator = "moderator", _("moderator")


class Notification(models.Model):
    # None only for an invitation to an address that no account has verified yet: e-mailed, no bell.
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="notifications"
    )
    email = models.EmailField(blank=True)  # the address mailed when it is not the recipient's own (an invitation)
    collaboration = models.ForeignKey(
        "deposit.Collaboration", null=True, blank=True, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    deposit = models.ForeignKey("deposit.Deposit", on_delete=models.CASCADE, related_name="notifications")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    comment = models.ForeignKey(
        "moderation.Comment", null=True, blank=True, on_delete=models.CASCADE, related_name="notifications"
    )
    # The transition told (its note, rejection reason, assignee); empty for a comment.
    event = models.ForeignKey(
        "deposit.DepositEvent", null=True, blank=True, on_delete=models.CASCADE, related_name="notifications"
    )
    audience = models.CharField(max_length=10, choices=Audience.choices, default=Audience.depositor)
    text = models.TextField(blank=True)  # the note of a decision, or the comment's first lines
    created = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)  # sent alone or in a digest
    # The outbox claim: set (and committed) before the mail is handed to the server, cleared again
    # if the server refuses it. A claim with no `emailed_at` is a send whose outcome is unknown (the
    # worker died, or recording it failed): never sent again automatically, shown to operators.
    email_claimed_at = models.DateTimeField(null=True, blank=True)
    # Sends that failed, the last error, and when the outbox gave up (after
    # NOTIFICATIONS_EMAIL_MAX_ATTEMPTS): a mail the server keeps refusing is not tried for ever.
    email_attempts = models.PositiveSmallIntegerField(default=0)
    email_error = models.TextField(blank=True)
    email_failed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created", "-pk"]
        indexes = [
            models.Index(fields=["recipient", "read_at"]),
            models.Index(fields=["emailed_at", "created"]),
        ]

    def __str__(self) -> str:
        return f"{self.kind} on deposit {self.deposit_id}"


class EmailMode(models.TextChoices):
    immediate = "immediate", _("one e-mail for each notification")
    digest = "digest", _("a daily digest")
    off = "off", _("no e-mail (the bell only)")


class Preference(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference"
    )
    email = models.CharField(max_length=10, choices=EmailMode.choices, default=EmailMode.immediate)
    digest_sent_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"user {self.user_id}: {self.email}"
