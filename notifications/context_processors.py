"""The bell in the header: its unread count, counted only if a page shows it."""

from __future__ import annotations

from django.utils.functional import cached_property

from .selectors import unread_count


class Bell:
    """`{{ notification_bell.unread }}` runs one query the first time a template reads it; pages
    that never render the header (JSON, downloads) or anonymous visitors pay nothing."""

    def __init__(self, user):
        self._user = user

    @cached_property
    def unread(self) -> int:
        return unread_count(self._user)


def bell(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"notification_bell": Bell(user)}
