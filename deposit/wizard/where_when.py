"""Step 3, where and when: the locations (a place name, a box, a point or a polygon), the time span,
the depths or altitudes, the keyword groups of places, platforms, instruments and measured
parameters, and the table of measured variables.

The variables table: the document's `variables`, and the variables the deposit's ready files hold
(`repository.variables`, from their stored previews) that it does not. The document's key says
whether the depositor decided: absent, nobody has, and the files' variables are offered ticked
(submission fills them in if nobody ever does: `deposit.services.lifecycle`); present (even
empty), the list is the depositor's, and a variable of the files not in it is offered unticked, so
that one the depositor unticked never comes back by itself. The page marks that it showed a table
(`variables-shown`): a step saved before any file had variables leaves the key absent."""

from __future__ import annotations

from typing import ClassVar

from django.utils.translation import gettext_lazy

from repository import variables as file_variables

from .base import Check, FieldPath, Step
from .keywords import (
    KEYWORD_GROUPS,
    WHERE_TYPES,
    anchor_group,
    group_of,
    group_rows,
    subject_anchor,
    subjects_from,
    subjects_in,
)
from .lenient import mapping, sequence, text
from .values import format_polygon, number, parse_polygon, rows, set_or_drop

GROUPS = tuple(g for g in KEYWORD_GROUPS if g.step == "where_when")
BOX_KEYS = ("west", "east", "south", "north")
POINT_KEYS = ("longitude", "latitude")
EXTENT_KEYS = ("start", "end", "ongoing", "minimum", "maximum", "reference")
VARIABLE_KEYS = ("name", "description", "property_id", "unit_text")
TICKED = ("on", "true", "1")


def _location(location: dict) -> dict:
    location = mapping(location)
    box, point = mapping(location.get("box")), mapping(location.get("point"))
    kind = (
        "box"
        if location.get("box") is not None
        else "point"
        if location.get("point") is not None
        else "polygon"
        if location.get("polygon") is not None
        else "place"
    )
    return {
        "kind": kind,
        "place": text(location.get("place")),
        "box": {k: text(box.get(k)) for k in BOX_KEYS},
        "point": {k: text(point.get(k)) for k in POINT_KEYS},
        "polygon": format_polygon(location.get("polygon")),
    }


def _typed_location(row: dict[str, str]) -> dict:
    kind = row.get("kind", "place")
    location: dict = {}
    if row.get("place"):
        location["place"] = row["place"]
    if kind == "box":
        box = {k: number(row.get(f"box-{k}", "")) for k in BOX_KEYS}
        if any(v is not None for v in box.values()):
            location["box"] = {k: v for k, v in box.items() if v is not None}
    elif kind == "point":
        point = {k: number(row.get(f"point-{k}", "")) for k in POINT_KEYS}
        if any(v is not None for v in point.values()):
            location["point"] = {k: v for k, v in point.items() if v is not None}
    elif kind == "polygon":
        polygon = parse_polygon(row.get("polygon", ""))
        if polygon:
            location["polygon"] = polygon
    return location


def _typed_variable(row: dict[str, str]) -> dict | None:
    """A kept line of the table as the document holds it; the unit's code follows its text (never
    typed, never guessed: `repository.variables.unit_code`)."""
    if row.get("keep", "") not in TICKED or not row.get("name"):
        return None
    variable = {k: row[k] for k in VARIABLE_KEYS if row.get(k)}
    if code := file_variables.unit_code(variable.get("unit_text")):
        variable["unit_code"] = code
    return variable


def variables_table(metadata, found: list[dict], rows_shown=None) -> dict:
    """The lines of the variables table: the document's (or `rows_shown`, a form being shown
    again), ticked, then the variables `found` in the files (`deposit.selectors.files_variables`)
    that it lacks, ticked only while nobody decided. Each line names the files it is in."""
    md = mapping(metadata)
    decided = isinstance(md.get("variables"), list)
    shown = rows_shown if rows_shown is not None else [_variable_values(v) for v in sequence(md.get("variables"))]
    files_of = {v["name"]: v["files"] for v in found}
    lines = [{**v, "keep": True, "files": files_of.get(v["name"], [])} for v in shown]
    names = {v["name"] for v in shown}
    offered = [
        {**_variable_values(v), "keep": not decided, "files": v["files"], "offered": True}
        for v in found
        if v["name"] not in names
    ]
    return {
        "lines": lines + offered,
        "offered": len(offered),
        "decided": decided,
        "shown": bool(lines or offered),
        "new": {"keep": True},  # a line the depositor adds
    }


def _variable_values(variable) -> dict:
    variable = mapping(variable)
    return {k: text(variable.get(k)) for k in VARIABLE_KEYS}


