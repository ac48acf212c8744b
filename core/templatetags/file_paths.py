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


@register.inclusion_tag("core/_folder_tree.html", takes_context=True)
def folder_tree(context, index, folder: str = "", anchor: str = "files") -> dict:
    """`{% folder_tree index folder anchor %}`: the folders of a deposit or record (a
    core.folders.FolderIndex) as a collapsible tree, each with its files' count and size (its
    subfolders' included) and a link to its list of files (`?folder=`, the page number and the
    search in files dropped, other parameters kept, then `#anchor`); the folders on the way down to
    `folder`, the one shown, are open and it is marked current."""
    return {
        "query": context["request"].GET,
        "index": index,
        "folder": folder,
        "anchor": anchor,
        "blocks": index.tree(folder),
    }
