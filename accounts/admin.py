from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from guardian.admin import GuardedModelAdmin

from .models import ApiToken, Community, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        ("Researcher", {"fields": ("display_name", "orcid", "orcid_authenticated", "affiliation", "affiliation_ror")}),
    )
    list_display = ("username", "email", "display_name", "orcid", "is_staff")


@admin.register(Community)
class CommunityAdmin(GuardedModelAdmin):
    list_display = ("name", "acronym", "slug", "contact_email")
    list_editable = ("contact_email",)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "prefix", "created", "expires_at", "revoked_at", "last_used_at")
    readonly_fields = ("prefix", "key_hash", "last_used_at")


from .saml import admin as saml_admin  # noqa: E402,F401 - the federation's IdPs and imports
