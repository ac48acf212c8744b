"""Template helpers shared by every page: roles in the navigation, labels of workflow values."""
from __future__ import annotations

from django import template

from accounts.selectors import communities_moderated_by
from deposit.workflow import Action, Status

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
def action_label(value: str) -> str:
    try:
        return Action(value).label
    except ValueError:
        return value


@register.filter
def event_label(value: str) -> str:
    """What an action did, as the history tells it."""
    from django.utils.translation import gettext as _

    labels = {
        Action.submit: _("Submitted for review"),
        Action.claim: _("Claimed for review"),
        Action.release: _("Released back to the queue"),
        Action.assign: _("Assigned"),
        Action.approve: _("Approved"),
        Action.reject: _("Rejected"),
        Action.request_changes: _("Changes requested"),
        Action.resubmit: _("Resubmitted"),
        Action.edit: _("Returned to draft"),
        Action.publish: _("Published"),
    }
    return labels.get(value, action_label(value))


@register.filter
def status_label(value: str) -> str:
    try:
        return Status(value).label
    except ValueError:
        return value


@register.filter
def doi_state_label(value: str) -> str:
    """DataCite's state of a DOI, in words."""
    from django.utils.translation import gettext as _

    labels = {
        "none": _("not yet known to the registration agency"),
        "draft": _("reserved (draft)"),
        "registered": _("registered (hidden)"),
        "findable": _("findable"),
        "deleted": _("deleted (it was a draft)"),
    }
    return labels.get(value, value)
