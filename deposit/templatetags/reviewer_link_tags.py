"""`{% reviewer_links deposit as reviewer %}`: the deposit's private reviewer links and the form to
give one, for its depositors (deposit.policy.may_manage_reviewer_links); None for anyone else, to
whom the deposit's page shows nothing of them."""

from __future__ import annotations

from django import template

from deposit import policy
from deposit.forms import ReviewerLinkForm
from deposit.services.reviewer_links import may_create_links

register = template.Library()


@register.simple_tag(takes_context=True)
def reviewer_links(context, deposit) -> dict | None:
    request = context.get("request")
    user = request.user if request is not None else context.get("user")
    if deposit is None or user is None or not policy.may_manage_reviewer_links(deposit, user):
        return None
    return {
        "links": list(deposit.reviewer_links.select_related("created_by", "revoked_by")),
        "may_create": may_create_links(deposit),
        "form": ReviewerLinkForm(auto_id="reviewer-link-%s"),
    }
