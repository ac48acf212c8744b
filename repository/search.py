"""Searching published records: one validated query (`SearchQuery`), one function (`search`) that
returns a page of hits, the total and the facets. The search page and `GET /api/records` both call
it. The columns it reads are written by `repository.indexing`.

PostgreSQL: full-text search on `search_vector` with `websearch_to_tsquery` in English and in French
(quoted phrases, `or`, `-word`), ranked by `ts_rank` (title A > keywords and creators B >
abstract C), snippets from `ts_headline`. SQLite (the embedded default): FTS5 (`repository.fts`),
the same syntax read in Python and matched with every word quoted (nothing typed is an FTS5
operator), accents and case folded, ranked by bm25 column by column with the same weights, snippets
from FTS5's `snippet`. What differs: stemming is English only (Porter), a phrase matches its stop
words too, the ranking formula is not the same (the usual order is: title, then keywords and
creators, then abstract, on both) and a snippet is one fragment; `repository.fts` says more.
Everything else is the same on both.

Facets are counted over the records matching every filter except the facet's own (so that ticking
a community still shows the other communities' counts), values within a facet are alternatives
(OR), facets combine (AND). One SQL statement computes the total, the page of hits and every facet
(see *The statement* below); with the communities and the page's records, a search is three or four
queries whatever the number of records or hits, one more with words (the DOI or file name they may
be: `_identified`) and one more with a phrase (whether the index of runs of words answers it:
`_runs_only`). Browsing (facets only, no words, area or period) is cached until the records
change.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Iterable, Mapping
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import date
from enum import Enum
from typing import Annotated, Any

from django.conf import settings
from django.contrib.postgres.search import SearchHeadline, SearchQuery as TsQuery
from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.db import connection, transaction
from django.db.models import BooleanField, ExpressionWrapper, Max, Q, QuerySet, Value
from django.db.models.expressions import RawSQL
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_noop as N_
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, model_validator

from accounts.models import Community
from core.errors import ValidationFailed
from core.file_names import MAX_PATH_BYTES, base_name

from . import fts
from .indexing import TEXT_CONFIGS
from .models import Record, RecordFile

FACETS = ("community", "keyword", "resource_type", "licence", "year", "creator")
FACET_SIZE = 10
PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
# Hits beyond this rank are not paged to (deep OFFSETs cost the database; nobody reads that far).
MAX_WINDOW = 10_000
SNIPPET_CHARS = 240
# How long a browse's counts are kept (they are dropped sooner by any change of the records).
BROWSE_CACHE_SECONDS = 600


class Sort(str, Enum):
    relevance = "relevance"
    newest = "newest"
    oldest = "oldest"
    title = "title"


class BBox(BaseModel):
    """A query box in WGS 84 degrees; west > east crosses the antimeridian."""

    model_config = ConfigDict(frozen=True)

    west: float = Field(ge=-180, le=180)
    south: float = Field(ge=-90, le=90)
    east: float = Field(ge=-180, le=180)
    north: float = Field(ge=-90, le=90)

    @model_validator(mode="after")
    def _order(self) -> BBox:
        if self.south > self.north:
            raise ValueError(N_("The southern latitude must not be north of the northern one."))
        return self

    @property
    def crosses_antimeridian(self) -> bool:
        return self.west > self.east

    def longitude_ranges(self) -> list[tuple[float, float]]:
        """The box as one or two ranges that do not cross the antimeridian."""
        if self.crosses_antimeridian:
            return [(self.west, 180.0), (-180.0, self.east)]
        return [(self.west, self.east)]

    def as_param(self) -> str:
        return ",".join(degrees(v) for v in (self.west, self.south, self.east, self.north))


def degrees(value: float) -> str:
    return f"{value:.6f}".rstrip("0").rstrip(".")


def _parse_bbox(value: Any) -> Any:
    """`west,south,east,north` (the OGC / STAC order), as the API takes it."""
    if isinstance(value, str):
        if not value.strip():
            return None
        parts = [p.strip() for p in value.replace("\u2212", "-").split(",")]
        if len(parts) != 4:
            raise ValueError(N_("Give four numbers: west,south,east,north."))
        try:
            west, south, east, north = (float(p) for p in parts)
        except ValueError:
            raise ValueError(N_("Give four numbers: west,south,east,north.")) from None
        return {"west": west, "south": south, "east": east, "north": north}
    return value


def _distinct_strings(v: Any) -> list[str]:
    """One value or a list of them (a parameter given once or repeated), stripped, blanks and
    repeats left out."""
    values = [v] if isinstance(v, str) else list(v or [])
    return list(dict.fromkeys(s.strip() for s in values if isinstance(s, str) and s.strip()))


def _distinct_years(v: Any) -> list:
    values = [v] if isinstance(v, (str, int)) else list(v or [])
    years = list(dict.fromkeys(s for s in values if s not in ("", None)))
    for year in years:  # a year no column holds (2**64) fails the query, not the search
        text = str(year).strip()
        if not (text.isascii() and text.isdigit() and len(text) <= 4):
            raise ValueError(N_("A year is a number of at most four digits, e.g. 2024."))
    return years


def _blank_is_none(v: Any) -> Any:
    return None if v == "" else v


# The parameters as a form or a query string gives them: a facet once or repeated, an empty field.
Terms = Annotated[list[str], BeforeValidator(_distinct_strings)]
Years = Annotated[list[int], BeforeValidator(_distinct_years)]
Box = Annotated[BBox | None, BeforeValidator(_parse_bbox)]
Day = Annotated[date | None, BeforeValidator(_blank_is_none)]
SortOrder = Annotated[Sort | None, BeforeValidator(_blank_is_none)]


class SearchQuery(BaseModel):
    """What a search asks for. Lists are alternatives within a facet; facets combine."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True, frozen=True)

    q: str = Field(default="", max_length=500)
    community: Terms = []
    keyword: Terms = []
    resource_type: Terms = []
    licence: Terms = []
    year: Years = []
    creator: Terms = []
    bbox: Box = None
    start: Day = None
    end: Day = None
    sort: SortOrder = None
    page: int = Field(default=1, ge=1)
    size: int = Field(default=PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE)

    @model_validator(mode="after")
    def _checks(self) -> SearchQuery:
        if self.start and self.end and self.end < self.start:
            raise _FieldError(N_("The end date is before the start date."), "end")
        if self.page * self.size > MAX_WINDOW and self.page > 1:
            raise _FieldError(N_("Results are paged up to the first 10,000; narrow the search."), "page")
        return self

    @property
    def effective_sort(self) -> Sort:
        if self.sort is None or (self.sort is Sort.relevance and not self.q):
            return Sort.relevance if self.q else Sort.newest
        return self.sort

    def selected(self, facet: str) -> list[str]:
        return [str(v) for v in getattr(self, facet)]

    @property
    def is_filtered(self) -> bool:
        return bool(self.q or self.bbox or self.start or self.end or any(getattr(self, f) for f in FACETS))

    def params(self, **changes) -> list[tuple[str, str]]:
        """The query as URL parameters (for links: pages, removing a filter), with `changes`."""
        data = {**self.model_dump(), **changes}
        pairs: list[tuple[str, str]] = []
        if data.get("q"):
            pairs.append(("q", data["q"]))
        for facet in FACETS:
            pairs += [(facet, str(v)) for v in data.get(facet) or []]
        bbox = data.get("bbox")
        if bbox:
            pairs.append(("bbox", BBox.model_validate(bbox).as_param()))
        for name in ("start", "end"):
            if data.get(name):
                pairs.append((name, data[name].isoformat()))
        if data.get("sort"):
            pairs.append(("sort", Sort(data["sort"]).value))
        if data.get("size") and data["size"] != PAGE_SIZE:
            pairs.append(("size", str(data["size"])))
        if data.get("page", 1) != 1:
            pairs.append(("page", str(data["page"])))
        return pairs


