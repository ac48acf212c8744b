"""Published records (metadata snapshots with their history, files, versions grouped by a concept)
and persistent identifiers, whose rows double as the outbox of DOI registrations."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .fields import TextListField
from .pids.base import PERMANENT_STATES, DOIState


class PersistentIdentifier(models.Model):
    """A DOI, the state the agency confirmed (`state`) and the state we want (`target_state`).
    A worker moves `state` towards `target_state`; `state` changes only after the agency said so,
    so a retried registration is always safe. The metadata sent is computed at each attempt from
    the record (or, before publication, from `document`), so a re-sent DOI always carries the
    record's current metadata. Rows are never deleted: a minted DOI is never minted again."""

    class Sync(models.TextChoices):
        pending = "pending", _("pending")
        done = "done", _("done")
        rejected = "rejected", _("rejected by the registration agency")

    class Kind(models.TextChoices):
        version = "version", _("version (one record)")
        concept = "concept", _("concept (all versions)")

    doi = models.CharField(max_length=255, unique=True)
    provider = models.CharField(max_length=20)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.version)
    state = models.CharField(max_length=12, choices=[(s.value, s.value) for s in DOIState], default=DOIState.none)
    target_state = models.CharField(
        max_length=12, choices=[(s.value, s.value) for s in DOIState], default=DOIState.draft
    )
    url = models.URLField(max_length=500, blank=True)
    document = models.JSONField(default=dict, help_text="Metadata to send while no record exists yet.")
    record = models.OneToOneField("Record", null=True, blank=True, on_delete=models.PROTECT, related_name="pid")
    # The version chain a DOI belongs to, known before its record exists (a new version's deposit).
    concept = models.ForeignKey("Concept", null=True, blank=True, on_delete=models.PROTECT, related_name="version_pids")
    sync = models.CharField(max_length=10, choices=Sync.choices, default=Sync.pending)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # When the row last became pending: the outbox's age, which /healthz reports.
    pending_since = models.DateTimeField(null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    synced_at = models.DateTimeField(null=True, blank=True)
    # What the last reconciliation found different at the agency (empty: nothing).
    drift = models.TextField(blank=True)
    checked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("persistent identifier")
        indexes = [
            models.Index(fields=["sync", "next_attempt_at"]),
            models.Index(fields=["sync", "pending_since"], name="pid_sync_pending_since_idx"),
        ]

    def __str__(self) -> str:
        return self.doi

    @property
    def is_demo(self) -> bool:
        return self.provider == "local"

    @property
    def is_permanent(self) -> bool:
        """Registered or findable at the agency (or on its way there): never deletable."""
        return self.state in PERMANENT_STATES or self.target_state in PERMANENT_STATES


class Concept(models.Model):
    """A dataset across its versions. Its DOI (the concept DOI) is minted when a second version is
    published, and resolves to the latest version."""

    pid = models.OneToOneField(
        PersistentIdentifier, null=True, blank=True, on_delete=models.PROTECT, related_name="concept_of"
    )
    created = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.pid.doi if self.pid_id else f"concept #{self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("repository:concept", kwargs={"pk": self.pk})

    @property
    def landing_url(self) -> str:
        return f"{settings.SITE_URL}{self.get_absolute_url()}"


class WithdrawalReason(models.TextChoices):
    data_error = "data_error", _("Errors in the data")
    duplicate = "duplicate", _("Duplicate of another record")
    rights = "rights", _("Rights or licensing problem")
    sensitive = "sensitive", _("Sensitive or personal data")
    depositor_request = "depositor_request", _("At the depositor's request")
    other = "other", _("Other reason")


class Record(models.Model):
    """One published version of a dataset. Its files never change; its metadata changes only by
    the system (a lifted embargo), each snapshot kept in `revisions`."""

    class Status(models.TextChoices):
        published = "published", _("published")
        withdrawn = "withdrawn", _("withdrawn")

    title = models.CharField(max_length=500)
    metadata = models.JSONField()
    doi = models.CharField(max_length=255, unique=True)
    community = models.ForeignKey("accounts.Community", on_delete=models.PROTECT, related_name="records")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="records")
    concept = models.ForeignKey(Concept, on_delete=models.PROTECT, related_name="records")
    version = models.PositiveIntegerField(default=1)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.published)
    publication_date = models.DateField()
    # Denormalised from metadata.access (the daily lift and every download ask for it).
    embargo_until = models.DateField(null=True, blank=True, db_index=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawal_reason = models.CharField(max_length=20, choices=WithdrawalReason.choices, blank=True)
    withdrawal_note = models.TextField(blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created = models.DateTimeField(auto_now_add=True)
    # What the files amount to, written once by `services.record_publish` (a record's files never
    # change): exports of a record with many files summarise them from these columns rather than
    # read ten thousand rows (`files_summarised`). Extensions are of the files' own names (".nc",
    # "" for none), lower case, first seen first, at most `FILE_EXTENSIONS_MAX`.
    file_count = models.PositiveIntegerField(default=0, editable=False)
    files_size = models.BigIntegerField(default=0, editable=False)
    file_extensions = models.JSONField(default=list, editable=False)
    # Each folder's files and bytes (`core.folders.FolderIndex.totals()`: `{path: [files, bytes]}`,
    # the top under ""; `{}` before folders were kept), written at publication with the summary
    # above: the page of a record with thousands of files draws its folder tree from them rather
    # than from ten thousand rows. One entry a folder (a few kilobytes for 10,000 files in 50).
    folder_totals = models.JSONField(default=dict, editable=False)
    # Any change harvesters must see (a lifted embargo, a withdrawal, a new version's link).
    modified = models.DateTimeField(default=timezone.now, db_index=True)

    # Search and facets, denormalised from `metadata` by `repository.indexing.record_index` (never
    # written anywhere else; `manage.py estran_reindex` rebuilds them). Only the latest published
    # version of a concept is searchable (`search_latest`); a withdrawn record's columns are empty.
    # Their PostgreSQL indexes (GIN) and storage (large values out of line) are set by migration 0004.
    search_latest = models.BooleanField(default=False, editable=False)
    search_vector = SearchVectorField(null=True, editable=False)
    search_abstract = models.TextField(blank=True, editable=False)
    # (On SQLite the text is searched in an FTS5 table beside this one: `repository.fts`.)
    search_resource_type = models.CharField(max_length=40, blank=True, editable=False)
    search_licence = models.CharField(max_length=60, blank=True, editable=False)
    search_year = models.PositiveSmallIntegerField(null=True, editable=False)
    # A keyword's key is its concept URI, or its label when it has none; labels are parallel.
    search_keywords = TextListField(editable=False)
    search_keyword_labels = TextListField(editable=False)
    search_creators = TextListField(editable=False)
    # The extent (boxes, points, polygons) as one box, or two when it crosses the antimeridian
    # (west..180 and -180..east2): neither box ever has west > east.
    search_south = models.FloatField(null=True, editable=False)
    search_north = models.FloatField(null=True, editable=False)
    search_west = models.FloatField(null=True, editable=False)
    search_east = models.FloatField(null=True, editable=False)
    search_west2 = models.FloatField(null=True, editable=False)
    search_east2 = models.FloatField(null=True, editable=False)
    # When the data were collected; an ongoing collection has no end.
    search_start = models.DateField(null=True, editable=False)
    search_end = models.DateField(null=True, editable=False)

    class Meta:
        ordering = ["-created"]
        constraints = [
            models.UniqueConstraint(fields=["concept", "version"], name="record_concept_version_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.doi})"

    def get_absolute_url(self) -> str:
        return reverse("repository:landing", kwargs={"pk": self.pk})

    @property
    def landing_url(self) -> str:
        return f"{settings.SITE_URL}{self.get_absolute_url()}"

    @property
    def is_withdrawn(self) -> bool:
        return self.status == self.Status.withdrawn

    def embargoed_on(self, day) -> bool:
        return self.embargo_until is not None and self.embargo_until > day

    @property
    def files_summarised(self) -> bool:
        """Whether the record has too many files to list one by one in its exports (DataCite,
        ISO 19115-3, schema.org, OAI-PMH) and at once on its page."""
        return self.file_count > settings.PUBLISH_FILES_LISTED_MAX


# The distinct extensions a record keeps (`Record.file_extensions`): formats are summarised, never
# a list as long as the files'.
FILE_EXTENSIONS_MAX = 50


class RecordRevision(models.Model):
    """Each metadata snapshot a record has had, the first one at publication."""

    class Reason(models.TextChoices):
        published = "published", _("published")
        embargo_lifted = "embargo_lifted", _("embargo lifted")

    record = models.ForeignKey(Record, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    metadata = models.JSONField()
    reason = models.CharField(max_length=20, choices=Reason.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["record", "number"]
        constraints = [models.UniqueConstraint(fields=["record", "number"], name="record_revision_unique")]

    def __str__(self) -> str:
        return f"record {self.record_id}, revision {self.number}"


class RecordFile(models.Model):
    record = models.ForeignKey(Record, on_delete=models.PROTECT, related_name="files")
    name = models.CharField(max_length=1024)  # a relative path: core.file_names
    size = models.BigIntegerField()
    md5 = models.CharField(max_length=32)
    sha256 = models.CharField(max_length=64)
    storage_key = models.CharField(max_length=255)
    download_count = models.PositiveIntegerField(default=0)
    # The fixity audit re-reads files oldest-checked first and records what it found.
    last_fixity_check_at = models.DateTimeField(null=True, blank=True)
    fixity_error = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["record", "name"], name="record_file_name_unique")]
        indexes = [models.Index(fields=["last_fixity_check_at"], name="recordfile_fixity_idx")]

    def __str__(self) -> str:
        return self.name


class FixityCheck(models.Model):
    """One reading of a published file by the fixity audit (`repository.fixity`): when, and what it
    found ("" when the bytes matched). The history preservation packages carry; bounded to the last
    `FIXITY_HISTORY_PER_FILE` checks of each file, pruned by the audit that writes them."""

    record_file = models.ForeignKey(RecordFile, on_delete=models.CASCADE, related_name="fixity_checks")
    checked_at = models.DateTimeField()
    ok = models.BooleanField()
    problem = models.TextField(blank=True)

    class Meta:
        ordering = ["record_file", "checked_at", "pk"]
        indexes = [models.Index(fields=["record_file", "checked_at"], name="fixitycheck_file_time_idx")]

    def __str__(self) -> str:
        return f"file {self.record_file_id} at {self.checked_at:%Y-%m-%d %H:%M}: {'ok' if self.ok else self.problem}"


# The checks of one file kept in its history: a year of monthly rounds and then some.
FIXITY_HISTORY_PER_FILE = 24


class RecordUsage(models.Model):
    """A record's views and downloads on one day (UTC), counted the COUNTER way by
    `repository.usage` (robots and machines left out, double clicks within 30 seconds counted
    once): one row per record and day with activity, each counted event one upsert."""

    record = models.ForeignKey(Record, on_delete=models.CASCADE, related_name="usage")
    day = models.DateField()
    views = models.PositiveIntegerField(default=0)
    downloads = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("record usage (day)")
        constraints = [models.UniqueConstraint(fields=["record", "day"], name="record_usage_day_unique")]

    def __str__(self) -> str:
        return f"{self.record_id} {self.day}: {self.views} views, {self.downloads} downloads"
