"""Labels of the deposit workflow's values (`{{ event.action|event_label }}`), for the pages of the
apps above `deposit` that show its history and queue."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext as _

from deposit.workflow import Action, Status

register = template.Library()


@register.filter
def action_label(value: str) -> str:
    try:
        return Action(value).label
    except ValueError:
        return value


@register.filter
def event_label(value: str) -> str:
    """What an action did, as the history tells it."""
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