class _FieldError(ValueError):
    def __init__(self, message: str, field: str):
        super().__init__(message)
        self.field = field


def parse_query(data: Mapping[str, Any]) -> SearchQuery:
    """A `SearchQuery` from request parameters (lists for the facets), or ValidationFailed with
    every problem against its parameter. The page's four coordinate inputs (`west`, `south`,
    `east`, `north`) stand for `bbox` when it is absent."""
    data = dict(data)
    problems: list[dict] = []
    sides = ("west", "south", "east", "north")
    corners = [data.pop(k, None) for k in sides]
    corners = [(c[0] if isinstance(c, list) else c) for c in corners]
    corners = [c.strip() if isinstance(c, str) else c for c in corners]
    if not data.get("bbox") and any(c not in (None, "") for c in corners):
        try:
            if any(c in (None, "") for c in corners):
                raise ValueError(N_("Give the four sides of the box (west, south, east, north), or none."))
            try:  # a decimal comma, a typographic minus, as people type them
                data["bbox"] = {
                    side: float(str(c).replace("\u2212", "-").replace(",", "."))
                    for side, c in zip(sides, corners, strict=True)
                }
            except ValueError:
                raise ValueError(N_("Give every side of the box in decimal degrees, e.g. -4.5.")) from None
        except ValueError as exc:
            problems.append({"field": "bbox", "message": str(exc)})
    try:
        query = SearchQuery.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors():
            loc = [str(p) for p in err["loc"]]
            error = (err.get("ctx") or {}).get("error")
            name = error.field if isinstance(error, _FieldError) else (loc[0] if loc else "")
            message = err["msg"].removeprefix("Value error, ")
            if len(loc) > 1 and name == "bbox":
                message = f"{loc[1]}: {message}"  # which side of the box
            problems.append({"field": name, "message": message})
    if problems:
        failure = ValidationFailed(N_("The search is not valid."), problems=problems)
        failure.code = "invalid_request"  # as the API's other invalid parameters
        raise failure
    return query


def query_from_querydict(querydict) -> SearchQuery:
    """From a Django QueryDict (the page's GET form, the API's query string)."""
    data: dict[str, Any] = {}
    for key in querydict:
        values = querydict.getlist(key)
        data[key] = values if key in FACETS else values[-1]
    return parse_query(data)


# --- Results ------------------------------------------------------------------------------------


@dataclass
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool


@dataclass
class Hit:
    record: Record
    score: float | None
    snippet: SafeString

    @property
    def creators(self) -> list[str]:
        return list(self.record.search_creators)

    @property
    def year(self) -> int | None:
        return self.record.search_year


