"""One page of the files of a folder, searched: what a page lists beside its folder tree
(core.folders.FolderIndex) from the query string, `?folder=profiles/2024` (the folder shown, its
subfolders' files included), `?files_q=g12` (name contains, case-insensitive, within the folder)
and `?files_page=3`. Built from the files the page has already loaded in name order (lightweight
rows, one query), so that choosing a folder, searching or turning a page costs no query of its own.

    index = FolderIndex((f.name, f.size) for f in files)
    listing = folder_page(files, index, request.GET)
    listing.rows        # this page's files, each with its name relative to the folder
    listing.pages       # how many pages the folder's (searched) files fill
    place_of(deposit.files.all(), "profiles/2024/g123.nc")  # {"folder": "profiles/2024", "files_page": 2}
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from core.folders import FolderIndex

FILES_PER_PAGE = 100
# A search longer than any file name finds nothing: cut it rather than compare megabytes.
QUERY_MAX_CHARS = 200


@dataclass(frozen=True)
class Listed:
    file: object
    name: str  # relative to the folder shown: `g123.nc` under `profiles/2024`


@dataclass(frozen=True)
class FolderPage:
    folder: str  # the folder shown, "" for all files (an unknown folder shows all files)
    query: str  # the search, as typed (trimmed)
    number: int  # the page shown, from 1
    pages: int  # at least 1
    count: int  # the folder's files matching the search, on every page
    rows: list[Listed]
    size: int = FILES_PER_PAGE  # files a page

    @property
    def first(self) -> int:
        """The position of this page's first file among `count`, from 1 (0 when there is none)."""
        return (self.number - 1) * self.size + 1 if self.rows else 0

    @property
    def last(self) -> int:
        return (self.number - 1) * self.size + len(self.rows)

    @property
    def previous(self) -> int | None:
        return self.number - 1 if self.number > 1 else None

    @property
    def next(self) -> int | None:
        return self.number + 1 if self.number < self.pages else None


def folder_of(name: str) -> str:
    """The folder a file is directly in: `profiles/2024` for `profiles/2024/g123.nc`, "" at the top."""
    return name.rsplit("/", 1)[0] if "/" in name else ""


def page_number(position: int, size: int = FILES_PER_PAGE) -> int:
    """The page (from 1) that shows the file at `position` (from 0) of a list."""
    return position // size + 1


def place_of(files, name: str) -> dict[str, str | int]:
    """The query string (`folder`, `files_page`) of the page that lists the file `name` among `files`,
    the queryset of the files that page lists: its folder, and the page its name falls on, from how
    many of the folder's names sort before it (as the database sorts the list). One query."""
    folder = folder_of(name)
    before = files.filter(name__startswith=f"{folder}/" if folder else "", name__lt=name).count()
    params: dict[str, str | int] = {"folder": folder} if folder else {}
    if page_number(before) > 1:
        params["files_page"] = page_number(before)
    return params


def folder_page(
    files: Sequence, index: FolderIndex, params: Mapping[str, str], *, size: int = FILES_PER_PAGE
) -> FolderPage:
    """The page `params` ask for (a request's GET) of `files` (objects with a `name`, in name order):
    an unknown folder is the top, a page beyond the last is the last, anything else than a number is
    the first."""
    folder = str(params.get("folder", "")).strip("/")
    if folder not in index:
        folder = ""
    query = str(params.get("files_q", "")).strip()[:QUERY_MAX_CHARS]
    prefix = f"{folder}/" if folder else ""
    needle = query.casefold()
    if prefix or needle:
        chosen = [
            f for f in files if f.name.startswith(prefix) and (not needle or needle in f.name[len(prefix) :].casefold())
        ]
    else:
        chosen = files
    pages = max(1, -(-len(chosen) // size))
    asked = str(params.get("files_page", ""))
    number = min(max(int(asked), 1), pages) if asked.isdigit() else 1
    start = (number - 1) * size
    rows = [Listed(f, f.name[len(prefix) :]) for f in chosen[start : start + size]]
    return FolderPage(folder, query, number, pages, len(chosen), rows, size)
