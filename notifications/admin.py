"""Notifications in the admin: for operators checking who was told what, and whether it was mailed."""
from django.contrib import admin

from .models import Notification, Preference


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("created", "recipient", "kind", "deposit", "actor", "read_at", "emailed_at")
    list_filter = ("kind", "audience")
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
