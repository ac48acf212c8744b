"""The measured variables of a deposit's files, derived from their stored previews (no file is read
again): a NetCDF header's data variables with their standard name, long name and units, a CSV
table's column headers with a unit only where the header states one beyond doubt. Shaped as the
metadata document's `variables` (`repository.metadata.Variable`). Pure functions: the previews
are data the caller passes (`deposit` holds them on its files, `moderation.previews` makes them).

Units: `unit_text` is the unit as the file writes it; `unit_code` is the UN/CEFACT common code
(UN/ECE Recommendation 20, the codes schema.org's `unitCode` names) of the few units in `UNIT_CODES`,
and nothing for the others: a code is never guessed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from . import limits
from .netcdf import CF_NAME_RE, CF_TABLE_URI, COORDINATE_NAMES, is_coordinate, is_flag

# UDUNITS spellings (and the usual others: `°C`, `m/s`) of units with a UN/CEFACT common code
# (UN/ECE Recommendation 20, revision 17, annex II): CEL degree Celsius, KEL kelvin, MTR metre, CMT
# centimetre, MMT millimetre, KMT kilometre, SEC second, MTS metre per second, PAL pascal, A97
# hectopascal, BAR bar, P1 percent, KMQ kilogram per cubic metre, WTT watt, D54 watt per square metre.
UNIT_CODES = {
    **dict.fromkeys(
        ("degC", "deg_C", "degree_C", "degrees_C", "degree_Celsius", "degrees_Celsius", "Celsius", "°C", "℃"), "CEL"
    ),
    **dict.fromkeys(("K", "kelvin", "degK"), "KEL"),
    **dict.fromkeys(("m", "meter", "meters", "metre", "metres"), "MTR"),
    "cm": "CMT",
    "mm": "MMT",
    "km": "KMT",
    **dict.fromkeys(("s", "sec", "second", "seconds"), "SEC"),
    **dict.fromkeys(("m s-1", "m/s", "m.s-1", "m s^-1", "meter second-1", "meters second-1"), "MTS"),
    **dict.fromkeys(("Pa", "pascal"), "PAL"),
    "hPa": "A97",
    "bar": "BAR",
    **dict.fromkeys(("%", "percent"), "P1"),
    **dict.fromkeys(("kg m-3", "kg/m3", "kg/m^3", "kg.m-3", "kg m^-3"), "KMQ"),
    "W": "WTT",
    **dict.fromkeys(("W m-2", "W/m2", "W/m^2", "W.m-2", "W m^-2"), "D54"),
}
# The pieces a unit is made of, for telling a unit in a CSV header's brackets from other words
# (`temp (sensor 2)` states no unit): each piece, its power taken off, must be one of these.
UNIT_ATOMS = frozenset(
    {
        *(u for u in UNIT_CODES if " " not in u and "/" not in u and "." not in u),
        *("g", "mg", "ug", "µg", "kg", "mol", "mmol", "umol", "µmol", "nmol", "l", "L", "ml", "mL", "dl"),
        *("dbar", "decibar", "mbar", "kPa", "psu", "PSU", "ppm", "ppb", "ppt", "S", "mS", "uS", "µS"),
        *("deg", "degree", "degrees", "degrees_north", "degrees_east", "degree_north", "degree_east"),
        *("h", "min", "d", "day", "days", "hour", "hours", "V", "mV", "A", "Hz", "N", "J", "sr", "lux"),
        *("NTU", "FTU", "FNU", "RFU", "dB", "um", "µm", "nm", "uE", "µE", "einstein", "1"),
    }
)
# A unit written at the end of a header after an underscore (`temp_degC`): only these, which name
# nothing else (`temp_c` might be Celsius, or a count, or a correction: no unit is read from it).
SUFFIX_UNITS = frozenset({"degC", "degK", "dbar", "decibar", "hPa", "kPa", "mbar", "psu", "PSU", "ppm", "ppb"})
_BRACKETED = re.compile(r"^(?P<name>.*\S)\s*(?:\((?P<round>[^()]{1,30})\)|\[(?P<square>[^\[\]]{1,30})\])$")
_POWER = re.compile(r"\^?[-+]?\d+$")
_NUMERIC_DTYPE = re.compile(r"^(u?int|float|complex)\d*$")
# CSV headers that name coordinates, beside the CF standard names of COORDINATE_NAMES.
COORDINATE_HEADERS = frozenset({"lat", "lon", "long", "date", "datetime", "timestamp"})


def unit_code(unit: str | None) -> str | None:
    """The UN/CEFACT common code of a unit written as UDUNITS writes it, or None."""
    return UNIT_CODES.get((unit or "").strip()) if unit else None


def is_unit(text: str) -> bool:
    """Whether `text` is a unit beyond doubt: a known one, or known pieces with powers (`umol kg-1`,
    `mg/m^3`, `W m-2`)."""
    text = text.strip()
    if text in UNIT_CODES:
        return True
    pieces = [p for p in re.split(r"[\s/*·.]+", text) if p]
    return bool(pieces) and all(_POWER.sub("", p) in UNIT_ATOMS or p in UNIT_ATOMS for p in pieces)


def _variable(name: str, *, description=None, property_id=None, unit=None) -> dict:
    variable = {"name": name}
    if description:
        variable["description"] = description[: limits.TITLE]
    if property_id:
        variable["property_id"] = property_id
    if unit and len(unit) <= limits.UNIT:
        variable["unit_text"] = unit
        if code := unit_code(unit):
            variable["unit_code"] = code
    return variable


def cf_property(standard_name) -> str | None:
    """A CF standard name's concept URI (its anchor in the CF table), as the NetCDF suggestions give it."""
    if isinstance(standard_name, str) and CF_NAME_RE.match(standard_name):
        return f"{CF_TABLE_URI}#{standard_name}"
    return None


