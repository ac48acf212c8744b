"""Published records (immutable metadata snapshots with their files) and persistent identifiers,
whose rows double as the outbox of DOI registrations."""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .pids.base import DOIState


class PersistentIdentifier(models.Model):
    """A DOI, the state the agency confirmed (`state`) and the state we want (`target_state`).
    A worker moves `state` towards `target_state`; `state` changes only after the agency said so,
    so a retried registration is always safe."""

    class Sync(models.TextChoices):
        pending = "pending", _("pending")
        done = "done", _("done")
        rejected = "rejected", _("rejected by the registration agency")

    doi = models.CharField(max_length=255, unique=True)
    provider = models.CharField(max_length=20)
    state = models.CharField(max_length=12, choices=[(s.value, s.value) for s in DOIState], default=DOIState.none)
    target_state = models.CharField(
        max_length=12, choices=[(s.value, s.value) for s in DOIState], default=DOIState.draft
    )
    url = models.URLField(max_length=500, blank=True)
    document = models.JSONField(default=dict, help_text="Metadata to send while no record exists yet.")
    record = models.OneToOneField("Record", null=True, blank=True, on_delete=models.PROTECT, related_name="pid")
    sync = models.CharField(max_length=10, choices=Sync.choices, default=Sync.pending)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    synced_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["sync", "next_attempt_at"])]

    def __str__(self) -> str:
        return self.doi

    @property
    def is_demo(self) -> bool:
        return self.provider == "local"


class Record(models.Model):
    """One published version of a dataset. Never edited after publication."""

    title = models.CharField(max_length=500)
    metadata = models.JSONField()
    doi = models.CharField(max_length=255, unique=True)
    community = models.ForeignKey("accounts.Community", on_delete=models.PROTECT, related_name="records")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="records")
    version = models.PositiveIntegerField(default=1)
    publication_date = models.DateField()
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"{self.title} ({self.doi})"

    def get_absolute_url(self) -> str:
        return reverse("repository:landing", kwargs={"pk": self.pk})

    @property
    def landing_url(self) -> str:
        return f"{settings.SITE_URL}{self.get_absolute_url()}"


class RecordFile(models.Model):
    record = models.ForeignKey(Record, on_delete=models.PROTECT, related_name="files")
    name = models.CharField(max_length=255)
    size = models.BigIntegerField()
    md5 = models.CharField(max_length=32)
    sha256 = models.CharField(max_length=64)
    storage_key = models.CharField(max_length=255)
    download_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["record", "name"], name="record_file_name_unique")]

    def __str__(self) -> str:
        return self.name