@dataclass
class SearchResult:
    query: SearchQuery
    hits: list[Hit]
    total: int
    facets: dict[str, list[FacetValue]] = field(default_factory=dict)

    @property
    def page(self) -> int:
        return self.query.page

    @property
    def size(self) -> int:
        return self.query.size

    @property
    def pages(self) -> int:
        return max(1, math.ceil(min(self.total, MAX_WINDOW) / self.size))

    @property
    def first_rank(self) -> int:
        return (self.page - 1) * self.size + 1


# --- Filters ------------------------------------------------------------------------------------


def _postgres() -> bool:
    return connection.vendor == "postgresql"


# websearch_to_tsquery nests a NOT for every minus sign before a word (skipping the spaces and the
# characters ! & | ( ) < between them) and fails past 32 ("tsquery stack too small"): a run of them
# is cut to one or two, which means the same (two cancel out) and leaves the parser in the same state.
_MINUS_RUN = re.compile(r'(?:^|(?<=[\s"!&|()<]))-(?:[\s!&|()<]*-)+')


def _websearch_text(q: str) -> str:
    return _MINUS_RUN.sub(lambda run: "-" if run.group().count("-") % 2 else "--", q)


def _tsquery(q: str):
    q = _websearch_text(q)
    english, french = (TsQuery(q, config=config, search_type="websearch") for config in TEXT_CONFIGS)
    return english | french


# A DOI as people paste it: bare, as a `doi:` URI or as a resolver's address; DOIs ignore case.
_DOI = re.compile(r"^(?:doi:\s*|https?://(?:dx\.)?doi\.org/)?(10\.\d{4,9}/\S+)$", re.IGNORECASE)


def doi_of(q: str) -> str | None:
    """The DOI a query is, if it is one (`10.5072/x`, `doi:10.5072/x`, `https://doi.org/10.5072/x`)."""
    match = _DOI.match(q.strip())
    return match.group(1) if match else None


def _identified(q: str) -> tuple[bool, list[int]]:
    """What a query names rather than says, found outside the text index (one query): (whether it
    is a DOI, the ids of the records it names). A DOI names the record that has it and, through its
    dataset, every version (search shows the latest), as does the dataset's own DOI. Otherwise the
    query may be a file's name, whole or without its extension (`ctd_2024.nc`, `ctd_2024`), in
    any case: its whole path in the deposit's folders (`profiles/ctd_2024.nc`) or its own name."""
    doi = doi_of(q)
    if doi:
        concepts = Record.objects.filter(Q(doi__iexact=doi) | Q(concept__pid__doi__iexact=doi)).values("concept_id")
        return True, list(Record.objects.filter(concept_id__in=concepts).values_list("pk", flat=True))
    name = q.strip()
    if not name or len(name) > MAX_PATH_BYTES:
        return False, []
    folded = name.casefold()
    files = RecordFile.objects.filter(
        Q(name__iexact=name)
        | Q(name__istartswith=f"{name}.")
        | Q(name__iendswith=f"/{name}")
        | Q(name__icontains=f"/{name}.")
    )
    return False, sorted(
        {
            record_id
            for record_id, file_name in files.values_list("record_id", "name")[:1000]
            if folded in _names_of(file_name.casefold())
        }
    )


def _names_of(path: str) -> set[str]:
    """What finds a file by its name: its path and its own name, each whole or without its
    extension (a folder's dot is no extension: `v1.2/readme` has none)."""
    leaf = base_name(path)
    names = {path, leaf}
    if "." in leaf:
        names |= {path.rpartition(".")[0], leaf.rpartition(".")[0]}
    return names


# The words as PostgreSQL's tsquery (English or French), in SQL: two parameters, the words twice.
_TSQUERY_SQL = " || ".join(f"websearch_to_tsquery('{config}'::regconfig, %s)" for config in TEXT_CONFIGS)
# The same words with every phrase loosened to "all these words" (`a <-> b` and `a <2> b` become
# `a & b`), which the GIN index answers exactly, without reading a tsvector: the records a phrase
# finds are among those. Not under a NOT (`-"a b"` loosened would leave out records it keeps): a
# query with one is left as it is. Constant for a query: PostgreSQL computes it once.
_LOOSENED_SQL = (
    f"CASE WHEN strpos(({_TSQUERY_SQL})::text, '!') > 0 THEN ({_TSQUERY_SQL}) "
    f"ELSE regexp_replace(({_TSQUERY_SQL})::text, '<(-|[0-9]+)>', '&', 'g')::tsquery END"
)


def _sql_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


