"""The conversation between moderator and depositor: comments anchored to a field, a file or the
deposit as a whole. Decisions are deposit events (deposit.DepositEvent)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Comment(models.Model):
    """One message. `field` is a wizard field path (`geo_locations`, `creators-0-orcid`), empty for
    a comment on a file or on the whole deposit; replies point at the comment they answer, and
    resolving the first comment of a thread resolves the thread."""

    deposit = models.ForeignKey("deposit.Deposit", on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    field = models.CharField(max_length=200, blank=True)
    file = models.ForeignKey(
        "deposit.DepositFile", null=True, blank=True, on_delete=models.SET_NULL, related_name="comments"
    )
    file_name = models.CharField(max_length=255, blank=True)  # kept when the file is deleted
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies")
    round = models.PositiveIntegerField(default=0)  # the deposit's review round when it was written
    body = models.TextField(_("message"))  # Markdown, rendered safely
    created = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["created", "pk"]
        indexes = [models.Index(fields=["deposit", "created"])]

    def __str__(self) -> str:
        return f"{self.author} on {self.field or self.file_name or 'the deposit'}"

    @property
    def is_resolved(self) -> bool:
        return self.resolved_at is not None
