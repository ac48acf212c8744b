"""The moderation queue's count in the navigation: `{% moderation_queue_count as n %}`, asked before
accounts' `{% is_moderator %}`, which it answers in the same query."""

from __future__ import annotations

from django import template

from moderation.selectors import queue_nav_summary

register = template.Library()

_CACHE = "_moderation_queue_count"


def remember_nav_count(request, count: int) -> None:
    """The queue page counts the same deposits in its own aggregate: the navigation reuses it."""
    setattr(request, _CACHE, count)


@register.simple_tag(takes_context=True)
def moderation_queue_count(context) -> int:
    """Unclaimed deposits of the user's communities plus those in their own review (0 for anyone
    else): one query, run once per request however many times a page asks."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return 0
    count = getattr(request, _CACHE, None)
    if count is None:
        is_moderator, count = queue_nav_summary(user)
        remember_nav_count(request, count)
        # The same query answered accounts' `is_moderator` tag: the navigation asks it next.
        request._estran_is_moderator = is_moderator
    return count
