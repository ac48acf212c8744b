"""Deposits (drafts on their way to publication), their audit events, files and upload sessions."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.text import MendingJSONDecoder

from .transitions import Status


class Deposit(models.Model):
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="deposits")
    community = models.ForeignKey(
        "accounts.Community", null=True, blank=True, on_delete=models.PROTECT, related_name="deposits"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.draft)
    # Read with the mending decoder: text stored before the input checks never breaks a page.
    metadata = models.JSONField(
        default=dict, blank=True, decoder=MendingJSONDecoder, help_text="As typed; validated at submission."
    )
    revision = models.PositiveIntegerField(default=1)
    title = models.CharField(max_length=500, blank=True)
    pid = models.OneToOneField(
        "repository.PersistentIdentifier", null=True, blank=True, on_delete=models.PROTECT, related_name="deposit"
    )
    record = models.OneToOneField(
        "repository.Record", null=True, blank=True, on_delete=models.PROTECT, related_name="deposit"
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="reviews"
    )
    created = models.DateTimeField(auto_now_add=True)
    modified = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    # How many times it was submitted: the current review round (0 for a draft never submitted).
    round = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-modified"]
        indexes = [models.Index(fields=["community", "status"])]

    def __str__(self) -> str:
        return self.title or _("Untitled deposit #%(id)s") % {"id": self.pk}

    def get_absolute_url(self) -> str:
        return reverse("deposit:detail", kwargs={"pk": self.pk})


class DepositEvent(models.Model):
    """The audit trail: one row per transition, with actor, time and note."""

    deposit = models.ForeignKey(Deposit, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=30)
    from_status = models.CharField(max_length=20, choices=Status.choices)
    to_status = models.CharField(max_length=20, choices=Status.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    note = models.TextField(blank=True)
    reason = models.CharField(max_length=30, blank=True)  # a rejection's reason (workflow.RejectionReason)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )  # who an `assign` gave the deposit to
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created", "pk"]

    def __str__(self) -> str:
        return f"{self.action}: {self.from_status} → {self.to_status}"


class ReviewRound(models.Model):
    """What the moderator was given at each submission: the metadata and the list of files, kept so
    that the next round can show what changed."""

    deposit = models.ForeignKey(Deposit, on_delete=models.CASCADE, related_name="rounds")
    number = models.PositiveIntegerField()
    metadata = models.JSONField(decoder=MendingJSONDecoder)
    files = models.JSONField(default=list)  # [{"name", "size", "sha256"}]
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["deposit", "number"]
        constraints = [models.UniqueConstraint(fields=["deposit", "number"], name="review_round_unique")]

    def __str__(self) -> str:
        return f"deposit {self.deposit_id}, round {self.number}"


class DepositFile(models.Model):
    class State(models.TextChoices):
        uploading = "uploading", _("uploading")
        verifying = "verifying", _("verifying")
        ready = "ready", _("ready")
        failed = "failed", _("failed")

    deposit = models.ForeignKey(Deposit, on_delete=models.CASCADE, related_name="files")
    name = models.CharField(max_length=1024)  # a relative path: core.file_names
    size = models.BigIntegerField()
    state = models.CharField(max_length=12, choices=State.choices, default=State.uploading)
    storage_key = models.CharField(max_length=255, unique=True)
    declared_sha256 = models.CharField(max_length=64, blank=True)
    md5 = models.CharField(max_length=32, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    error = models.TextField(blank=True)
    # What a reviewer sees without downloading: first lines of text, a NetCDF header (moderation.previews).
    preview = models.JSONField(default=dict, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    # When its verification was last handed to the worker: a file still `verifying` long after was
    # lost on the way (the file-system broker forgets a task whose worker was killed), and the sweep
    # hands it over again.
    verify_queued_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["deposit", "name"], name="deposit_file_name_unique")]

    def __str__(self) -> str:
        return self.name


class UploadSession(models.Model):
    """A multipart upload of one file: the store's upload id, the part size and count."""

    class State(models.TextChoices):
        open = "open", _("open")
        completed = "completed", _("completed")
        aborted = "aborted", _("aborted")

    file = models.OneToOneField(DepositFile, on_delete=models.CASCADE, related_name="upload")
    upload_id = models.CharField(max_length=255)
    part_size = models.BigIntegerField()
    part_count = models.PositiveIntegerField()
    # Every part is sent with its SHA-256 (the client said so at opening): the store's upload was
    # created with the SHA-256 algorithm, and only part URLs signed with a checksum are handed out.
    part_sha256 = models.BooleanField(default=False)
    state = models.CharField(max_length=12, choices=State.choices, default=State.open)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    created = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"upload {self.upload_id} ({self.state})"


class Collaboration(models.Model):
    """A co-depositor: invited by the owner by e-mail or ORCID iD, able to edit and submit the
    deposit once they accepted."""

    class State(models.TextChoices):
        pending = "pending", _("invited")
        accepted = "accepted", _("accepted")
        declined = "declined", _("declined")
        revoked = "revoked", _("withdrawn")

    deposit = models.ForeignKey(Deposit, on_delete=models.CASCADE, related_name="collaborations")
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    email = models.EmailField(_("e-mail"), blank=True)
    orcid = models.CharField(_("ORCID iD"), max_length=19, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="collaborations"
    )
    state = models.CharField(max_length=10, choices=State.choices, default=State.pending)
    created = models.DateTimeField(auto_now_add=True)
    responded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created"]
        indexes = [models.Index(fields=["state", "email"]), models.Index(fields=["state", "orcid"])]

    def __str__(self) -> str:
        return self.email or self.orcid


class ReviewerLinkQuerySet(models.QuerySet):
    def active(self, now=None):
        """Links that open the deposit now: neither revoked, nor closed by publication, nor expired."""
        now = now or timezone.now()
        return self.filter(revoked_at__isnull=True, closed_at__isnull=True, expires_at__gt=now)


class ReviewerLink(models.Model):
    """A secret link that shows the unpublished deposit, read-only, to whoever holds it: a journal's
    anonymous reviewers, who have no account. Only a hash of its token is stored (the clear link is
    shown once, when it is created); it expires, the depositors revoke it, and publication closes it
    (the DOI takes over). Its uses are counted here, apart from the published record's usage."""

    deposit = models.ForeignKey(Deposit, on_delete=models.CASCADE, related_name="reviewer_links")
    label = models.CharField(_("label"), max_length=200)  # "Journal of Marine Systems, MS 2026-123"
    token_hash = models.CharField(max_length=64, unique=True)  # SHA-256 of the token, hex
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"))
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    closed_at = models.DateTimeField(_("closed at publication"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    view_count = models.PositiveIntegerField(default=0)
    download_count = models.PositiveIntegerField(default=0)

    objects = ReviewerLinkQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.label

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and self.closed_at is None and self.expires_at > timezone.now()

    @property
    def state(self) -> str:
        """open, revoked, closed (at publication) or expired: what the deposit's page says of it."""
        if self.revoked_at is not None:
            return "revoked"
        if self.closed_at is not None:
            return "closed"
        return "open" if self.expires_at > timezone.now() else "expired"
