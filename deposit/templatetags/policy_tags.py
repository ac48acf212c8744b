"""`{% may "edit" deposit as can_edit %}`: templates ask deposit.policy, as views do, and never
compare owners or groups themselves."""

from __future__ import annotations

from django import template

from deposit import policy

register = template.Library()


@register.simple_tag(takes_context=True)
def may(context, name: str, obj) -> bool:
    """Whether the page's user may `name` (a key of policy.BY_NAME) on `obj` (a deposit, a
    co-depositor's collaboration or a record). An unknown name is a programming error."""
    request = context.get("request")
    user = request.user if request is not None else context.get("user")
    return bool(obj is not None and user is not None and policy.BY_NAME[name](obj, user))