# A query that is one phrase of two or three words in every language it is read in (`'water' <->
# 'column' | 'wat' <-> 'column'`) is answered by the index of `search_pairs` (migrations 0010 and
# 0012: each record's pairs and runs of three following words), exactly and without a tsvector read:
# `'water column' | 'wat column'`. PostgreSQL decides between the two when it plans the statement
# (the test and the rewriting are constant), keeping only the branch taken.
_WORD = r"'[^' \\]+'"
_RUN = f"{_WORD} <-> {_WORD}( <-> {_WORD})?"
_ONLY_PAIRS = _sql_literal("^" + _RUN + r"( \| " + _RUN + ")*$")
_WORD_GROUP = r"'([^' \\]+)'"
_TRIPLE_GROUPS = _sql_literal(f"{_WORD_GROUP} <-> {_WORD_GROUP} <-> {_WORD_GROUP}")
_TRIPLE_LEXEME = _sql_literal(r"'\1 \2 \3'")
_PAIR_GROUPS = _sql_literal(f"{_WORD_GROUP} <-> {_WORD_GROUP}")
_PAIR_LEXEME = _sql_literal(r"'\1 \2'")
_IS_PAIRS_SQL = f"(({_TSQUERY_SQL})::text ~ {_ONLY_PAIRS})"
# The runs of three first: once one is a lexeme (`'sea water temperatur'`, spaces inside), the pairs'
# pattern no longer sees its words.
_PAIRS_TSQUERY_SQL = (
    f"regexp_replace(regexp_replace(({_TSQUERY_SQL})::text, {_TRIPLE_GROUPS}, {_TRIPLE_LEXEME}, 'g'), "
    f"{_PAIR_GROUPS}, {_PAIR_LEXEME}, 'g')::tsquery"
)
# What makes websearch_to_tsquery write a phrase: quotes, or words joined by a hyphen, an apostrophe,
# a slash or a dot (`sea-water`, `l'eau`, `CTD/rosette`). Other queries keep the one-step statement.
_PHRASE_HINT = re.compile(r"\"|\w[-'’/.]\w")


def _phrase_apart(query: SearchQuery) -> bool:
    """Whether the words are matched in two steps (PostgreSQL): loosened through the index with the
    area and period, then the phrases checked on the records left (`_statement`)."""
    return bool(query.q) and _postgres() and bool(_PHRASE_HINT.search(query.q)) and not doi_of(query.q)


def _text_filter(
    query: SearchQuery, *, loosened: bool = False, identified: tuple[bool, list[int]] | None = None
) -> Q | None:
    """The records the words find, and those the query names: by their DOI (then only those: a
    DOI is not words) or by a file's name. `loosened`: with every phrase read as all its words
    (see `_phrase_apart`). `identified`: what `_identified` found, when the caller has it."""
    if not query.q:
        return None
    is_doi, named = identified or _identified(query.q)
    if is_doi:
        return Q(pk__in=named)
    if _postgres() and loosened:
        table = Record._meta.db_table
        sql = (
            f'CASE WHEN {_IS_PAIRS_SQL} THEN "{table}"."search_pairs" @@ {_PAIRS_TSQUERY_SQL} '
            f'ELSE "{table}"."search_vector" @@ ({_LOOSENED_SQL}) END'
        )
        condition = Q(RawSQL(sql, [_websearch_text(query.q)] * 10, output_field=BooleanField()))
    elif _postgres():
        condition = Q(search_vector=_tsquery(query.q))
    elif (match := fts.match(query.q)) is None:
        # nothing to look for: PostgreSQL's empty tsquery matches nothing either
        condition = Q(pk__in=[])
    else:
        sql, params = match.condition(f"{Record._meta.db_table}.id")
        condition = Q(RawSQL(sql, params, output_field=BooleanField()))
    return condition | Q(pk__in=named) if named else condition


def _list_filter(column: str, values: list[str]) -> Q:
    """Records whose list column holds one of `values`."""
    if _postgres():
        return Q(**{f"{column}__overlap": values})
    placeholders = ", ".join(["%s"] * len(values))
    sql = (
        f"EXISTS (SELECT 1 FROM json_each({Record._meta.db_table}.{column}) WHERE json_each.value IN ({placeholders}))"
    )
    return Q(RawSQL(sql, values, output_field=BooleanField()))


def _bbox_filter(box: BBox) -> Q:
    """Records whose extent (one box, or two across the antimeridian) meets the query's (one or
    two); edges touching count."""
    condition = Q()
    for q_west, q_east in box.longitude_ranges():
        condition |= Q(search_west__lte=q_east, search_east__gte=q_west)
        condition |= Q(search_west2__lte=q_east, search_east2__gte=q_west)
    return Q(search_south__lte=box.north, search_north__gte=box.south) & condition


def _time_filter(query: SearchQuery) -> Q | None:
    """Records collected at some time between `start` and `end` (either may be open); an ongoing
    collection has no end. Records without a time are left out."""
    if not (query.start or query.end):
        return None
    condition = Q(search_start__isnull=False) | Q(search_end__isnull=False)
    if query.end:
        condition &= Q(search_start__isnull=True) | Q(search_start__lte=query.end)
    if query.start:
        condition &= Q(search_end__isnull=True) | Q(search_end__gte=query.start)
    return condition


def _facet_filter(facet: str, values: list[str], communities: dict[str, Any]) -> Q:
    if facet == "community":
        return Q(community_id__in=[communities[s].pk for s in values if s in communities])
    if facet == "keyword":
        return _list_filter("search_keywords", values)
    if facet == "creator":
        return _list_filter("search_creators", values)
    if facet == "resource_type":
        return Q(search_resource_type__in=values)
    if facet == "licence":
        return Q(search_licence__in=values)
    if facet == "year":
        return Q(search_year__in=[int(v) for v in values])
    raise ValueError(facet)


def searchable() -> QuerySet[Record]:
    """Records search shows: the latest published version of each dataset."""
    return Record.objects.filter(search_latest=True)