def from_netcdf(preview: dict) -> list[dict]:
    """The data variables of a NetCDF header's preview: not its coordinates, flags or containers
    (the `role` `repository.netcdf.read_header` gave each; a preview made before it had roles is
    judged by the same rule on what it kept, which has no `axis`)."""
    found = []
    for var in preview.get("variables") or []:
        if not isinstance(var, dict) or not isinstance(var.get("name"), str) or not var["name"]:
            continue
        attributes = var.get("attributes") if isinstance(var.get("attributes"), dict) else {}
        role = var.get("role")
        if role is None:
            dimensions = var.get("dimensions") or []
            numeric = bool(_NUMERIC_DTYPE.match(str(var.get("dtype") or "")))
            role = (
                "coordinate"
                if is_coordinate(var["name"], dimensions, attributes)
                else "flag"
                if is_flag(attributes)
                else "data"
                if numeric and (attributes.get("units") or attributes.get("standard_name"))
                else "other"
            )
        if role != "data":
            continue
        found.append(
            _variable(
                var["name"],
                description=attributes.get("long_name"),
                property_id=cf_property(attributes.get("standard_name")),
                unit=attributes.get("units"),
            )
        )
    return found


def csv_column(header: str) -> dict | None:
    """A CSV column's variable from its header: the header as it is, and the unit it states in
    brackets (`temp (degC)`, `temp [°C]`) or after an underscore (`temp_degC`, `SUFFIX_UNITS` only)
    when that is a unit beyond doubt. None for a coordinate's column (time, lat, depth…) or an
    empty header."""
    header = (header or "").strip()
    if not header:
        return None
    bare, unit = header, None
    if match := _BRACKETED.match(header):
        inside = (match["round"] or match["square"]).strip()
        if is_unit(inside):
            bare, unit = match["name"], inside
    elif "_" in header:
        stem, _sep, suffix = header.rpartition("_")
        if suffix in SUFFIX_UNITS and stem:
            bare, unit = stem, suffix
    if bare.strip().lower() in COORDINATE_NAMES | COORDINATE_HEADERS:
        return None
    return _variable(header, unit=unit)


def from_table(preview: dict) -> list[dict]:
    """The columns of a CSV / TSV preview that has a header row."""
    header = preview.get("header")
    if not isinstance(header, list):
        return []
    return [v for cell in header if isinstance(cell, str) and (v := csv_column(cell))]


READERS = {"netcdf": from_netcdf, "table": from_table}


def from_previews(files: Iterable[tuple[str, dict]]) -> list[dict]:
    """The measured variables of files given as (name, preview), in the files' order, each name
    once (the first file's wins), at most `limits.VARIABLES`; each with `files`, the names of the
    files it is in (for the wizard to say; not part of the document)."""
    found: dict[str, dict] = {}
    for file_name, preview in files:
        reader = READERS.get((preview or {}).get("kind")) if isinstance(preview, dict) else None
        for variable in reader(preview) if reader else []:
            if variable["name"] in found:
                found[variable["name"]]["files"].append(file_name)
            elif len(found) < limits.VARIABLES:
                found[variable["name"]] = {**variable, "files": [file_name]}
    return list(found.values())


def document_variables(found: Iterable[dict]) -> list[dict]:
    """`from_previews`' variables as the document holds them (without `files`)."""
    return [{k: v for k, v in variable.items() if k != "files"} for variable in found]


def concept_label(uri: str | None) -> str:
    """A concept URI's short name, for a page to show: a CF standard name (the anchor), an NVS
    code (the last segment: `TEMP`, `PSALST01`)."""
    if not uri:
        return ""
    if "#" in uri:
        return uri.rsplit("#", 1)[1] or uri
    return next((part for part in reversed(uri.split("/")) if part), uri)
