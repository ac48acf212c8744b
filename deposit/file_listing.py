"""The Files step's table at any size (issue 17): the folder tree of the whole deposit, and the files
of the folder chosen (`?folder=`, its subfolders' included), those whose name holds `?files_q=`
(case-insensitive), 100 a page (`?files_page=`). Built from the list of files the step has already
loaded for its problems and checks, so that a deposit of 10 or 10,000 files costs the same queries
and a page of 100 rows is all the template renders.

A row keeps its place among all the deposit's files, by name (`index`): the wizard's problem links
point at `f-files-<index>` (deposit.wizard.files.Files.anchor). "All files" is in the same order, so
that row is on page `index // PAGE_SIZE + 1` of it (`page_of`)."""

from __future__ import annotations

from collections import Counter
from urllib.parse import urlencode

from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils.translation import ngettext

from core.folders import FolderIndex

from . import wizard
from .models import DepositFile

PAGE_SIZE = 100
# What the table's links and forms carry from one view of it to the next.
PARAMS = ("folder", "files_q", "files_page")
State = DepositFile.State
IN_PROGRESS = frozenset({State.uploading, State.verifying})


def page_of(index: int) -> int:
    """The page of "All files" that shows the file at `index` among the deposit's files by name."""
    return index // PAGE_SIZE + 1


def kept_query(params) -> str:
    """`?folder=…&files_q=…&files_page=…` of the view shown (empty values left out), for the links
    that come back to it: the refresh, a deletion."""
    kept = {name: params.get(name, "") for name in PARAMS if params.get(name, "")}
    return "?" + urlencode(kept) if kept else ""


class FileListing:
    page_size = PAGE_SIZE

    def __init__(self, files: list[DepositFile], params, same_content: dict[int, list[str]]):
        self.index = FolderIndex((f.name, f.size) for f in files)
        folder = params.get("folder", "").strip("/")
        self.folder = folder if folder in self.index else ""
        self.search = params.get("files_q", "").strip()[:200]
        prefix = self.folder + "/" if self.folder else ""
        needle = self.search.casefold()
        chosen = [
            (i, f)
            for i, f in enumerate(files)
            if f.name.startswith(prefix) and (not needle or needle in f.name[len(prefix) :].casefold())
        ]
        self.count = len(chosen)
        self.pages = max(1, -(-self.count // PAGE_SIZE))
        try:
            page = int(params.get("files_page", "1"))
        except ValueError:
            page = 1
        self.page = min(max(page, 1), self.pages)
        self.first = (self.page - 1) * PAGE_SIZE
        self.rows = [
            {
                "file": f,
                "index": i,
                "shown": f.name[len(prefix) :],
                "format": wizard.file_format(f.name),
                "same_content_as": same_content.get(f.pk, []),
            }
            for i, f in chosen[self.first : self.first + PAGE_SIZE]
        ]
        # Only the rows shown are polled: a file verifying on another page changes nothing here.
        self.in_progress = any(row["file"].state in IN_PROGRESS for row in self.rows)
        self.states = Counter(f.state for f in files)
        self.query = kept_query(
            {"folder": self.folder, "files_q": self.search, "files_page": str(self.page) if self.page > 1 else ""}
        )

    @property
    def current(self):
        """The folder shown (the top when none is)."""
        return self.index.get(self.folder)

    @property
    def last(self) -> int:
        return self.first + len(self.rows)

    @property
    def total(self):
        """The whole deposit's files and bytes (the tree's top)."""
        return self.index.top

    def state_counts(self) -> list[str]:
        """How many files are in each state, in the order they move through, those in none left out."""
        words = {
            State.ready: lambda n: ngettext("%(n)s ready", "%(n)s ready", n),
            State.uploading: lambda n: ngettext("%(n)s uploading", "%(n)s uploading", n),
            State.verifying: lambda n: ngettext("%(n)s being verified", "%(n)s being verified", n),
            State.failed: lambda n: ngettext("%(n)s failed", "%(n)s failed", n),
        }
        return [
            words[state](self.states[state]) % {"n": intcomma(self.states[state])}
            for state in (State.uploading, State.verifying, State.ready, State.failed)
            if self.states[state]
        ]