def _base(
    query: SearchQuery, *, loosened: bool = False, identified: tuple[bool, list[int]] | None = None
) -> QuerySet[Record]:
    """The records meeting the query's area, period and words: what every facet is counted over
    (`loosened`: its phrases read as all their words, checked afterwards by `_statement`)."""
    records = searchable()
    # The words last: PostgreSQL evaluates conditions of equal cost in the order written, and a
    # record's tsvector is kept out of line (TOAST, migration 0004), the dearest to read.
    text = _text_filter(query, loosened=loosened, identified=identified)
    for condition in (_bbox_filter(query.bbox) if query.bbox else None, _time_filter(query), text):
        if condition is not None:
            records = records.filter(condition)
    return records


# --- The statement ------------------------------------------------------------------------------
#
# One SQL statement answers the page: the records meeting the area, period and words (`base`,
# computed once, materialised) with a flag per facet filter in use; `matched`, those whose every
# flag holds; then the total, the page of hits (in order, with their score), and each facet's counts
# over the base records whose flags hold except the facet's own. So the words are matched once,
# through the GIN index, and a tsvector is read (from TOAST) only to rank a matched record.
#
# A phrase (`"sea water temperature"`) is the exception: the index finds the records holding its
# words, and only the tsvector's positions tell whether they stand in that order, so PostgreSQL
# would read the tsvector of every record holding them (a third of the collection for those three
# words) before looking at the area. With a phrase, the base is built in two steps
# (`_phrase_apart`): the phrase loosened to all its words, exact through the index, with the area
# and period (`loose`, materialised); then the phrase checked on the records left, and only on those
# that count somewhere: a record failing two facet filters is in no count and in no hit.

# facet: (column, labels column or None, is a list)
_FACET_COLUMNS = {
    "community": ("community_id", None, False),
    "keyword": ("search_keywords", "search_keyword_labels", True),
    "resource_type": ("search_resource_type", None, False),
    "licence": ("search_licence", None, False),
    "year": ("search_year", None, False),
    "creator": ("search_creators", None, True),
}
_BASE_COLUMNS = (
    "id",
    "publication_date",
    "title",
    "search_vector",
    *dict.fromkeys(c for column, labels, _list in _FACET_COLUMNS.values() for c in (column, labels) if c),
)


def _flags(query: SearchQuery, communities: dict[str, Any]) -> dict[str, Any]:
    """`f_<facet>`: a boolean per facet with selected values."""
    flags = {}
    for facet in FACETS:
        values = query.selected(facet)
        if not values:
            continue
        if facet == "community" and not any(s in communities for s in values):
            flags[f"f_{facet}"] = Value(False, output_field=BooleanField())
            continue
        flags[f"f_{facet}"] = ExpressionWrapper(_facet_filter(facet, values, communities), output_field=BooleanField())
    return flags


def _rank_sql(query: SearchQuery) -> tuple[str, list]:
    """The score of a matched record `m`, higher first. The base carries the tsvector's TOAST
    pointer, so only the records ranked have theirs read, with no second look-up of the row."""
    if not query.q:
        return "NULL", []
    if _postgres():
        # ts_rank: the words' weights and frequency, with their closeness when all are required.
        # Not ts_rank_cd (cover density): 10 µs a record for a query in both languages against 1
        # (measured on the benchmark's records), paid for every record ranked.
        return f"ts_rank(m.search_vector, {_TSQUERY_SQL})", [_websearch_text(query.q)] * len(TEXT_CONFIGS)
    match = fts.match(query.q)
    # A record found only as one without a `-word` (the query's groups of `-words` alone) has no
    # word to rank by, as on PostgreSQL (where `ts_rank` gives it 0).
    return ("coalesce(fts_rank.score, 0)" if match and match.ranking() else "0"), []


def _rank_join(query: SearchQuery) -> tuple[str, list]:
    """SQLite: the join that brings bm25's scores to `m` (bm25 can only be computed in a query of
    the FTS5 table itself, once per match); nothing on PostgreSQL."""
    match = fts.match(query.q) if query.q and not _postgres() else None
    ranking = match.ranking() if match else None
    if ranking is None:
        return "", []
    sql, params = ranking
    return f" LEFT JOIN ({sql}) fts_rank ON fts_rank.id = m.id", params


def _order_sql(query: SearchQuery) -> str:
    sort = query.effective_sort
    if sort is Sort.relevance:
        return "s.score DESC, s.publication_date DESC, s.id DESC"
    if sort is Sort.oldest:
        return "s.publication_date ASC, s.id ASC"
    if sort is Sort.title:
        return "lower(s.title) ASC, s.id ASC"
    return "s.publication_date DESC, s.id DESC"


def _hits_sql(query: SearchQuery) -> tuple[str, list]:
    """The page of hits in order, with their score. Ranked by relevance, every matched record is
    scored; otherwise only the page's are."""
    rank_sql, rank_params = _rank_sql(query)
    join_sql, join_params = _rank_join(query)
    by_relevance = bool(query.q) and query.effective_sort is Sort.relevance
    page = (
        f"SELECT s.id, s.score, row_number() OVER (ORDER BY {_order_sql(query)}) AS position FROM ("
        f"SELECT m.id, m.publication_date, m.title, {rank_sql if by_relevance else 'NULL'} AS score "
        f"FROM matched m{join_sql if by_relevance else ''}"
        f") s ORDER BY position LIMIT %s OFFSET %s"
    )
    paging = [query.size, (query.page - 1) * query.size]
    if by_relevance or not query.q:
        return (
            f"SELECT 'hit', CAST(h.id AS TEXT), NULL, h.position, h.score FROM ({page}) h",
            [*(rank_params + join_params if by_relevance else []), *paging],
        )
    return (
        f"SELECT 'hit', CAST(h.id AS TEXT), NULL, h.position, {rank_sql} FROM ({page}) h "
        f"JOIN matched m ON m.id = h.id{join_sql}",
        [*rank_params, *paging, *join_params],
    )


