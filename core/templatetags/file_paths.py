"""Files' paths as pages show them: a line may break after each `/` rather than inside a name."""

from __future__ import annotations

from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe

register = template.Library()


@register.filter
def path_breaks(name) -> str:
    """`profiles/2024/g123.nc` with a break opportunity (`<wbr>`) after each slash, so that a narrow
    column wraps between folders before it cuts a name (which `overflow-wrap: anywhere` still
    does when one name alone is wider than the column)."""
    return mark_safe("/<wbr>".join(escape(segment) for segment in str(name).split("/")))  # each name escaped
