"""The folder index (core/folders.py) and the folder tree a page draws from it."""

from __future__ import annotations

from django.template import Context, Template
from django.test import RequestFactory
from lxml import html

from core.folders import FolderIndex

ROWS = [
    ("README.md", 100),
    ("profiles/2024/g1.nc", 1_000),
    ("profiles/2024/g2.nc", 2_000),
    ("profiles/2025/g3.nc", 4_000),
    ("profiles/notes.txt", 10),
    ("images/a.png", None),  # still being uploaded: no size yet
]


def test_each_folder_counts_its_files_and_bytes_its_subfolders_included():
    index = FolderIndex(ROWS)
    assert (index.top.files, index.top.size) == (6, 7_110)
    assert [(f.path, f.files, f.size, f.depth) for f in index.children()] == [
        ("images", 1, 0, 1),
        ("profiles", 4, 7_010, 1),
    ]
    assert [(f.name, f.files, f.size) for f in index.children("profiles")] == [("2024", 2, 3_000), ("2025", 1, 4_000)]
    assert index.children("profiles/2024") == []
    assert len(index) == 4 and "profiles/2025" in index and "profiles/2026" not in index


def test_the_way_down_and_the_tree_open_on_the_current_folder():
    index = FolderIndex(ROWS)
    assert [f.path for f in index.breadcrumbs("profiles/2024")] == ["", "profiles", "profiles/2024"]
    assert [f.path for f in index.breadcrumbs("nowhere")] == [""]
    blocks = index.tree("profiles/2024")
    opened = [(b["folder"].path, b["leaf"], b["expanded"], b["current"]) for b in blocks if b["kind"] == "open"]
    assert opened == [
        ("images", True, False, False),
        ("profiles", False, True, False),
        ("profiles/2024", True, True, True),
        ("profiles/2025", True, False, False),
    ]
    blocks = index.tree()
    assert sum(b["kind"] == "open" for b in blocks) == sum(b["kind"] == "close" for b in blocks) == 4


def test_the_tree_is_nested_lists_of_links_keeping_the_other_parameters():
    request = RequestFactory().get("/records/1", {"folder": "profiles/2024", "files_page": "3", "lang": "fr"})
    rendered = Template("{% load file_paths %}{% folder_tree index folder 'files' %}").render(
        Context({"request": request, "index": FolderIndex(ROWS), "folder": "profiles/2024"})
    )
    tree = html.fromstring(rendered)
    links = {a.find_class("folder-name")[0].text.rstrip("/"): a for a in tree.iter("a")}
    assert links["2024"].get("aria-current") == "true"
    assert links["2024"].get("href") == "?folder=profiles%2F2024&lang=fr#files"
    assert links["All files"].get("href") == "?lang=fr#files"
    assert "4 files, 6.8\xa0KB" in links["profiles"].text_content()
    # profiles holds subfolders: they fold (a summary of their own, no link inside it), open on the
    # way to the current folder; a leaf does not fold
    assert [d.get("open") for d in tree.iter("details")] == [""]
    assert not tree.xpath("//summary//a")
    assert [s.text_content() for s in tree.iter("summary")] == ["Subfolders of profiles/"]
    assert links["profiles"].getnext().tag == "details"
    assert links["2025"].getparent().tag == "li" and links["2025"].getparent().getparent().getparent().tag == "details"