def _facet_sql(facet: str, selected: list[str], others: list[str], size: int) -> tuple[str, list]:
    """(value, label, count) of a facet over the base records whose other flags hold, the selected
    values first, then the most frequent."""
    column, label_column, is_list = _FACET_COLUMNS[facet]
    where = " AND ".join(f"b.f_{other}" for other in others) or "1 = 1"
    if is_list and _postgres():
        # unnest() in the select list (zipping the two arrays) costs a third less than a LATERAL join.
        labels = f", unnest(b.{label_column}) AS l" if label_column else ""
        source = f"(SELECT unnest(b.{column}) AS k{labels} FROM base b WHERE {where}) u"
        where = "1 = 1"
        key, label = "u.k", ("max(u.l)" if label_column else "max(u.k)")
    elif is_list:
        source = f"base b JOIN json_each(b.{column}) u"
        if label_column:
            source += f" JOIN json_each(b.{label_column}) v ON v.key = u.key"
        key, label = "u.value", ("max(v.value)" if label_column else "max(u.value)")
    else:
        source = "base b"
        key = f"CAST(b.{column} AS TEXT)" if facet in ("community", "year") else f"b.{column}"
        label = f"max({key})"
    params: list = []
    order = "count(*) DESC, 2"
    if selected:
        order = f"CASE WHEN {key} IN ({', '.join(['%s'] * len(selected))}) THEN 0 ELSE 1 END, " + order
        params += selected
    params.append(size + len(selected))
    sql = (
        f"SELECT * FROM (SELECT {key} AS v, {label} AS l, count(*) AS n FROM {source} "
        f"WHERE {where} AND {key} IS NOT NULL AND {key} <> '' GROUP BY {key} ORDER BY {order} LIMIT %s) f{facet}"
    )
    return sql, params


def _one_pass_facets() -> list[str]:
    """The facets counted in one pass (`_scalar_facets_sql`): on PostgreSQL those of one value per
    record; SQLite has no GROUPING SETS."""
    return [facet for facet in FACETS if not _FACET_COLUMNS[facet][2]] if _postgres() else []


def _scalar_facets_sql(query: SearchQuery, facets: list[str], selected: list[str], size: int) -> tuple[str, list]:
    """PostgreSQL: the counts of the facets of one value per record (community, resource type,
    licence, year) in one pass over the base (GROUPING SETS), each counted over the base records
    whose other flags hold (a FILTER per facet), then cut per facet as `_facet_sql` cuts one: the
    selected values first, then the most frequent, ties by value. The same rows as one `_facet_sql`
    per facet, for one read of the base instead of four."""
    keys = {facet: f"CAST(b.{_FACET_COLUMNS[facet][0]} AS TEXT)" for facet in facets}
    params: list = []
    name_cases, value_cases, count_cases, first_cases, limit_cases = [], [], [], [], []
    for facet in facets:
        column = _FACET_COLUMNS[facet][0]
        in_set = f"GROUPING(b.{column}) = 0"
        where = " AND ".join(f"b.f_{other}" for other in selected if other != facet) or "TRUE"
        name_cases.append(f"WHEN {in_set} THEN '{facet}'")
        value_cases.append(f"WHEN {in_set} THEN {keys[facet]}")
        count_cases.append(f"WHEN {in_set} THEN count(*) FILTER (WHERE {where})")
        chosen = query.selected(facet)
        if chosen:
            first_cases.append(f"WHEN g.f = '{facet}' AND g.v IN ({', '.join(['%s'] * len(chosen))}) THEN 0")
            params += chosen
        limit_cases.append(f"WHEN '{facet}' THEN {size + len(chosen)}")
    grouped = (
        f"SELECT CASE {' '.join(name_cases)} END AS f, CASE {' '.join(value_cases)} END AS v, "
        f"CASE {' '.join(count_cases)} END AS n FROM base b "
        f"GROUP BY GROUPING SETS ({', '.join(f'(b.{_FACET_COLUMNS[facet][0]})' for facet in facets)})"
    )
    first = f"CASE {' '.join(first_cases)} ELSE 1 END" if first_cases else "1"
    ranked = (
        f"SELECT g.f, g.v, g.n, row_number() OVER (PARTITION BY g.f ORDER BY {first}, g.n DESC, g.v) AS r "
        f"FROM ({grouped}) g WHERE g.v IS NOT NULL AND g.v <> '' AND g.n > 0"
    )
    sql = (
        f"SELECT fscalar.f, fscalar.v, fscalar.v, fscalar.n, NULL FROM (SELECT s.f, s.v, s.n FROM ({ranked}) s "
        f"WHERE s.r <= CASE s.f {' '.join(limit_cases)} END ORDER BY s.f, s.r) fscalar"
    )
    return sql, params


