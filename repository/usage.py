"""Views and downloads counted the COUNTER way, and their totals for the landing page.

The rules (COUNTER Code of Practice, release 5, section 7, as the Code of Practice for Research Data
applies them):
- robots and machines are left out: a request whose User-Agent matches the COUNTER-Robots list
  (`data/counter_robots.txt`) or the list of scripts and tools (`data/counter_machines.txt`) is
  not counted, nor is one without a User-Agent;
- double clicks: the same visitor asking for the same item again within 30 seconds counts once.
  The visitor is the session when the request carries one, else a hash of the address and the
  User-Agent; it is only ever a cache key (`CACHE_URL`: with several web processes, set it to a
  shared Redis so that a double click reaching two processes still counts once), never stored;
- a view is a GET of a record's landing page (HTML, 200); a download a GET of a file from its first
  byte (a resumed, ranged download is the same download). The item of a download is the file:
  two different files within 30 seconds are two downloads. A "download all" ZIP (of the record or
  of a folder) is one download, its item the ZIP.

Counted events go to the (record, day) rows of `RecordUsage` by upserts (`INSERT … ON CONFLICT DO
UPDATE`, in autocommit: no lock held beyond the statement). Each web process adds them up in
memory first and writes them at most every `USAGE_FLUSH_SECONDS` (10 s; 0 writes each at once),
all in one statement, and when it exits: a page view then costs no write of its own. A process
killed outright (SIGKILL, OOM) loses at most those seconds of counts, which statistics can bear;
a failure to write is logged, never shown to the reader. The totals are two sums over those rows,
read as subqueries of the landing page's own query (`with_usage`).
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import re
import threading
import time
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, connection
from django.db.models import IntegerField, OuterRef, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from core.logging import get_logger

from .models import RecordUsage

log = get_logger(__name__)

DATA_DIR = Path(__file__).resolve().parent / "data"
DOUBLE_CLICK_SECONDS = 30
VIEW, DOWNLOAD = "view", "download"


@lru_cache(maxsize=1)
def _robots() -> re.Pattern:
    patterns = []
    for name in ("counter_robots.txt", "counter_machines.txt"):
        patterns += [line for line in (DATA_DIR / name).read_text(encoding="utf-8").splitlines() if line.strip()]
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)


@lru_cache(maxsize=4096)
def is_robot(user_agent: str | None) -> bool:
    """Whether COUNTER leaves this User-Agent out: a robot, a script, or none at all. (Readers'
    browsers send a few hundred distinct strings: the answers are remembered.)"""
    return not user_agent or bool(_robots().search(user_agent))


def visitor_of(request) -> str:
    """Who is clicking, for the double-click rule: the session if there is one, else the address
    and User-Agent (COUNTER's fallback), hashed."""
    session_key = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
    if session_key:
        raw = "s:" + session_key
    else:
        raw = f"a:{request.META.get('REMOTE_ADDR', '')}|{request.META.get('HTTP_USER_AGENT', '')}"
    return hashlib.blake2b(raw.encode(), digest_size=12).hexdigest()


def _first_click(kind: str, item: str, visitor: str) -> bool:
    # cache.add sets the key only if it is absent (SET NX on Redis): atomic across processes
    # sharing the cache, so two clicks racing each other still count once.
    return cache.add(f"usage:{kind}:{item}:{visitor}", 1, timeout=DOUBLE_CLICK_SECONDS)


_UPSERT = (
    "INSERT INTO {table} (record_id, day, views, downloads) VALUES {values} "
    "ON CONFLICT (record_id, day) DO UPDATE SET views = {table}.views + EXCLUDED.views, "
    "downloads = {table}.downloads + EXCLUDED.downloads"
)


def usage_add(*, record_id: int, views: int = 0, downloads: int = 0, day=None) -> None:
    """Add to a record's counts of a day (today, UTC), at once: one statement, whatever the row's
    state. PostgreSQL and SQLite both take `INSERT … ON CONFLICT DO UPDATE`."""
    _write({(record_id, day or timezone.now().date()): [views, downloads]})


def _write(counts: dict) -> None:
    if not counts:
        return
    table = connection.ops.quote_name(RecordUsage._meta.db_table)
    sql = _UPSERT.format(table=table, values=", ".join(["(%s, %s, %s, %s)"] * len(counts)))
    params = []
    for (record_id, day), (views, downloads) in sorted(counts.items()):  # one lock order for every writer
        params += [record_id, day, views, downloads]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


class _Pending:
    """This process's counts not yet written: {(record id, day): [views, downloads]}."""

    def __init__(self):
        self.lock = threading.Lock()
        self.counts: dict = {}
        self.since: float | None = None

    def add(self, record_id: int, views: int, downloads: int) -> None:
        key = (record_id, timezone.now().date())
        with self.lock:
            entry = self.counts.setdefault(key, [0, 0])
            entry[0] += views
            entry[1] += downloads
            if self.since is None:
                self.since = time.monotonic()

    def due(self) -> bool:
        wait = getattr(settings, "USAGE_FLUSH_SECONDS", 10)
        return self.since is not None and (
            wait <= 0 or time.monotonic() - self.since >= wait or len(self.counts) >= MAX_PENDING
        )

    def take(self) -> dict:
        with self.lock:
            counts, self.counts, self.since = self.counts, {}, None
        return counts


MAX_PENDING = 500
_pending = _Pending()


def flush() -> int:
    """Write this process's pending counts now (one statement). Returns the rows touched."""
    counts = _pending.take()
    try:
        _write(counts)
    except DatabaseError as exc:  # counting must never cost the reader the page or the file
        log.warning("usage.not_counted", rows=len(counts), error=str(exc)[:200])
        return 0
    return len(counts)


@atexit.register
def _flush_at_exit() -> None:
    if _pending.counts:
        with contextlib.suppress(Exception):  # the interpreter is going away; the database may be too
            flush()


def _count(request, *, kind: str, record_id: int, item: str) -> bool:
    if is_robot(request.META.get("HTTP_USER_AGENT")):
        return False
    if not _first_click(kind, item, visitor_of(request)):
        return False
    _pending.add(record_id, int(kind == VIEW), int(kind == DOWNLOAD))
    if _pending.due():
        flush()
    return True


def count_view(request, *, record_id: int) -> bool:
    """Count a view of a landing page, unless a robot or a double click. True if counted."""
    return _count(request, kind=VIEW, record_id=record_id, item=f"r{record_id}")


def count_download(request, *, record_id: int, file_id: int) -> bool:
    """Count a download of a file, unless a robot or a double click. True if counted."""
    return _count(request, kind=DOWNLOAD, record_id=record_id, item=f"f{file_id}")


def count_archive_download(request, *, record_id: int, folder: str = "") -> bool:
    """Count a "download all" (the ZIP of the record's files, or of a folder's) as one download:
    COUNTER counts a package of a dataset's files as one request, whatever it holds. True if
    counted."""
    item = f"z{record_id}:" + hashlib.blake2b(folder.encode(), digest_size=8).hexdigest()  # a short cache key
    return _count(request, kind=DOWNLOAD, record_id=record_id, item=item)


def with_usage(records: QuerySet) -> QuerySet:
    """The records with `usage_views` and `usage_downloads`, all-time totals, computed in the same
    query (two correlated sums over the record's daily rows, an index range each)."""

    def total(field: str) -> Coalesce:
        per_record = (
            RecordUsage.objects.filter(record=OuterRef("pk"))
            .order_by()
            .values("record")
            .annotate(total=Sum(field))
            .values("total")
        )
        return Coalesce(Subquery(per_record, output_field=IntegerField()), 0)

    return records.annotate(usage_views=total("views"), usage_downloads=total("downloads"))


def usage_totals(record_id: int) -> tuple[int, int]:
    """(views, downloads) of a record, all time (one query)."""
    totals = RecordUsage.objects.filter(record_id=record_id).aggregate(v=Sum("views"), d=Sum("downloads"))
    return totals["v"] or 0, totals["d"] or 0
