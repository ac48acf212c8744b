"""Reads on notifications: a user's own, newest first (or unread first for the API), and the
bell's unread count."""

from __future__ import annotations

from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet

from .models import EmailMode, Notification, Preference


def notifications_for(user) -> QuerySet[Notification]:
    """With what the headline and the link need, so a page of them costs one query."""
    return Notification.objects.filter(recipient=user).select_related("deposit", "actor", "event")


def notifications_unread_first(user) -> QuerySet[Notification]:
    unread = ExpressionWrapper(Q(read_at__isnull=True), output_field=BooleanField())
    return notifications_for(user).order_by(unread.desc(), "-created", "-pk")


def unread_count(user) -> int:
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def email_mode_of(user) -> str:
    mode = Preference.objects.filter(user=user).values_list("email", flat=True).first()
    return mode or EmailMode.immediate
