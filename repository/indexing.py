"""The search columns of records (`Record.search_*`): what is derived from a record's metadata for
full-text search, facets, the spatial and the temporal filters, and the service that writes them.

`record_index(record=...)` is called wherever a record is published, changed or withdrawn (see
`repository.services`); `records_reindex()` (`manage.py estran_reindex`, and migration 0004) rebuilds
every row. Nothing else writes these columns.

Text: on PostgreSQL, `search_vector` holds the title (weight A), the keywords and creators (B) and
the abstract (C), each analysed twice, with `estran_en` and `estran_fr`: copies of PostgreSQL's
`english` and `french` configurations that strip accents first (`unaccent`, when the extension could
be created), so that "températures", "temperature" and "Température" meet, and English and French
words are both stemmed. A query is analysed with both too (see `repository.search`). On SQLite,
the same three texts go to the FTS5 table of `repository.fts` (one row per indexed record, rowid =
the record's id), written here too.

Space: the union of a record's boxes, points and polygons as the smallest longitude arc that covers
them (the complement of the largest empty gap, so that a Pacific dataset spanning 170°E–170°W is
20° wide, not 340°), stored as one box, or two when it crosses the antimeridian.
"""

from __future__ import annotations

from calendar import monthrange
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import connection, transaction
from django.db.models import OuterRef, Q, Subquery
from django.db.models.functions import Coalesce

from core.logging import get_logger

from . import fts
from .models import Record

log = get_logger(__name__)

# The text search configurations created by migration 0004 (PostgreSQL).
TEXT_CONFIGS = ("estran_en", "estran_fr")


# --- What is derived from the metadata ----------------------------------------------------------


@dataclass
class SearchColumns:
    """A record's search columns, before they are written. `indexed` is False for a withdrawn
    record: every column then empty."""

    indexed: bool = True
    title_text: str = ""  # every title, weight A
    abstract: str = ""
    resource_type: str = ""
    licence: str = ""
    year: int | None = None
    keywords: list[str] = field(default_factory=list)
    keyword_labels: list[str] = field(default_factory=list)
    creators: list[str] = field(default_factory=list)
    south: float | None = None
    north: float | None = None
    west: float | None = None
    east: float | None = None
    west2: float | None = None
    east2: float | None = None
    start: date | None = None
    end: date | None = None

    @property
    def people_and_keywords(self) -> str:
        return " ".join([*self.keyword_labels, *self.creators])


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []


def _dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _str(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _float(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def _abstract(metadata: dict) -> str:
    descriptions = [_dict(d) for d in _list(metadata.get("descriptions"))]
    for d in descriptions:
        if d.get("description_type", "Abstract") == "Abstract" and _str(d.get("description")):
            return _str(d.get("description"))
    return next((_str(d.get("description")) for d in descriptions if _str(d.get("description"))), "")


def _keywords(metadata: dict) -> tuple[list[str], list[str]]:
    keys, labels, seen = [], [], set()
    for subject in map(_dict, _list(metadata.get("subjects"))):
        label = _str(subject.get("subject"))
        if not label:
            continue
        key = _str(subject.get("value_uri")) or label
        if key in seen:
            continue
        seen.add(key)
        keys.append(key)
        labels.append(label)
    return keys, labels


def _creators(metadata: dict) -> list[str]:
    names, seen = [], set()
    for creator in map(_dict, _list(metadata.get("creators"))):
        name = " ".join(_str(creator.get("name")).split())
        if name and name.casefold() not in seen:
            seen.add(name.casefold())
            names.append(name)
    return names


# --- Space --------------------------------------------------------------------------------------


def _lon_interval(west: float, east: float) -> tuple[float, float]:
    """(start, length) on a 0–360 circle (0 = the antimeridian) of a longitude range; west > east
    crosses the antimeridian; (-180, 180) is the whole circle."""
    if west == -180 and east == 180:
        return 0.0, 360.0
    length = east - west if west <= east else east - west + 360
    return (west + 180) % 360, length


def _polygon_interval(points: list[tuple[float, float]]) -> tuple[float, float] | None:
    """A ring's longitude range: each vertex taken on the side of the previous one (an edge is
    never longer than 180°), as the map draws it."""
    if not points:
        return None
    lons, previous = [], None
    for lon, _lat in points:
        if previous is not None:
            while lon - previous > 180:
                lon -= 360
            while previous - lon > 180:
                lon += 360
        lons.append(lon)
        previous = lon
    low, high = min(lons), max(lons)
    return (low + 180) % 360, min(high - low, 360.0)


def covering_arc(intervals: Iterable[tuple[float, float]]) -> tuple[float, float] | None:
    """The smallest longitude range (west, east; west > east when it crosses the antimeridian)
    covering every (start, length) interval of the 0–360 circle: the complement of the largest gap
    between them. None when there is nothing."""
    pieces: list[tuple[float, float]] = []
    for start, length in intervals:
        if length >= 360:
            return -180.0, 180.0
        end = start + length
        if end > 360:  # wraps past the antimeridian: two pieces of the circle
            pieces += [(start, 360.0), (0.0, end - 360)]
        else:
            pieces.append((start, end))
    if not pieces:
        return None
    pieces.sort()
    merged = [list(pieces[0])]
    for start, end in pieces[1:]:
        if start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    # Gaps (from, to) between covered pieces, the last one running round to the first piece.
    gaps = [(merged[i][1], merged[i + 1][0]) for i in range(len(merged) - 1)]
    gaps.append((merged[-1][1], merged[0][0] + 360))
    gap_from, gap_to = max(gaps, key=lambda g: (g[1] - g[0], g[0] == merged[-1][1]))
    if gap_to - gap_from <= 0:
        return -180.0, 180.0
    return float(gap_to % 360 - 180), float(gap_from - 180)


def _extent(metadata: dict) -> dict:
    intervals, lats = [], []
    for location in map(_dict, _list(metadata.get("geo_locations"))):
        box = _dict(location.get("box"))
        w, e, s, n = (_float(box.get(k)) for k in ("west", "east", "south", "north"))
        if None not in (w, e, s, n) and abs(w) <= 180 and abs(e) <= 180 and abs(s) <= 90 and abs(n) <= 90:
            intervals.append(_lon_interval(w, e))
            lats += [s, n]
        point = _dict(location.get("point"))
        lon, lat = _float(point.get("longitude")), _float(point.get("latitude"))
        if lon is not None and lat is not None and abs(lon) <= 180 and abs(lat) <= 90:
            intervals.append(_lon_interval(lon, lon))
            lats.append(lat)
        ring = []
        for p in map(_dict, _list(location.get("polygon"))):
            lon, lat = _float(p.get("longitude")), _float(p.get("latitude"))
            if lon is not None and lat is not None and abs(lon) <= 180 and abs(lat) <= 90:
                ring.append((lon, lat))
        interval = _polygon_interval(ring)
        if interval is not None:
            intervals.append(interval)
            lats += [lat for _lon, lat in ring]
    arc = covering_arc(intervals)
    if arc is None:
        return {}
    west, east = arc
    columns = {"south": min(lats), "north": max(lats), "west": west, "east": east}
    if west > east:
        columns.update(east=180.0, west2=-180.0, east2=east)
    return columns


# --- Time ---------------------------------------------------------------------------------------


def _day(text: str, *, end: bool) -> date | None:
    """YYYY, YYYY-MM or YYYY-MM-DD as a day: the first of the period, or its last with `end`."""
    try:
        if len(text) == 4:
            return date(int(text), 12, 31) if end else date(int(text), 1, 1)
        if len(text) == 7:
            year, month = int(text[:4]), int(text[5:])
            return date(year, month, monthrange(year, month)[1] if end else 1)
        return date.fromisoformat(text[:10])
    except ValueError:
        return None


def _period(metadata: dict) -> tuple[date | None, date | None]:
    """(start, end) of collection; end None = ongoing. From the temporal extent, else from a
    Collected (or Coverage) date range; (None, None) when the record says nothing."""
    extent = _dict(metadata.get("temporal_extent"))
    start = _day(_str(extent.get("start")), end=False) if extent.get("start") else None
    if start:
        return start, None if extent.get("ongoing") else (_day(_str(extent.get("end")), end=True) or start)
    for date_type in ("Collected", "Coverage"):
        for entry in map(_dict, _list(metadata.get("dates"))):
            if entry.get("date_type") != date_type or not _str(entry.get("date")):
                continue
            first, sep, last = _str(entry.get("date")).partition("/")
            start = _day(first, end=False) if first else None
            if not sep:
                end = _day(first, end=True)
            elif last:
                end = _day(last, end=True)
            else:
                end = None  # "2020-01-01/": ongoing
            if start or end:
                return start, end
    return None, None


def search_columns(*, title: str, metadata: dict, publication_date: date | None, published: bool) -> SearchColumns:
    """What a record contributes to search, read leniently from its metadata (a record is always a
    valid document, but an index must never fail on one that is not)."""
    if not published:
        return SearchColumns(indexed=False)
    metadata = _dict(metadata)
    titles = [_str(_dict(t).get("title")) for t in _list(metadata.get("titles"))]
    keys, labels = _keywords(metadata)
    rights = [_dict(r) for r in _list(metadata.get("rights"))]
    start, end = _period(metadata)
    return SearchColumns(
        title_text=" ".join(dict.fromkeys(t for t in [title, *titles] if t)),
        abstract=_abstract(metadata),
        resource_type=_str(_dict(metadata.get("resource_type")).get("general")) or "Dataset",
        licence=_str(rights[0].get("identifier")) if rights else "",
        year=publication_date.year if publication_date else None,
        keywords=keys,
        keyword_labels=labels,
        creators=_creators(metadata),
        start=start,
        end=end,
        **_extent(metadata),
    )


# --- Writing ------------------------------------------------------------------------------------


def _row(pk: int, c: SearchColumns) -> dict:
    return {
        "id": pk,
        "search_abstract": c.abstract,
        "search_resource_type": c.resource_type,
        "search_licence": c.licence,
        "search_year": c.year,
        "search_keywords": c.keywords,
        "search_keyword_labels": c.keyword_labels,
        "search_creators": c.creators,
        "search_south": c.south,
        "search_north": c.north,
        "search_west": c.west,
        "search_east": c.east,
        "search_west2": c.west2,
        "search_east2": c.east2,
        "search_start": c.start,
        "search_end": c.end,
    }


_PG_CASTS = {
    "id": "bigint",
    "search_abstract": "text",
    "search_resource_type": "text",
    "search_licence": "text",
    "search_year": "integer",
    "search_keywords": "text[]",
    "search_keyword_labels": "text[]",
    "search_creators": "text[]",
    "search_south": "float8",
    "search_north": "float8",
    "search_west": "float8",
    "search_east": "float8",
    "search_west2": "float8",
    "search_east2": "float8",
    "search_start": "date",
    "search_end": "date",
}


def _vector_sql(alias: str) -> str:
    parts = []
    for column, weight in (("title_text", "A"), ("people_and_keywords", "B"), ("abstract_text", "C")):
        for config in TEXT_CONFIGS:
            parts.append(f"setweight(to_tsvector('{config}'::regconfig, coalesce({alias}.{column}, '')), '{weight}')")
    return " || ".join(parts)


def _write_postgres(table: str, rows: list[tuple[dict, SearchColumns]], *, with_pairs: bool = True) -> None:
    """One UPDATE for the batch: every column from VALUES, the tsvector computed in the database,
    and from it `search_pairs` (migrations 0010 and 0012: each two and three words that follow each
    other, what a phrase of two or three words is matched against through its index; `with_pairs`
    False for migration 0004, which runs before the column exists and whose vectors 0010 pairs)."""
    columns = [*_PG_CASTS, "indexed", "title_text", "people_and_keywords", "abstract_text"]
    casts = {
        **_PG_CASTS,
        "indexed": "boolean",
        "title_text": "text",
        "people_and_keywords": "text",
        "abstract_text": "text",
    }
    values, params = [], []
    for row, c in rows:
        values.append("(" + ", ".join(f"%s::{casts[name]}" for name in columns) + ")")
        params += [*(row[name] for name in _PG_CASTS), c.indexed, c.title_text, c.people_and_keywords, c.abstract]
    assignments = ", ".join(f"{name} = v.{name}" for name in _PG_CASTS if name != "id")
    pairs = ", search_pairs = estran_pairs(v.vector)" if with_pairs else ""
    sql = (
        f"UPDATE {table} AS r SET {assignments}, search_vector = v.vector{pairs} "
        f"FROM (SELECT v.*, CASE WHEN v.indexed THEN {_vector_sql('v')} END AS vector "
        f"FROM (VALUES {', '.join(values)}) AS v({', '.join(columns)})) AS v WHERE r.id = v.id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _write_fts(rows: list[tuple[dict, SearchColumns]]) -> None:
    """SQLite: each record's row of the FTS5 table replaced; none for a record with nothing to search."""
    table, columns = fts.FTS_TABLE, ", ".join(fts.FTS_COLUMNS)
    texts = [
        (row["id"], *map(fts.normalized, (c.title_text, c.people_and_keywords, c.abstract)))
        for row, c in rows
        if c.indexed
    ]
    with connection.cursor() as cursor:
        cursor.executemany(f"DELETE FROM {table} WHERE rowid = %s", [(row["id"],) for row, _c in rows])
        if texts:
            cursor.executemany(f"INSERT INTO {table} (rowid, {columns}) VALUES (%s, %s, %s, %s)", texts)


def _write_other(model, rows: list[tuple[dict, SearchColumns]]) -> None:
    for row, _c in rows:
        pk = row.pop("id")
        model.objects.filter(pk=pk).update(search_vector=None, **row)


def _mark_latest(model, concept_ids: Iterable[int] | None) -> None:
    """`search_latest`: the last published version of each concept, the one search shows. Only
    rows whose flag changes are written (and so locked): publishing a third version touches the
    second, never the first."""
    published = model.objects.filter(concept=OuterRef("concept"), status="published").order_by("-version")
    is_latest = Q(status="published") & Q(version=Coalesce(Subquery(published.values("version")[:1]), 0))
    rows = model.objects.all() if concept_ids is None else model.objects.filter(concept_id__in=list(concept_ids))
    rows.filter(is_latest, search_latest=False).update(search_latest=True)
    rows.filter(search_latest=True).exclude(is_latest).update(search_latest=False)


def _index_rows(model, records: list, *, with_fts: bool = True, with_pairs: bool = True) -> None:
    postgres = connection.vendor == "postgresql"
    rows = []
    for record in records:
        columns = search_columns(
            title=record.title,
            metadata=record.metadata,
            publication_date=record.publication_date,
            published=record.status == "published",
        )
        rows.append((_row(record.pk, columns), columns))
    if postgres:
        _write_postgres(model._meta.db_table, rows, with_pairs=with_pairs)
        return
    if with_fts and connection.vendor == "sqlite":
        _write_fts(rows)
    _write_other(model, rows)


@transaction.atomic
def record_index(*, record) -> None:
    """Write a record's search columns from its metadata and status (a withdrawn record's are
    emptied), and which version of its concept search shows. Three queries (five on SQLite: its FTS5
    row too)."""
    _index_rows(Record, [record])
    _mark_latest(Record, [record.concept_id])


def records_reindex(
    *, batch_size: int = 500, progress: Callable[[int, int], None] | None = None, record_model=None
) -> int:
    """Rebuild the search columns of every record (after an upgrade, or a change of what is
    indexed), a batch per transaction; `progress(done, total)` after each. Returns the count.
    `record_model`: the historical model, when a migration calls it. On SQLite the FTS5 table is
    rebuilt too: every record's row rewritten, the rows of records no longer there deleted."""
    model = record_model or Record
    # Migration 0004 reindexes before 0006 has created the FTS5 table (and then fills it).
    with_fts = connection.vendor == "sqlite" and fts.FTS_TABLE in connection.introspection.table_names()
    total = model.objects.count()
    done, last_pk = 0, 0
    fields = ("pk", "title", "metadata", "status", "publication_date", "concept_id")
    while True:
        with transaction.atomic():
            batch = list(model.objects.filter(pk__gt=last_pk).order_by("pk").only(*fields)[:batch_size])
            if not batch:
                break
            _index_rows(model, batch, with_fts=with_fts, with_pairs=record_model is None)
        last_pk = batch[-1].pk
        done += len(batch)
        if progress:
            progress(done, total)
    _mark_latest(model, None)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {model._meta.db_table}")
    if with_fts:
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {fts.FTS_TABLE} WHERE rowid NOT IN (SELECT id FROM {model._meta.db_table})")
            # The segments written batch by batch merged into one, as FTS5 would do later, bit by bit.
            cursor.execute(f"INSERT INTO {fts.FTS_TABLE} ({fts.FTS_TABLE}) VALUES ('optimize')")
    log.info("search.reindexed", records=done)
    return done
