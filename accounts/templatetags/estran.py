"""Template helpers shared by every page: roles in the navigation, a DOI's state in words (the
workflow's labels are deposit's `workflow_tags`)."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext as _

from accounts.selectors import communities_moderated_by

register = template.Library()


@register.simple_tag(takes_context=True)
def is_moderator(context) -> bool:
    """Whether the signed-in user moderates at least one community (cached on the request, so a
    page asking twice runs one query)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return False
    cached = getattr(request, "_estran_is_moderator", None)
    if cached is None:
        cached = communities_moderated_by(user).exists()
        request._estran_is_moderator = cached
    return cached


@register.filter
def doi_state_label(value: str) -> str:
    """DataCite's state of a DOI, in words."""
    labels = {
        "none": _("not yet known to the registration agency"),
        "draft": _("reserved (draft)"),
        "registered": _("registered (hidden)"),
        "findable": _("findable"),
        "deleted": _("deleted (it was a draft)"),
    }
    return labels.get(value, value)
