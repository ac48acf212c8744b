"""The review page's files, at any number: the folder tree and the checks of the files step, kept in
the cache while the deposit's files stay as they are, and the page of a folder's files the moderator
asked for, read from the database a hundred at a time.

A deposit of 10,000 files is read whole (one query of plain rows) the first time its review page is
drawn after any change to its files; every other view reads a fingerprint of the files (one
aggregate query), the summary from the cache, the page's hundred files and, when searching, their
count: what the page costs no longer grows with the files.

    summary = files_summary(deposit)           # .count, .folders (a FolderIndex), .checks {key: Result}
    listing = files_page(deposit, summary.folders, request.GET)
    checks.run_checks(deposit, [], files_results=summary.checks)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import Count, Q, Sum
from django.db.models.functions import Substr
from django.utils.translation import get_language

from core.folder_files import FILES_PER_PAGE, QUERY_MAX_CHARS, FolderPage, Listed
from core.folders import FolderIndex
from deposit.models import Deposit, DepositFile

from . import checks

# A summary is kept this long after it was last computed (a fingerprint that changed leaves the old
# one unread until it expires).
SUMMARY_SECONDS = 24 * 3600
ROW_FIELDS = ("id", "name", "size", "state", "sha256", "declared_sha256")


@dataclass(frozen=True, slots=True)
class FileRow:
    """A file as the review page, the report and the checks read it: not its stored preview (loaded
    when the moderator opens it), nor its storage key and upload bookkeeping. Plain rows rather than
    models: 10,000 of them load in a few tens of milliseconds, as many model instances take ten
    times longer."""

    pk: int
    name: str
    size: int
    state: str
    sha256: str
    declared_sha256: str

    def get_state_display(self) -> str:
        return str(DepositFile.State(self.state).label)


def review_files(deposit: Deposit) -> list[FileRow]:
    """Every file of the deposit, in name order: one query."""
    rows = DepositFile.objects.filter(deposit_id=deposit.pk).order_by("name").values_list(*ROW_FIELDS)
    return [FileRow(*row) for row in rows]


@dataclass(frozen=True)
class FilesSummary:
    count: int
    folders: FolderIndex
    checks: dict[str, checks.Result]  # the checks of the files step, by key, in the page's language


def fingerprint(deposit: Deposit) -> tuple[int, ...]:
    """What changes whenever a file of the deposit is added or removed, or becomes ready or fails:
    how many files there are and the sum of their ids (ids only grow, so files removed and as many
    added never sum the same), their bytes, and the sums of the ids of the files ready and of those
    failed. One aggregate query. (A file's name and checksums do not change without its state.)"""
    row = DepositFile.objects.filter(deposit_id=deposit.pk).aggregate(
        n=Count("id"),
        ids=Sum("id"),
        size=Sum("size"),
        ready=Sum("id", filter=Q(state=DepositFile.State.ready)),
        failed=Sum("id", filter=Q(state=DepositFile.State.failed)),
    )
    return tuple(row[key] or 0 for key in ("n", "ids", "size", "ready", "failed"))


def files_summary(deposit: Deposit) -> FilesSummary:
    """The deposit's files counted, their folders and their checks: from the cache while the files
    are as they were (`fingerprint`), else computed from every file's row and kept."""
    key = "review-files:{}:{}:{}".format(deposit.pk, ".".join(map(str, fingerprint(deposit))), get_language())
    kept = cache.get(key)
    if kept is not None:
        count, totals, results = kept
        return FilesSummary(count, FolderIndex.from_totals(totals), results)
    files = review_files(deposit)
    summary = FilesSummary(
        len(files), FolderIndex((f.name, f.size) for f in files), checks.run_file_checks(deposit, files)
    )
    cache.set(key, (summary.count, summary.folders.totals(), summary.checks), SUMMARY_SECONDS)
    return summary


def files_page(deposit: Deposit, folders: FolderIndex, params: Mapping[str, str]) -> FolderPage:
    """The page `params` ask for (`?folder=`, `?files_q=`, `?files_page=`, as core.folder_files reads
    them) of the deposit's files, read from the database: the page's rows in one query, and their
    count in another when searching (else the folder's count from `folders`)."""
    folder = str(params.get("folder", "")).strip("/")
    if folder not in folders:
        folder = ""
    query = str(params.get("files_q", "")).strip()[:QUERY_MAX_CHARS]
    prefix = f"{folder}/" if folder else ""
    files = DepositFile.objects.filter(deposit_id=deposit.pk)
    if prefix:
        files = files.filter(name__startswith=prefix)
    if query:
        # The name below the folder contains it, whatever the case (what the list shows of a name).
        files = files.annotate(relative_name=Substr("name", len(prefix) + 1)).filter(relative_name__icontains=query)
        count = files.count()
    else:
        count = folders.get(folder).files if folder else folders.top.files
    pages = max(1, -(-count // FILES_PER_PAGE))
    asked = str(params.get("files_page", ""))
    number = min(max(int(asked), 1), pages) if asked.isdigit() else 1
    start = (number - 1) * FILES_PER_PAGE
    rows = files.order_by("name").values_list(*ROW_FIELDS)[start : start + FILES_PER_PAGE]
    listed = [Listed(row, row.name[len(prefix) :]) for row in (FileRow(*values) for values in rows)]
    return FolderPage(folder, query, number, pages, count, listed, FILES_PER_PAGE)