def _statement(
    query: SearchQuery, communities: dict[str, Any], facet_size: int, with_facets: bool
) -> tuple[str, list] | None:
    flags = _flags(query, communities)
    apart = _phrase_apart(query)
    identified = _identified(query.q) if apart else None
    base = (
        _base(query, loosened=apart, identified=identified).order_by().annotate(**flags).values(*_BASE_COLUMNS, *flags)
    )
    try:
        base_sql, base_params = base.query.sql_with_params()
    except EmptyResultSet:
        return None
    if apart and _runs_only(query.q):
        # Phrases of two or three words, matched exactly through the runs' index: nothing to check,
        # and the records that count nowhere (failing two facet filters) left out as they are read.
        base_sql = f"SELECT b.* FROM ({base_sql}) b WHERE {_counts_sql(list(flags))}"
    elif apart:
        # A phrase is checked on the record's tsvector, read from TOAST: only for the records that
        # the index (all the phrase's words), the area and the period left, and of those only the
        # ones that count somewhere (failing at most one facet filter: its own facet's counts).
        phrase_sql, phrase_params = _phrase_check_sql(query, list(flags), identified[1])
        base_sql = f"WITH loose AS MATERIALIZED ({base_sql}) SELECT b.* FROM loose b WHERE {phrase_sql}"
        base_params = (*base_params, *phrase_params)
    selected = [name.removeprefix("f_") for name in flags]
    matched_where = " AND ".join(f"b.{name}" for name in flags) or "1 = 1"
    materialized = "MATERIALIZED " if _postgres() else ""
    hits_sql, hits_params = _hits_sql(query)
    parts = ["SELECT 'total', NULL, NULL, (SELECT count(*) FROM matched), NULL", hits_sql]
    params = [*base_params, *hits_params]
    if with_facets:
        one_pass = _one_pass_facets()
        if one_pass:
            sql, facet_params = _scalar_facets_sql(query, one_pass, selected, facet_size)
            parts.append(sql)
            params += facet_params
        for facet in FACETS:
            if facet in one_pass:
                continue
            sql, facet_params = _facet_sql(
                facet, query.selected(facet), [other for other in selected if other != facet], facet_size
            )
            parts.append(f"SELECT '{facet}', f{facet}.v, f{facet}.l, f{facet}.n, NULL FROM ({sql}) f{facet}")
            params += facet_params
    statement = (
        f"WITH base AS {materialized}({base_sql}), "
        f"matched AS (SELECT b.id, b.publication_date, b.title, b.search_vector FROM base b WHERE {matched_where}) "
        + " UNION ALL ".join(parts)
    )
    return statement, params


