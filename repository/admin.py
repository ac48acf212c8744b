"""Administration of records and of the DOI outbox: operators see the registrations that are pending,
failing or rejected, with what DataCite said, and re-drive them."""

from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.utils import timezone
from django.utils.html import format_html
from django.utils.timesince import timesince
from django.utils.translation import gettext_lazy as _, ngettext

from .models import PersistentIdentifier, Record, RecordFile, RecordRevision
from .services import pids_reconcile, pids_redrive


class RecordFileInline(admin.TabularInline):
    model = RecordFile
    extra = 0
    readonly_fields = ("name", "size", "md5", "sha256", "storage_key", "download_count")
    can_delete = False


class RecordRevisionInline(admin.TabularInline):
    model = RecordRevision
    extra = 0
    readonly_fields = ("number", "reason", "actor", "created", "metadata")
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Record)
class RecordAdmin(admin.ModelAdmin):
    list_display = ("title", "doi", "community", "version", "status", "publication_date", "embargo_until", "modified")
    list_filter = ("status", "community")
    search_fields = ("doi", "title")
    inlines = [RecordRevisionInline, RecordFileInline]
    readonly_fields = (
        "metadata",
        "doi",
        "publication_date",
        "version",
        "concept",
        "status",
        "embargo_until",
        "withdrawn_at",
        "withdrawal_reason",
        "withdrawal_note",
        "withdrawn_by",
        "modified",
    )

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # a published record is withdrawn (from its landing page), never deleted


class OutboxFilter(admin.SimpleListFilter):
    """The registrations that need an operator's eye. The changelist opens on `unfinished`."""

    title = _("registration")
    parameter_name = "outbox"

    def lookups(self, request, model_admin):
        return [
            ("unfinished", _("Unfinished (pending or rejected)")),
            ("failing", _("Failing (pending, retried at least once)")),
            ("pending", _("Pending")),
            ("rejected", _("Rejected by DataCite")),
            ("drift", _("Drift found by reconciliation")),
            ("done", _("Done")),
            ("all", _("All")),
        ]

    def choices(self, changelist):
        # No "All" of Django's own: ours is explicit, since the default is `unfinished`.
        for lookup, title in self.lookup_choices:
            yield {
                "selected": self.value() == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request, queryset):
        Sync = PersistentIdentifier.Sync
        value = self.value()
        if value == "unfinished":
            return queryset.exclude(sync=Sync.done)
        if value == "failing":
            return queryset.filter(sync=Sync.pending, attempts__gt=0)
        if value in (Sync.pending, Sync.rejected, Sync.done):
            return queryset.filter(sync=value)
        if value == "drift":
            return queryset.exclude(drift="")
        return queryset


@admin.register(PersistentIdentifier)
class PersistentIdentifierAdmin(admin.ModelAdmin):
    """The DOI outbox: pending and rejected registrations with DataCite's message, a re-drive
    action, and a check against DataCite. Rows are never added or deleted here."""

    list_display = (
        "doi",
        "kind",
        "record_link",
        "state",
        "target_state",
        "sync_badge",
        "attempts",
        "pending_for",
        "next_attempt_at",
        "datacite_said",
        "drift",
    )
    list_filter = (OutboxFilter, "state", "target_state", "kind", "provider")
    search_fields = ("doi",)
    ordering = ("sync", "pending_since", "pk")
    list_select_related = ("record",)
    actions = ["redrive", "check_against_datacite"]
    readonly_fields = [f.name for f in PersistentIdentifier._meta.fields]

    def changelist_view(self, request, extra_context=None):
        if not request.GET and request.method == "GET":
            return HttpResponseRedirect(f"{request.path}?outbox=unfinished")
        return super().changelist_view(request, extra_context)

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # a minted DOI is never minted again: its row stays

    @admin.display(description=_("record"), ordering="record")
    def record_link(self, obj):
        if obj.record_id is None:
            return "—"
        return format_html('<a href="{}">#{}</a>', obj.record.get_absolute_url(), obj.record_id)

    @admin.display(description=_("sync"), ordering="sync")
    def sync_badge(self, obj):
        Sync = PersistentIdentifier.Sync
        if obj.sync == Sync.rejected:
            return format_html('<strong style="color:#a31515">{}</strong>', obj.get_sync_display())
        if obj.sync == Sync.pending and obj.attempts:
            return format_html('<strong style="color:#8a5a00">{}</strong>', _("failing"))
        return obj.get_sync_display()

    @admin.display(description=_("pending for"), ordering="pending_since")
    def pending_for(self, obj):
        if obj.sync == PersistentIdentifier.Sync.done or obj.pending_since is None:
            return "—"
        return timesince(obj.pending_since, timezone.now())

    @admin.display(description=_("DataCite said"))
    def datacite_said(self, obj):
        if not obj.last_error:
            return "—"
        text = obj.last_error if len(obj.last_error) <= 300 else obj.last_error[:300] + "…"
        return format_html('<span title="{}">{}</span>', obj.last_error, text)

    @admin.action(description=_("Re-drive: send the selected registrations again now"))
    def redrive(self, request, queryset):
        # Rejected and pending ones (due or not); finished ones are left alone.
        count = pids_redrive(pids=list(queryset.values_list("pk", flat=True)))
        self.message_user(
            request,
            ngettext("%(count)d registration queued.", "%(count)d registrations queued.", count) % {"count": count},
            messages.SUCCESS,
        )

    @admin.action(description=_("Check the selected DOIs against DataCite (reconciliation, without repair)"))
    def check_against_datacite(self, request, queryset):
        result = pids_reconcile(dois=list(queryset.values_list("doi", flat=True)))
        drifts = result["drifts"]
        level = messages.WARNING if drifts or result["unreachable"] else messages.SUCCESS
        self.message_user(
            request,
            _("%(checked)d checked, %(drift)d differ from DataCite, %(unreachable)d unreachable.")
            % {"checked": result["checked"], "drift": len(drifts), "unreachable": result["unreachable"]},
            level,
        )
        for drift in drifts[:20]:
            self.message_user(request, f"{drift.doi}: {'; '.join(drift.problems)}", messages.WARNING)
