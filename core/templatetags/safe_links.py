"""`{{ url|safe_href }}`: an address from metadata or a profile as an `href`, or "" when it is not
a web address (see `core.links`). Write `{% if url|safe_href %}<a href="{{ url|safe_href }}">` so
that anything else is shown as text, not as a dead or dangerous link."""

from __future__ import annotations

from django import template

from core import links

register = template.Library()


@register.filter
def safe_href(value) -> str:
    return links.safe_href(value)
