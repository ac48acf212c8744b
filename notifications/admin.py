"""Notifications in the admin: for operators checking who was told what, and whether it was mailed."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _, ngettext

from .models import Notification, Preference
from .services import emails_retry_failed


class EmailStateFilter(admin.SimpleListFilter):
    """The e-mail outbox as operators need to see it: a claimed mail with no record of sending is
    one whose outcome is unknown (the worker died mid-send), and is never sent again by itself; a
    failed one was refused NOTIFICATIONS_EMAIL_MAX_ATTEMPTS times and is no longer tried."""

    title = _("e-mail")
    parameter_name = "email_state"

    def lookups(self, request, model_admin):
        return [
            ("sent", _("sent")),
            ("unsent", _("not sent yet")),
            ("unconfirmed", _("claimed, not confirmed")),
            ("failed", _("failed, no longer tried")),
        ]

    def queryset(self, request, queryset):
        if self.value() == "sent":
            return queryset.filter(emailed_at__isnull=False)
        if self.value() == "unsent":
            return queryset.filter(emailed_at__isnull=True, email_claimed_at__isnull=True, email_failed_at__isnull=True)
        if self.value() == "failed":
            return queryset.filter(emailed_at__isnull=True, email_failed_at__isnull=False)
        if self.value() == "unconfirmed":
            return queryset.filter(emailed_at__isnull=True, email_claimed_at__isnull=False)
        return queryset


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = (
        "created",
        "recipient",
        "email",
        "kind",
        "deposit",
        "actor",
        "read_at",
        "email_claimed_at",
        "emailed_at",
        "email_attempts",
        "email_failed_at",
    )
    list_filter = ("kind", "audience", EmailStateFilter)
    search_fields = ("recipient__username", "recipient__email", "email", "deposit__title")
    list_select_related = ("recipient", "deposit", "actor")
    raw_id_fields = ("recipient", "deposit", "actor", "comment", "event", "collaboration")
    date_hierarchy = "created"
    actions = ["retry_failed_emails"]

    @admin.action(description=_("Send the failed e-mails again"))
    def retry_failed_emails(self, request, queryset):
        count = emails_retry_failed(notification_ids=list(queryset.values_list("pk", flat=True)))
        self.message_user(
            request,
            ngettext("%(count)d failed e-mail queued again.", "%(count)d failed e-mails queued again.", count)
            % {"count": count},
        )


@admin.register(Preference)
class PreferenceAdmin(admin.ModelAdmin):
    list_display = ("user", "email", "digest_sent_at")
    list_filter = ("email",)
    search_fields = ("user__username", "user__email")
    raw_id_fields = ("user",)
