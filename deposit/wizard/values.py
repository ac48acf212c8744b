"""The wizard's form values: a POST as {name: value}, the lines of a repeated group, typed numbers
and polygons, and the way back (a step's values as the flat names its inputs carry).

Field names follow the document's paths with dashes (`creators-1-orcid` is
`metadata["creators"][1]["orcid"]`)."""

from __future__ import annotations

import math
import re

from . import lenient


def flat(data) -> dict[str, str]:
    """A POST (QueryDict) or a dict as {name: value}: the last value of each name, stripped."""
    if hasattr(data, "lists"):
        return {k: (v[-1] if v else "").strip() for k, v in data.lists()}
    return {str(k): lenient.text(v).strip() for k, v in dict(data).items()}


# A line's index has at most six digits (more lines than any list holds); a longer run of digits is
# not a line of the form, and is ignored.
_ROW = re.compile(r"^(\d{1,6})-(.+)$")


def rows(values: dict[str, str], group: str) -> list[dict[str, str]]:
    """The lines of a repeated group (`creators-0-orcid`, `creators-1-orcid`…) in index order,
    each as {rest of the name: value}."""
    prefix = group + "-"
    found: dict[int, dict[str, str]] = {}
    for key, value in values.items():
        if key.startswith(prefix):
            match = _ROW.match(key[len(prefix) :])
            if match:
                found.setdefault(int(match[1]), {})[match[2]] = value
    return [found[i] for i in sorted(found)]


def number(typed: str):
    """A typed number as a float; what is not one is kept as typed (drafts are lenient); "" → None."""
    typed = (typed or "").strip()
    if not typed:
        return None
    candidate = typed.replace("\u2212", "-").replace(" ", "")
    if candidate.count(",") == 1 and "." not in candidate:
        candidate = candidate.replace(",", ".")  # a decimal comma
    try:
        value = float(candidate)
    except ValueError:
        return typed
    # "nan", "inf" and "1e999" are floats to Python but no JSON number: kept as typed, and flagged
    return value if math.isfinite(value) else typed


def parse_polygon(typed: str) -> list:
    """One vertex a line, `longitude, latitude` (or separated by spaces or a semicolon)."""
    points = []
    for line in (typed or "").splitlines():
        line = line.strip()
        if not line:
            continue
        parts = [p for p in re.split(r"[\s,;]+", line.replace("\u2212", "-")) if p]
        if len(parts) == 2:
            points.append({"longitude": number(parts[0]), "latitude": number(parts[1])})
        else:
            points.append({"longitude": line})  # kept as typed, flagged at the field
    return points


def format_polygon(points) -> str:
    lines = []
    ring = lenient.items(points)
    if len(ring) > 3 and ring[0] == ring[-1]:
        ring = ring[:-1]  # the closing vertex is implied
    for point in ring:
        lon, lat = lenient.text(point.get("longitude")), lenient.text(point.get("latitude"))
        lines.append(f"{lon}, {lat}" if lat else lon)
    return "\n".join(lines)


def set_or_drop(md: dict, key: str, value) -> None:
    """Set, or drop the key when nothing was typed."""
    if value in (None, "", [], {}):
        md.pop(key, None)
    else:
        md[key] = value


def flatten(values, prefix: str = "") -> dict[str, str]:
    """A step's read values as {field name: text}, the names the page's inputs carry."""
    out: dict[str, str] = {}
    if isinstance(values, dict):
        for key, value in values.items():
            out.update(flatten(value, f"{prefix}{key}-"))
    elif isinstance(values, list):
        for index, value in enumerate(values):
            out.update(flatten(value, f"{prefix}{index}-"))
    else:
        out[prefix[:-1]] = lenient.text(values)
    return out
