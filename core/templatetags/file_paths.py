"""Files' paths as pages show them: a line may break after each `/` rather than inside a name."""

from __future__ import annotations

from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe

from core.file_names import base_name

register = template.Library()


@register.filter
def path_breaks(name) -> str:
    """`profiles/2024/g123.nc` with a break opportunity (`<wbr>`) after each slash, so that a narrow
    column wraps between folders before it cuts a name (which `overflow-wrap: anywhere` still
    does when one name alone is wider than the column)."""
    return mark_safe("/<wbr>".join(escape(segment) for segment in str(name).split("/")))  # each name escaped


@register.filter
def file_leaf(name) -> str:
    """The file's own name, shown under its folder."""
    return base_name(str(name))


def _file_of(item):
    """The file of a row: the wizard's rows are dicts holding it, other lists are the files."""
    return item["file"] if isinstance(item, dict) else item


@register.filter
def folder_blocks(items) -> list[dict]:
    """Rows of files in folders as a flat run of blocks a template renders in one loop (templates
    cannot recurse): `{"kind": "open", "name", "path", "count", "size"}` opens a folder (its files'
    count and size include its subfolders'), `{"kind": "files", "path", "files"}` is a table of the
    files directly in it, `{"kind": "close"}` closes it. A folder's own files come before its
    subfolders, each level in name order. Files in no folder make one `files` block, as before."""
    root: dict = {"files": [], "folders": {}, "path": "", "count": 0, "size": 0}
    for item in items:
        file = _file_of(item)
        node = root
        node["count"] += 1
        node["size"] += file.size or 0
        *folders, _leaf = file.name.split("/")
        for depth, folder in enumerate(folders):
            node = node["folders"].setdefault(
                folder, {"files": [], "folders": {}, "path": "/".join(folders[: depth + 1]), "count": 0, "size": 0}
            )
            node["count"] += 1
            node["size"] += file.size or 0
        node["files"].append(item)
    blocks: list[dict] = []

    def emit(node: dict) -> None:
        if node["files"]:
            blocks.append({"kind": "files", "path": node["path"], "files": node["files"]})
        for name in sorted(node["folders"]):
            child = node["folders"][name]
            blocks.append(
                {"kind": "open", "name": name, "path": child["path"], "count": child["count"], "size": child["size"]}
            )
            emit(child)
            blocks.append({"kind": "close"})

    emit(root)
    return blocks


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
