"""Notifications in the admin: for operators checking who was told what, and whether it was mailed."""
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import Notification, Preference


class EmailStateFilter(admin.SimpleListFilter):
    """The e-mail outbox as operators need to see it: a claimed mail with no record of sending is
    one whose outcome is unknown (the worker died mid-send), and is never sent again by itself."""

    title = _("e-mail")
    parameter_name = "email_state"

    def lookups(self, request, model_admin):
        return [("sent", _("sent")), ("unsent", _("not sent yet")), ("unconfirmed", _("claimed, not confirmed"))]

    def queryset(self, request, queryset):
        if self.value() == "sent":
            return queryset.filter(emailed_at__isnull=False)
        if self.value() == "unsent":
            return queryset.filter(emailed_at__isnull=True, email_claimed_at__isnull=True)
        if self.value() == "unconfirmed":
            return queryset.filter(emailed_at__isnull=True, email_claimed_at__isnull=False)
        return queryset


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("created", "recipient", "kind", "deposit", "actor", "read_at", "email_claimed_at", "emailed_at")
    list_filter = ("kind", "audience", EmailStateFilter)
    search_fields = ("recipient__username", "recipient__email", "deposit__title")
    list_select_related = ("recipient", "deposit", "actor")
    raw_id_fields = ("recipient", "deposit", "actor", "comment", "event")
    date_hierarchy = "created"


@admin.register(Preference)
class PreferenceAdmin(admin.ModelAdmin):
    list_display = ("user", "email", "digest_sent_at")
    list_filter = ("email",)
    search_fields = ("user__username", "user__email")
    raw_id_fields = ("user",)
