"""The search page (`/search`): the query from the GET form, one call to `repository.search`, the
page. Works without JavaScript; `static/js/search.js` adds the map's box drawing and submits the
form when a filter changes."""

from __future__ import annotations

from urllib.parse import urlencode

from django.shortcuts import render
from django.utils.translation import gettext as _, gettext_lazy
from django.views.decorators.http import require_safe

from core.errors import ValidationFailed

from . import search
from .metadata import LICENCES
from .templatetags.landing_tags import resource_type_label

FACET_TITLES = {
    "community": gettext_lazy("Community"),
    "keyword": gettext_lazy("Keyword"),
    "resource_type": gettext_lazy("Resource type"),
    "licence": gettext_lazy("Licence"),
    "year": gettext_lazy("Publication year"),
    "creator": gettext_lazy("Creator"),
}
SORTS = [
    ("relevance", gettext_lazy("Relevance")),
    ("newest", gettext_lazy("Newest first")),
    ("oldest", gettext_lazy("Oldest first")),
    ("title", gettext_lazy("Title (A–Z)")),
]
# Which form input shows a problem of each query field.
PROBLEM_INPUTS = {
    "bbox": "west",
    "start": "start",
    "end": "end",
    "page": "q",
    "size": "q",
    "sort": "sort",
    "q": "q",
    "year": "q",
}


def licence_label(identifier: str) -> str:
    """A licence's name (its SPDX identifier when Estran does not know it)."""
    rights = LICENCES.get(identifier)
    return rights.title if rights else identifier


def _url(query: search.SearchQuery, **changes) -> str:
    params = query.params(**changes)
    return "?" + urlencode(params) if params else "?"


def _pages(result: search.SearchResult) -> list[int | None]:
    """Page numbers to link: the first, the last, and two around the current one (None: a gap)."""
    shown = sorted({1, result.pages, *range(max(1, result.page - 2), min(result.pages, result.page + 2) + 1)})
    pages: list[int | None] = []
    for number in shown:
        if pages and number - pages[-1] > 1:
            pages.append(None)
        pages.append(number)
    return pages


def _active_filters(query: search.SearchQuery, facets: dict) -> list[dict]:
    """Each filter in use, with the link that removes it."""
    labels = {(name, v.value): v.label for name, values in facets.items() for v in values}
    active = []
    for name in search.FACETS:
        for value in query.selected(name):
            rest = [v for v in getattr(query, name) if str(v) != value]
            # A resource type chosen but matching nothing now is not among the facet's values.
            if name == "resource_type":
                label = resource_type_label(value)
            elif name == "licence":
                label = licence_label(value)
            else:
                label = labels.get((name, value), value)
            active.append(
                {
                    "facet": FACET_TITLES[name],
                    "label": label,
                    "url": _url(query, **{name: rest, "page": 1}),
                }
            )
    if query.bbox:
        b = query.bbox
        active.append(
            {
                "facet": _("Area"),
                "label": _("W %(w)s, S %(s)s, E %(e)s, N %(n)s")
                % {
                    "w": search.degrees(b.west),
                    "s": search.degrees(b.south),
                    "e": search.degrees(b.east),
                    "n": search.degrees(b.north),
                },
                "url": _url(query, bbox=None, page=1),
            }
        )
    if query.start or query.end:
        active.append(
            {
                "facet": _("Time"),
                "label": f"{query.start or '…'} – {query.end or '…'}",
                "url": _url(query, start=None, end=None, page=1),
            }
        )
    return active


@require_safe
def search_page(request):
    """Search and browse the published records: full text, facets, a box drawn on the map, a
    period, sorting and pages."""
    form = {key: request.GET.get(key, "") for key in ("q", "west", "south", "east", "north", "start", "end", "sort")}
    problems: dict[str, list[str]] = {}
    try:
        query = search.query_from_querydict(request.GET)
    except ValidationFailed as exc:
        for problem in exc.problems or [{"field": "q", "message": exc.message}]:
            problems.setdefault(PROBLEM_INPUTS.get(problem["field"], problem["field"]), []).append(
                _(problem["message"])
            )
        query = None
    result = search.search(query) if query is not None else None
    if query is not None and query.bbox:
        b = query.bbox
        form.update(
            west=search.degrees(b.west),
            south=search.degrees(b.south),
            east=search.degrees(b.east),
            north=search.degrees(b.north),
        )
    facets = []
    if result is not None:
        types = result.facets.get("resource_type", [])
        for value in types:
            value.label = resource_type_label(value.value)  # DataCite's name in the reader's words
        types.sort(key=lambda v: (-v.count, v.label.casefold()))  # the order the reader reads, labels included
        for value in result.facets.get("licence", []):
            value.label = licence_label(value.value)  # the licence's name, as the landing page gives it
        facets = [
            {"name": name, "title": FACET_TITLES[name], "values": values}
            for name, values in result.facets.items()
            if values
        ]
    context = {
        "query": query,
        "result": result,
        "form": form,
        "problems": problems,
        "facets": facets,
        "sorts": SORTS,
        "current_sort": query.effective_sort.value if query else (form["sort"] or "relevance"),
        "active_filters": _active_filters(query, result.facets) if result is not None else [],
        "clear_url": "?",
    }
    if result is not None:
        context.update(
            pages=[(n, _url(query, page=n)) if n else (None, None) for n in _pages(result)],
            previous_url=_url(query, page=result.page - 1) if result.page > 1 else None,
            next_url=_url(query, page=result.page + 1) if result.page < result.pages else None,
            last_rank=min(result.total, result.first_rank + len(result.hits) - 1),
        )
    status = 400 if problems else 200
    return render(request, "repository/search.html", context, status=status)