class WhereWhen(Step):
    slug = "where_when"
    label = gettext_lazy("Where and when")
    title = gettext_lazy("Where and when")
    summary = gettext_lazy(
        "Where and when the data were collected, at which depths or altitudes, with what, and what was measured."
    )
    defaults: ClassVar[dict[str, str]] = {"vertical_extent-reference": "depth"}
    checks = (
        Check(
            "geo_locations",
            gettext_lazy("Location"),
            False,
            lambda md, deposit, files: bool(sequence(md.get("geo_locations"))),
        ),
        Check(
            "temporal_extent",
            gettext_lazy("Time span"),
            False,
            lambda md, deposit, files: bool(mapping(md.get("temporal_extent")).get("start")),
        ),
        Check(
            "parameters",
            gettext_lazy("Measured parameters"),
            False,
            lambda md, deposit, files: any(group_of(s) == "parameters" for s in subjects_in(md)),
        ),
    )

    def read(self, metadata, deposit=None) -> dict:
        md = mapping(metadata)
        temporal, vertical = mapping(md.get("temporal_extent")), mapping(md.get("vertical_extent"))
        values = {
            "geo_locations": [_location(location) for location in sequence(md.get("geo_locations"))],
            "temporal_extent": {
                "start": text(temporal.get("start")),
                "end": text(temporal.get("end")),
                "ongoing": bool(temporal.get("ongoing")),
            },
            "vertical_extent": {
                "minimum": text(vertical.get("minimum")),
                "maximum": text(vertical.get("maximum")),
                "reference": text(vertical.get("reference")) or "depth",
            },
        }
        for group in GROUPS:
            values[group.name] = group_rows(md, group.name)
        values["variables"] = [_variable_values(v) for v in sequence(md.get("variables"))]
        return values

    def merge_values(self, md, values):
        locations = [_typed_location(row) for row in rows(values, "geo_locations")]
        set_or_drop(md, "geo_locations", [location for location in locations if location])
        start, end = values.get("temporal_extent-start", ""), values.get("temporal_extent-end", "")
        ongoing = values.get("temporal_extent-ongoing", "") in ("on", "true", "1")
        if start or end or ongoing:
            temporal = {"start": start, "ongoing": ongoing}
            if end and not ongoing:
                temporal["end"] = end
            md["temporal_extent"] = temporal
        else:
            md.pop("temporal_extent", None)
        minimum = number(values.get("vertical_extent-minimum", ""))
        maximum = number(values.get("vertical_extent-maximum", ""))
        if minimum is not None or maximum is not None:
            vertical = {"unit": "m", "reference": values.get("vertical_extent-reference") or "depth"}
            if minimum is not None:
                vertical["minimum"] = minimum
            if maximum is not None:
                vertical["maximum"] = maximum
            md["vertical_extent"] = vertical
        else:
            md.pop("vertical_extent", None)
        new = []
        for group in GROUPS:
            new += subjects_from(values, group.name, group.keyword_type)
        # Describe's subjects are kept as they are (whatever their shape).
        kept = [
            s for s in sequence(md.get("subjects")) if str(mapping(s).get("keyword_type") or "theme") not in WHERE_TYPES
        ]
        set_or_drop(md, "subjects", kept + new)
        lines = rows(values, "variables")
        if lines or values.get("variables-shown"):
            # Shown and saved: the depositor's list, even empty (see the module's docstring).
            md["variables"] = [v for v in map(_typed_variable, lines) if v]
        return ...

    def anchor(self, path: FieldPath, metadata, files):
        top, rest, index = path.top, path.rest, path.index
        if top == "geo_locations":
            if index is None:
                return "f-geo_locations"
            leaf = rest[1:]
            if not leaf:
                return f"f-geo_locations-{index}"
            if leaf[0] in ("box", "point"):
                if len(leaf) > 1:
                    return f"f-geo_locations-{index}-{leaf[0]}-{leaf[1]}"
                return f"f-geo_locations-{index}-{leaf[0]}"
            if leaf[0] == "polygon":
                return f"f-geo_locations-{index}-polygon"
            return f"f-geo_locations-{index}-place"
        if top in ("temporal_extent", "vertical_extent"):
            if rest and rest[0] in EXTENT_KEYS:
                return f"f-{top}-{rest[0]}"
            return f"f-{top}"
        if top == "dates":
            return "f-temporal_extent"
        if top == "variables":
            if index is None:
                return "f-variables"
            leaf = rest[1:]
            if leaf and leaf[0] in (*VARIABLE_KEYS, "unit_code"):
                return f"f-variables-{index}-{'unit_text' if leaf[0] == 'unit_code' else leaf[0]}"
            return f"f-variables-{index}-name"
        if top == "subjects":
            anchor = subject_anchor(metadata, index)
            return anchor if anchor_group(anchor) in {g.name for g in GROUPS} else None
        return None
