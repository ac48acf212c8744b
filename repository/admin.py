from django.contrib import admin

from .models import PersistentIdentifier, Record, RecordFile


class RecordFileInline(admin.TabularInline):
    model = RecordFile
    extra = 0
    readonly_fields = ("name", "size", "md5", "sha256", "storage_key", "download_count")
    can_delete = False


@admin.register(Record)
class RecordAdmin(admin.ModelAdmin):
    list_display = ("title", "doi", "community", "version", "publication_date")
    inlines = [RecordFileInline]
    readonly_fields = ("metadata", "doi", "publication_date", "version")


@admin.register(PersistentIdentifier)
class PersistentIdentifierAdmin(admin.ModelAdmin):
    """Operators see pending and rejected registrations with DataCite's message here."""

    list_display = ("doi", "provider", "state", "target_state", "sync", "attempts", "next_attempt_at", "last_error")
    list_filter = ("sync", "state", "provider")
    search_fields = ("doi",)