def _runs_only(q: str) -> bool:
    """Whether the words are phrases of two or three words only, in every language they are read
    in, which the index of the records' runs of words answers exactly (`_IS_PAIRS_SQL`): one
    query, planned and run in well under a millisecond."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {_IS_PAIRS_SQL}", [_websearch_text(q)] * 2)
        return bool(cursor.fetchone()[0])


def _counts_sql(flags: list[str]) -> str:
    """The condition on a base record `b` that it counts somewhere: it fails at most one facet
    filter (its own facet's counts); a record failing two is in no count and in no hit."""
    if len(flags) < 2:
        return "TRUE"
    return " + ".join(f"(NOT coalesce(b.{flag}, false))::int" for flag in flags) + " <= 1"


def _phrase_check_sql(query: SearchQuery, flags: list[str], named: list[int]) -> tuple[str, list]:
    """The condition on a loosened base record `b` (`_phrase_apart`) that it counts somewhere and
    meets the words as written, phrases included, or is one the query names (`named`: by a file's
    name)."""
    words = f"b.search_vector @@ ({_TSQUERY_SQL})"
    # CASE: the flags first, whatever order the planner would give the two conditions.
    return f"CASE WHEN {_counts_sql(flags)} THEN ({words} OR b.id = ANY(%s)) ELSE false END", [
        *[_websearch_text(query.q)] * 2,
        named,
    ]


def _run(query: SearchQuery, communities: dict[str, Any], facet_size: int, with_facets: bool) -> list[tuple]:
    built = _statement(query, communities, facet_size, with_facets)
    if built is None:
        return [("total", None, None, 0, None)]
    statement, params = built
    with connection.cursor() as cursor:
        if _postgres():
            # For this transaction: no JIT compilation, whose cost (tens to hundreds of ms for a
            # statement of this size) PostgreSQL pays once the estimated cost passes jit_above_cost,
            # as it does from a few hundred thousand records, for no gain on a statement that runs
            # in under a second. work_mem (SEARCH_WORK_MEM): with the default 4 MB, the bitmap of the
            # records holding a word that 150,000 of a million hold turns lossy, and every record of
            # a lossy page is rechecked against its tsvector, read from TOAST (measured: 1.8 s, then
            # 0.8 with 32 MB). And, with words: the planner cannot tell that reading a tsvector out
            # of line is dear; it is told to match them through the GIN index, which reads none.
            seqscan = ", set_config('enable_seqscan', 'off', true)" if query.q else ""
            cursor.execute(
                f"SELECT set_config('jit', 'off', true), set_config('work_mem', %s, true){seqscan}",
                [settings.SEARCH_WORK_MEM],
            )
        cursor.execute(statement, params)
        return cursor.fetchall()


# --- Results ------------------------------------------------------------------------------------

_START, _STOP = "\x02", "\x03"  # ts_headline's (snippet's) marks, made <mark> once the text is escaped


def _marked(text: str) -> SafeString:
    return mark_safe(escape(text).replace(_START, "<mark>").replace(_STOP, "</mark>"))


def _cut(text: str) -> SafeString:
    if len(text) <= SNIPPET_CHARS:
        return escape(text)
    return escape(text[:SNIPPET_CHARS].rsplit(" ", 1)[0]) + mark_safe("…")


def _facets(
    rows: list[tuple], query: SearchQuery, communities: dict[str, Any], size: int
) -> dict[str, list[FacetValue]]:
    by_id = {str(c.pk): c for c in communities.values()}
    facets: dict[str, list[FacetValue]] = {facet: [] for facet in FACETS}
    for kind, value, label, count, _score in rows:
        if kind not in facets:
            continue
        if kind == "community":
            community = by_id.get(str(value))
            if community is None:
                continue
            value, label = community.slug, community.name
        facets[kind].append(
            FacetValue(value=str(value), label=str(label), count=count, selected=str(value) in query.selected(kind))
        )
    for facet, values in facets.items():
        # Selected values first in the query's order of counts, then the top of the others.
        chosen = [v for v in values if v.selected]
        others = [v for v in values if not v.selected][: max(0, size - len(chosen))]
        ordered = sorted(chosen + others, key=lambda v: (-v.count, v.label.casefold()))
        if facet == "year":
            ordered.sort(key=lambda v: v.value, reverse=True)
        facets[facet] = ordered
    return facets


def _hits(rows: list[tuple], query: SearchQuery) -> list[Hit]:
    """The page's records in order (one query, with their snippets)."""
    page = sorted((position, int(value), score) for kind, value, _label, position, score in rows if kind == "hit")
    if not page:
        return []
    records = (
        Record.objects.filter(pk__in=[pk for _p, pk, _s in page])
        .select_related("community")
        .defer("metadata", "search_vector")
    )
    match = fts.match(query.q) if query.q and not _postgres() else None
    snippet_sql = match.snippet(f"{Record._meta.db_table}.id", _START, _STOP) if match else None
    if query.q and _postgres():
        records = records.annotate(
            headline=SearchHeadline(
                "search_abstract",
                _tsquery(query.q),
                config=TEXT_CONFIGS[0],
                start_sel=_START,
                stop_sel=_STOP,
                max_words=35,
                min_words=15,
                max_fragments=2,
                fragment_delimiter=" … ",
            )
        )
    elif snippet_sql:
        records = records.annotate(headline=RawSQL(*snippet_sql))
    by_pk = {record.pk: record for record in records}
    hits = []
    for _position, pk, score in page:
        record = by_pk.get(pk)
        if record is None:  # withdrawn between the two queries
            continue
        if getattr(record, "headline", None) is not None:
            snippet = _marked(record.headline)
        else:
            snippet = _cut(record.search_abstract)
        hits.append(Hit(record=record, score=score, snippet=snippet))
    return hits


def _communities() -> dict[str, Any]:
    return {c.slug: c for c in Community.objects.all()}


def _browse_key(query: SearchQuery, facet_size: int, with_facets: bool) -> str | None:
    """The cache key of a browse (no words, area or period: only facets, sort and page), which
    counts over the whole collection and is asked again and again (the search page's first view).
    It changes with the latest `Record.modified`, which every publication, withdrawal and lifted
    embargo moves: a cached browse never outlives a change of the records."""
    if query.q or query.bbox or query.start or query.end:
        return None
    latest = Record.objects.aggregate(latest=Max("modified"))["latest"]
    described = json.dumps([query.params(), facet_size, with_facets, latest.isoformat() if latest else None])
    return "estran:search:browse:" + hashlib.sha256(described.encode()).hexdigest()


def search(query: SearchQuery, *, facet_size: int = FACET_SIZE, with_facets: bool = True) -> SearchResult:
    """A page of published records matching `query`, the total, and the facets: three queries on
    SQLite (communities, the statement, the page's records), four on PostgreSQL (the planner's
    settings for the statement), and with words one more (what they name), with a phrase one more
    (`_runs_only`); a browse (see
    `_browse_key`) asks for the latest change first and comes from the cache, when it is there, in
    three."""
    communities = _communities()
    key = _browse_key(query, facet_size, with_facets) if BROWSE_CACHE_SECONDS else None
    rows = cache.get(key) if key else None
    if rows is None:
        # On PostgreSQL the planner's setting lasts for this transaction; on SQLite a transaction
        # would be an IMMEDIATE one (config/settings/base.py), taking the write lock for a read.
        with transaction.atomic(savepoint=False) if _postgres() else nullcontext():
            rows = _run(query, communities, facet_size, with_facets)
        if key:
            cache.set(key, rows, BROWSE_CACHE_SECONDS)
    total = next((count for kind, _v, _l, count, _s in rows if kind == "total"), 0)
    facets = _facets(rows, query, communities, facet_size) if with_facets else {}
    return SearchResult(query=query, hits=_hits(rows, query), total=total, facets=facets)


def facet_values(values: Iterable[FacetValue]) -> list[dict]:
    return [{"value": v.value, "label": v.label, "count": v.count, "selected": v.selected} for v in values]
