"""Admin of the federation: its IdPs (read from the signed metadata: changes come from imports) and
every import, with its counts and the reason of a refusal."""

from django.contrib import admin

from accounts.models import FederationImport, IdentityProvider


@admin.register(IdentityProvider)
class IdentityProviderAdmin(admin.ModelAdmin):
    list_display = (
        "name_en",
        "entity_id",
        "federation",
        "active",
        "hide_from_discovery",
        "updated_at",
    )
    list_filter = ("active", "federation", "hide_from_discovery")
    search_fields = ("name_en", "name_fr", "entity_id", "slug")
    readonly_fields = (
        "entity_id",
        "slug",
        "federation",
        "scopes",
        "signing_certificates",
        "last_import",
        "updated_at",
    )


@admin.register(FederationImport)
class FederationImportAdmin(admin.ModelAdmin):
    list_display = (
        "started_at",
        "federation",
        "status",
        "created",
        "updated",
        "deactivated",
        "skipped",
        "valid_until",
    )
    list_filter = ("status", "federation")
    readonly_fields = [f.name for f in FederationImport._meta.fields]

    def has_add_permission(self, request):
        return False
