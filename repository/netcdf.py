"""Suggestions for a deposit's "where and when" from a NetCDF file: the box, the time and vertical
extents and the measured parameters, read from the CF / ACDD attributes (and, where those are
missing, from the coordinate variables' values), shaped as parts of the metadata document.

The depositor accepts or edits them in the wizard: nothing here is stored. Each suggestion says
where it came from in `notes`, and what could not be used is said there too rather than guessed.

Also the header the review page previews (`read_header`). Both readers take untrusted files and
hand them to the netCDF C library, so they are run by `repository.sandbox` in a child process
with memory and time limits, and they check the header first (`check_header`): a classic header
whose counts and lengths the file cannot hold, or an HDF5 file without its signature, never
reaches the library. This module imports no models, so that the child can import it alone.
"""

from __future__ import annotations

import math
import os
import re
import warnings
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _, ngettext

# numpy is imported where a file's values are read (in the sandbox child, `read_header`), not here:
# every Django process imports this module (through the variables' derivation), and numpy is a
# quarter of a second of each one's start.
if TYPE_CHECKING:
    import numpy as np

# The CF standard-name table is not on the machine (nor is NERC's P07 collection, whose concept
# URIs use identifiers like CFSN0335 that cannot be derived from a name), so a standard name is
# suggested as it stands, with the table's page as its thesaurus and the name's anchor on that
# page as its concept URI. The name is not checked against the table; only its spelling is.
CF_STANDARD_NAMES = "CF Standard Names"
CF_TABLE_URI = "https://cfconventions.org/Data/cf-standard-names/current/build/cf-standard-name-table.html"
CF_NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")

# Names of coordinates, not of measured quantities.
COORDINATE_NAMES = frozenset(
    {
        "time",
        "latitude",
        "longitude",
        "depth",
        "altitude",
        "height",
        "height_above_mean_sea_level",
        "grid_latitude",
        "grid_longitude",
        "projection_x_coordinate",
        "projection_y_coordinate",
        "forecast_reference_time",
        "forecast_period",
        "model_level_number",
    }
)
LATITUDE_UNITS = frozenset({"degrees_north", "degree_north", "degree_n", "degrees_n", "degreen", "degreesn"})
LONGITUDE_UNITS = frozenset({"degrees_east", "degree_east", "degree_e", "degrees_e", "degreee", "degreese"})
METRE_UNITS = frozenset({"m", "meter", "meters", "metre", "metres"})
PRESSURE_UNITS = frozenset({"dbar", "decibar", "decibars", "bar", "bars", "pa", "hpa", "kpa", "mbar", "millibar"})
# Coordinate arrays larger than this are not read (a fallback only; the attributes come first).
# Reading one makes a few copies of it (masked, compressed): 10 million doubles stay well inside
# the reader's memory limit (FILE_PARSE_MEMORY_LIMIT, 1 GiB by default).
MAX_COORDINATE_VALUES = 10_000_000

# Attributes that make a variable a set of flags (CF 3.5), not of values.
FLAG_ATTRIBUTES = ("flag_values", "flag_meanings", "flag_masks")


def is_coordinate(name: str, dimensions, attributes: dict) -> bool:
    """Whether a variable locates the data rather than measures something: a coordinate variable
    (one dimension, of its own name), one that states an `axis`, a latitude or a longitude (by
    standard name or units), or a time (CF time units, `days since 1950-01-01`). `attributes`
    holds the file's `standard_name`, `units` and `axis` when it gives them. A variable that only
    says `positive` may be a measured pressure (a glider's sea_water_pressure): only an `axis` marks
    the vertical one. One rule for the suggestions (`_Extraction.parameters`) and the header's
    preview (`read_header`), which `repository.variables` reads."""
    standard_name = attributes.get("standard_name")
    units = str(attributes.get("units") or "").strip().lower()
    return (
        tuple(dimensions) == (name,)
        or bool(attributes.get("axis"))
        or standard_name in ("latitude", "longitude")
        or units in LATITUDE_UNITS
        or units in LONGITUDE_UNITS
        or " since " in units  # a time, or a forecast's reference time or period
    )


def is_flag(attributes: dict) -> bool:
    """Whether a variable holds quality flags or status codes rather than values: CF's
    `flag_values`, `flag_meanings` or `flag_masks`, or a standard name with a modifier
    (`sea_water_temperature status_flag`)."""
    standard_name = attributes.get("standard_name")
    return any(attributes.get(a) is not None for a in FLAG_ATTRIBUTES) or (
        isinstance(standard_name, str) and " " in standard_name.strip()
    )


class NotNetCDF(ValueError):
    """The file is not one the NetCDF library can open, or its header cannot be honest."""


# --- Before the library sees the file -------------------------------------------------------------

CLASSIC_VERSIONS = {b"CDF\x01": 1, b"CDF\x02": 2, b"CDF\x05": 5}
HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"
# netcdf.h's NC_MAX_NAME and NC_MAX_VAR_DIMS: the longest name, the most dimensions of a variable.
NC_MAX_NAME = 256
NC_MAX_VAR_DIMS = 1024
# Bytes of one value of each nc_type: byte, char, short, int, float, double; CDF-5 adds ubyte,
# ushort, uint, int64, uint64.
NC_TYPE_SIZES = {1: 1, 2: 1, 3: 2, 4: 4, 5: 4, 6: 8, 7: 1, 8: 2, 9: 4, 10: 8, 11: 8}
_ABSENT, _NC_DIMENSION, _NC_VARIABLE, _NC_ATTRIBUTE = 0x00, 0x0A, 0x0B, 0x0C
# The header is walked item by item in Python; real files have hundreds of items, not millions.
MAX_HEADER_ITEMS = 200_000
# Reading one value of a chunked variable brings its whole chunk into memory (and a 4 GiB chunk of
# zeros compresses to a few megabytes): larger chunks than this are refused.
MAX_CHUNK_BYTES = 256 * 1024**2


def netcdf_kind(path: str | Path) -> str | None:
    """`classic` or `hdf5` (NetCDF-4) from the file's signature, None when it has neither. An HDF5
    superblock is at 0 or after a user block of 512, 1024, 2048… bytes. Reads a few bytes only."""
    size = os.path.getsize(path)
    with open(path, "rb") as fh:
        if fh.read(4) in CLASSIC_VERSIONS:
            return "classic"
        return "hdf5" if _hdf5_superblock(fh, size) is not None else None


def _hdf5_superblock(fh, size: int) -> int | None:
    """The offset of the HDF5 signature (0, 512, 1024, 2048…), or None: at most log2(size) reads."""
    offset = 0
    while offset + len(HDF5_SIGNATURE) <= size:
        fh.seek(offset)
        if fh.read(len(HDF5_SIGNATURE)) == HDF5_SIGNATURE:
            return offset
        offset = 512 if offset == 0 else offset * 2
    return None


def check_header(path: str | Path) -> None:
    """Refuse (NotNetCDF) a file whose header cannot be honest, before the library allocates what
    it declares: no NetCDF signature; an HDF5 superblock of an unknown version or with impossible
    sizes; a classic header whose counts or lengths need more bytes than the file has (an 80-byte
    file declaring 2^31 dimensions), names longer than NC_MAX_NAME, unknown types, or dimension
    ids that do not exist."""
    kind = netcdf_kind(path)
    if kind is None:
        raise NotNetCDF("no NetCDF signature (CDF or HDF5)")
    size = os.path.getsize(path)
    with open(path, "rb") as fh:
        if kind == "classic":
            _ClassicHeader(fh, size).walk()
        else:
            _check_hdf5_superblock(fh, size)


def _check_hdf5_superblock(fh, size: int) -> None:
    offset = _hdf5_superblock(fh, size)
    if offset is None:
        raise NotNetCDF("no HDF5 signature")
    fh.seek(offset + len(HDF5_SIGNATURE))
    fields = fh.read(8)
    if len(fields) < 8:
        raise NotNetCDF("HDF5 superblock cut short")
    version = fields[0]
    # Versions 0 and 1 give the sizes of offsets and lengths at bytes 13-14, versions 2 and 3 at 9-10.
    if version in (0, 1):
        sizes = fields[5:7]
    elif version in (2, 3):
        sizes = fields[1:3]
    else:
        raise NotNetCDF(f"HDF5 superblock version {version} unknown")
    if any(s not in (2, 4, 8, 16, 32) for s in sizes):
        raise NotNetCDF(f"HDF5 superblock with sizes {list(sizes)}")


def _padded(n: int) -> int:
    return n + (-n % 4)


class _ClassicHeader:
    """The header of a classic file (CDF-1; CDF-2, 64-bit offsets; CDF-5, 64-bit data), walked
    without trusting it: every count is weighed against the bytes left in the file before anything
    is read for it, and what is not needed (attribute values) is skipped, not read."""

    def __init__(self, fh, size: int):
        self.fh, self.size, self.pos, self.items = fh, size, 0, 0

    def left(self) -> int:
        return self.size - self.pos

    def skip(self, n: int) -> None:
        if n > self.left():
            raise NotNetCDF(f"the header declares {n} bytes at byte {self.pos}, the file has {self.size}")
        self.fh.seek(n, os.SEEK_CUR)
        self.pos += n

    def integer(self, n: int) -> int:
        if n > self.left():
            raise NotNetCDF(f"the header is cut short at byte {self.pos}")
        self.pos += n
        return int.from_bytes(self.fh.read(n), "big")

    def walk(self) -> None:
        version = CLASSIC_VERSIONS[self.fh.read(4)]
        self.pos = 4
        # CDF-5 writes counts, lengths and sizes on 8 bytes; CDF-1 and CDF-2 on 4.
        self.wide = 8 if version == 5 else 4
        self.types = NC_TYPE_SIZES if version == 5 else {t: s for t, s in NC_TYPE_SIZES.items() if t <= 6}
        numrecs = self.integer(self.wide)
        lengths = [0] * self.count(_NC_DIMENSION, "dimensions", smallest=2 * self.wide + 4)
        for i in range(len(lengths)):
            self.name()
            lengths[i] = self.integer(self.wide)
        self.attributes()
        variables = self.count(_NC_VARIABLE, "variables", smallest=4 * self.wide + 16)
        fixed, records = [], []  # (begin, bytes of the variable, or of one of its records)
        for _i in range(variables):
            self.name()
            ndims = self.integer(self.wide)
            if ndims > NC_MAX_VAR_DIMS or ndims * self.wide > self.left():
                raise NotNetCDF(f"a variable with {ndims} dimensions")
            self.items += ndims
            shape = []
            for _j in range(ndims):
                dimid = self.integer(self.wide)
                if dimid >= len(lengths):
                    raise NotNetCDF("a variable names a dimension that does not exist")
                shape.append(lengths[dimid])
            self.attributes()
            value_size = self.type()
            self.integer(self.wide)  # vsize: recomputed below, as the library does
            begin = self.integer(4 if version == 1 else 8)
            is_record = bool(shape) and shape[0] == 0
            size = math.prod(shape[1:] if is_record else shape) * value_size
            (records if is_record else fixed).append((begin, size))
        self.check_data(fixed, records, numrecs)

    def check_data(self, fixed: list, records: list, numrecs: int) -> None:
        """The data the header places must be in the file: a truncated file is refused here, as the
        library would open it and read zeros. (netCDF-C pads a file to its full size when it closes
        it, even in no-fill mode, so a whole file always holds it.)"""
        ends = [begin + size for begin, size in fixed]
        streaming = numrecs == (1 << (8 * self.wide)) - 1
        if records and numrecs and not streaming:
            # One record variable: records are not padded; several: each slab is, to 4 bytes.
            record_size = records[0][1] if len(records) == 1 else sum(_padded(size) for _b, size in records)
            ends += [begin + (numrecs - 1) * record_size + size for begin, size in records]
        if ends and max(ends) > self.size:
            raise NotNetCDF(f"the header places data up to byte {max(ends)}, the file has {self.size}: truncated")

    def count(self, tag: int, what: str, *, smallest: int) -> int:
        found, n = self.integer(4), self.integer(self.wide)
        if found == _ABSENT and n == 0:
            return 0
        if found != tag:
            raise NotNetCDF(f"the header's list of {what} has tag {found:#x}")
        if n * smallest > self.left():
            raise NotNetCDF(f"the header declares {n} {what} in a file of {self.size} bytes")
        self.items += n
        if self.items > MAX_HEADER_ITEMS:
            raise NotNetCDF(f"the header declares more than {MAX_HEADER_ITEMS} items")
        return n

    def name(self) -> None:
        length = self.integer(self.wide)
        if not 1 <= length <= NC_MAX_NAME:
            raise NotNetCDF(f"a name of {length} bytes")
        self.skip(_padded(length))

    def type(self) -> int:
        nc_type = self.integer(4)
        if nc_type not in self.types:
            raise NotNetCDF(f"unknown type {nc_type}")
        return self.types[nc_type]

    def attributes(self) -> None:
        for _i in range(self.count(_NC_ATTRIBUTE, "attributes", smallest=2 * self.wide + 8)):
            self.name()
            value_size = self.type()
            self.skip(_padded(self.integer(self.wide) * value_size))


def check_chunking(dataset) -> None:
    """Refuse a NetCDF-4 file whose variables declare chunks that reading would hold in memory
    whole: larger than MAX_CHUNK_BYTES, or larger than a dimension of fixed size."""
    for var in dataset.variables.values():
        chunking = var.chunking()
        if not isinstance(chunking, list):  # contiguous, or a classic file
            continue
        value_size = max(getattr(var.dtype, "itemsize", 8), 1)
        if math.prod(chunking) * value_size > MAX_CHUNK_BYTES:
            raise NotNetCDF(f"variable {var.name!r} has chunks of {chunking} values")
        for chunk, dimension in zip(chunking, var.get_dims(), strict=False):
            if not dimension.isunlimited() and chunk > max(len(dimension), 1):
                raise NotNetCDF(f"variable {var.name!r} has chunks larger than its dimensions")


def _open(path: str | Path):
    """The dataset, read-only, once its header passed `check_header` and its chunking
    `check_chunking`. Raises NotNetCDF."""
    check_header(path)
    with warnings.catch_warnings():
        # Cython's binary-compatibility check warns about numpy.ndarray's size; the warning is a
        # known false alarm that numpy itself silences, but only in the filters of its first import.
        warnings.filterwarnings("ignore", message="numpy.ndarray size changed", category=RuntimeWarning)
        import netCDF4  # noqa: PLC0415 - heavy (HDF5), loaded only in the sandbox child that reads a NetCDF file

    try:
        dataset = netCDF4.Dataset(str(path), "r")
    except OSError as exc:
        raise NotNetCDF(str(exc)) from exc
    try:
        check_chunking(dataset)
    except BaseException:
        dataset.close()
        raise
    return dataset


def extract_suggestions(path: str | Path) -> dict[str, Any]:
    """What a NetCDF file says about its extent and contents.

    Returns `notes` (what came from where, and what was left out) and `variables` (each data
    variable's name, standard_name, long_name and units) always, and, when found, parts of the
    metadata document: `titles`, `descriptions`, `geo_locations` (one box, or one point),
    `temporal_extent` (`start`, and `end` when known), `vertical_extent` and `subjects` (the file's
    keywords, and its variables' standard names as parameters). Raises NotNetCDF. Untrusted files
    are read through `repository.sandbox.run_isolated("repository.netcdf:extract_suggestions", …)`."""
    with _open(path) as dataset:
        return _Extraction(dataset).run()


# --- The header, for the review page's preview ------------------------------------------------------

MAX_DIMENSIONS = 200
MAX_VARIABLES = 200
MAX_ATTRIBUTES = 100
MAX_ATTRIBUTE_CHARS = 500
VARIABLE_ATTRIBUTES = ("standard_name", "long_name", "units")
# What `is_coordinate` reads of a variable.
COORDINATE_ATTRIBUTES = ("standard_name", "units", "axis")


def read_header(path: str | Path) -> dict[str, Any]:
    """Dimensions, variables (with their standard name, long name and units, and their `role`:
    `coordinate`, `flag` or `data`, see `_role`) and global attributes, read from the header only
    (no data), each list capped (`more_…` counts what was left out). Raises NotNetCDF. Untrusted
    files are read through `repository.sandbox`."""
    with _open(path) as ds:
        all_dimensions = list(ds.dimensions.values())
        dimensions = [
            {"name": d.name, "size": len(d), "unlimited": bool(d.isunlimited())}
            for d in all_dimensions[:MAX_DIMENSIONS]
        ]
        variables = []
        all_variables = list(ds.variables.values())
        for var in all_variables[:MAX_VARIABLES]:
            names = [n for n in var.ncattrs() if n in VARIABLE_ATTRIBUTES]
            variables.append(
                {
                    "name": var.name,
                    "dimensions": list(var.dimensions),
                    "dtype": "string" if var.dtype is str else str(var.dtype),
                    "attributes": {a["name"]: a["value"] for a in _header_attributes(var, names)},
                    "role": _role(var),
                }
            )
        names = list(ds.ncattrs())
        return {
            "format": ds.data_model,
            "dimensions": dimensions,
            "more_dimensions": max(0, len(all_dimensions) - MAX_DIMENSIONS),
            "variables": variables,
            "more_variables": max(0, len(all_variables) - MAX_VARIABLES),
            "attributes": _header_attributes(ds, names[:MAX_ATTRIBUTES]),
            "more_attributes": max(0, len(names) - MAX_ATTRIBUTES),
            "groups": list(ds.groups)[:50],
        }


def _role(var) -> str:
    """`coordinate` (`is_coordinate`), `flag` (`is_flag`), `data` for a quantity the file measures
    or computes, `other` for the rest (text, indices, containers of attributes)."""
    attributes = _attributes(var, COORDINATE_ATTRIBUTES)
    if is_coordinate(var.name, var.dimensions, attributes):
        return "coordinate"
    # Flag values are arrays, which `_attr` does not read: their presence is what counts.
    if is_flag({**attributes, **{a: True for a in FLAG_ATTRIBUTES if a in var.ncattrs()}}):
        return "flag"
    # A quantity has a unit or a standard name; a number with neither is an index or an id (a
    # glider's profile_id), or a container of attributes (its `platform`).
    measured = _attr(var, "units") is not None or _attr(var, "standard_name") is not None
    return "data" if _is_numeric(var) and measured else "other"


def _attribute_text(value) -> str:
    import numpy as np  # noqa: PLC0415 - see the imports

    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if isinstance(value, str):
        text = value
    else:
        array = np.atleast_1d(np.asarray(value))
        items = [v.decode("utf-8", "replace") if isinstance(v, bytes) else v for v in array[:10].tolist()]
        text = ", ".join(str(v) for v in items) + (", …" if array.size > 10 else "")
    text = text.replace("\x00", "").strip()
    return text if len(text) <= MAX_ATTRIBUTE_CHARS else text[: MAX_ATTRIBUTE_CHARS - 1] + "…"


def _header_attributes(obj, names) -> list[dict]:
    out = []
    for name in names:
        try:
            out.append({"name": name, "value": _attribute_text(obj.getncattr(name))})
        except Exception:  # noqa: BLE001 - an attribute of a type the library cannot convert
            out.append({"name": name, "value": "?"})
    return out


# --- Reading attributes ---------------------------------------------------------------------------


def _attr(obj, name: str) -> Any:
    """An attribute as a Python value: a stripped string, a number, or None when absent or empty."""
    import numpy as np  # noqa: PLC0415 - see the imports

    if name not in obj.ncattrs():
        return None
    value = obj.getncattr(name)
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if isinstance(value, str):
        return value.strip() or None
    value = np.asarray(value)
    if value.size != 1:
        return None
    value = value.reshape(())[()]
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace").strip() or None
    return _plain(value)


def _plain(value: Any) -> Any:
    """A numpy scalar as a Python number; a float32 keeps its short decimal form (70.01 rather
    than 70.01000213623047), which is what the file's author wrote."""
    import numpy as np  # noqa: PLC0415 - see the imports

    if isinstance(value, np.floating):
        return float(str(value))
    if isinstance(value, np.generic):
        return value.item()
    return value


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _attributes(var, names) -> dict[str, Any]:
    """The variable's attributes of these names that it has (as `_attr` reads them)."""
    return {name: value for name in names if (value := _attr(var, name)) is not None}


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _units(var) -> str:
    return (_text(_attr(var, "units")) or "").strip().lower()


def _is_numeric(var) -> bool:
    import numpy as np  # noqa: PLC0415 - see the imports

    return np.issubdtype(var.dtype, np.number) if isinstance(var.dtype, np.dtype) else False


def _values(var) -> np.ndarray | None:
    """A variable's valid values (fill, missing and out-of-valid-range values left out), flat."""
    import numpy as np  # noqa: PLC0415 - see the imports

    if not _is_numeric(var) or var.size == 0 or var.size > MAX_COORDINATE_VALUES:
        return None
    data = np.ma.asarray(var[...])
    if np.issubdtype(data.dtype, np.floating):
        data = np.ma.masked_invalid(data)
    values = data.compressed()
    return values if values.size else None


# --- Times ----------------------------------------------------------------------------------------

_REDUCED = re.compile(r"^(\d{4})(?:-(\d{2}))?$")
_TZ_WORDS = re.compile(r"\s*(?:UTC|GMT|Z)$", re.IGNORECASE)
_DURATION = re.compile(
    r"^P(?:(\d+(?:\.\d+)?)W)?(?:(\d+(?:\.\d+)?)D)?"
    r"(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$"
)


def _parse_time(text: str, *, end: bool = False) -> tuple[date, bool] | None:
    """An ISO 8601 time, as ACDD asks and as files write it (`2013-08-24 17:02 UTC`,
    `20160918T181648Z`, `2014-06-03T21:07:00.901Z`, `2009-01-01T08:00:00`), as a UTC date, and
    whether it had a time zone. A year or a month alone is its first day (last day for an end)."""
    text = text.strip()
    reduced = _REDUCED.match(text)
    if reduced:
        year, month = int(reduced.group(1)), reduced.group(2)
        if month is None:
            return (date(year, 12, 31) if end else date(year, 1, 1)), True
        month = int(month)
        if not 1 <= month <= 12:
            return None
        if end:
            following = date(year + month // 12, month % 12 + 1, 1)
            return following - timedelta(days=1), True
        return date(year, month, 1), True
    zoned = bool(_TZ_WORDS.search(text))
    text = _TZ_WORDS.sub("", text)
    if zoned:
        text += "+00:00"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        return moment.date(), False
    return moment.astimezone(UTC).date(), True


def _parse_duration(text: str) -> timedelta | None:
    """An ISO 8601 duration in weeks, days, hours, minutes and seconds (`P81000S`, `PT1H`,
    `P1DT12H`); years and months have no fixed length and are not read."""
    text = text.strip().upper()
    match = _DURATION.match(text)
    if not match or not any(match.groups()):
        # Files often write seconds without the T (`P220598399S`): not ISO 8601, but unambiguous.
        seconds = re.match(r"^P(\d+(?:\.\d+)?)S$", text)
        return timedelta(seconds=float(seconds.group(1))) if seconds else None
    weeks, days, hours, minutes, seconds = (float(g) if g else 0.0 for g in match.groups())
    return timedelta(weeks=weeks, days=days, hours=hours, minutes=minutes, seconds=seconds)


def _cf_date(value: float, units: str, calendar: str) -> date | None:
    """A number in CF time units (`days since 1990-01-01`) as a date; None when it is no date of
    the Gregorian calendar (a 360-day model calendar's 30 February)."""
    import cftime  # noqa: PLC0415 - lazily, as netCDF4: only NetCDF files need it, in the sandbox child

    try:
        moment = cftime.num2date(value, units, calendar=calendar or "standard")
        return date(moment.year, moment.month, moment.day)
    except (ValueError, TypeError, OverflowError):
        return None


# --- Longitudes -----------------------------------------------------------------------------------


def _to_180(lon: float) -> float:
    """A longitude in −180..180 (0..360 files are common); 180 stays 180."""
    return lon - 360.0 if lon > 180.0 else lon


def _box_of_longitudes(values: np.ndarray) -> tuple[float, float]:
    """West and east of the smallest arc holding every longitude: the complement of the widest gap
    between them. A track crossing 180° gives west > east, as the document stores such a box."""
    import numpy as np  # noqa: PLC0415 - see the imports

    lons = np.unique(np.where(values >= 180, values - 360, values))  # −180 ≤ lon < 180
    if lons.size == 1:
        return _plain(lons[0]), _plain(lons[0])
    gaps = np.diff(lons)
    widest = int(np.argmax(gaps))
    wrap_gap = lons[0] + 360 - lons[-1]
    if wrap_gap >= gaps[widest]:
        return _plain(lons[0]), _plain(lons[-1])
    return _plain(lons[widest + 1]), _plain(lons[widest])


# --- The extraction -------------------------------------------------------------------------------


class _Extraction:
    def __init__(self, dataset):
        self.ds = dataset
        self.notes: list[str] = []
        self.variables = dict(dataset.variables)

    def note(self, message: str, **params: Any) -> None:
        self.notes.append(message % params if params else message)

    def run(self) -> dict[str, Any]:
        result: dict[str, Any] = {}
        title, summary = _text(_attr(self.ds, "title")), _text(_attr(self.ds, "summary"))
        if title:
            result["titles"] = [{"title": title[:500]}]
        if summary:
            result["descriptions"] = [{"description": summary[:20000], "description_type": "Abstract"}]
        if location := self.location():
            result["geo_locations"] = [location]
        if extent := self.temporal_extent():
            result["temporal_extent"] = extent
        if vertical := self.vertical_extent():
            result["vertical_extent"] = vertical
        variables, parameters = self.parameters()
        subjects = self.keywords() + parameters
        if subjects:
            result["subjects"] = subjects
        result["variables"] = variables
        result["notes"] = self.notes
        return result

    # -- which variables are coordinates

    def _with(self, test) -> list:
        return [var for var in self.variables.values() if test(var)]

    def latitude_variables(self) -> list:
        return self._with(lambda v: _attr(v, "standard_name") == "latitude" or _units(v) in LATITUDE_UNITS)

    def longitude_variables(self) -> list:
        return self._with(lambda v: _attr(v, "standard_name") == "longitude" or _units(v) in LONGITUDE_UNITS)

    def time_variables(self) -> list:
        return self._with(
            lambda v: (
                (
                    _attr(v, "standard_name") == "time"
                    or str(_attr(v, "axis")).upper() == "T"
                    or v.dimensions == (v.name,)
                )
                and " since " in _units(v)
                and _attr(v, "standard_name") not in ("forecast_reference_time", "forecast_period")
            )
        )

    def vertical_variables(self) -> list:
        return self._with(
            lambda v: (
                str(_attr(v, "axis")).upper() == "Z"
                or _attr(v, "positive") in ("up", "down")
                or _attr(v, "standard_name") in ("depth", "altitude", "height", "height_above_mean_sea_level")
            )
        )

    # -- where

    def location(self) -> dict | None:
        box = self.box_from_attributes()
        if box is None:
            box = self.box_from_coordinates()
        if box is None:
            return None
        if box["west"] == box["east"] and box["south"] == box["north"]:
            return {"point": {"longitude": box["west"], "latitude": box["south"]}}
        return {"box": box}

    def box_from_attributes(self) -> dict | None:
        for names, source in (
            (("geospatial_lat_min", "geospatial_lat_max", "geospatial_lon_min", "geospatial_lon_max"), "ACDD"),
            (
                ("southernmost_latitude", "northernmost_latitude", "westernmost_longitude", "easternmost_longitude"),
                "GHRSST",
            ),
        ):
            south, north, west, east = (_number(_attr(self.ds, n)) for n in names)
            if None in (south, north, west, east):
                if any(v is not None for v in (south, north, west, east)):
                    self.note(
                        _("The file's %(source)s bounding attributes are incomplete (%(names)s): not used."),
                        source=source,
                        names=", ".join(names),
                    )
                continue
            if not (-90 <= south <= 90 and -90 <= north <= 90 and -180 <= west <= 360 and -180 <= east <= 360):
                self.note(_("The file's %(source)s bounding attributes are out of range: not used."), source=source)
                continue
            self.note(
                _("Box from the file's %(source)s attributes (%(names)s)."), source=source, names=", ".join(names)
            )
            if south > north:
                south, north = north, south
                self.note(_("The file's southern and northern latitudes were swapped: put back in order."))
            if east - west >= 360:
                west, east = -180.0, 180.0
                self.note(_("The file covers every longitude: the box goes round the globe."))
            elif west > 180 or east > 180:
                west, east = _to_180(west), _to_180(east)
                self.note(_("Longitudes given from 0 to 360° were converted to −180..180°."))
            if west > east:
                self.note(_("The box crosses the antimeridian (180°): its west is greater than its east."))
            return {"west": west, "east": east, "south": south, "north": north}
        return None

    def box_from_coordinates(self) -> dict | None:
        import numpy as np  # noqa: PLC0415 - see the imports

        lat_vars, lon_vars = self.latitude_variables(), self.longitude_variables()
        lats = [v for v in (_values(var) for var in lat_vars) if v is not None]
        lons = [v for v in (_values(var) for var in lon_vars) if v is not None]
        lats = [v[(v >= -90) & (v <= 90)] for v in lats]
        lons = [v[(v >= -180) & (v <= 360)] for v in lons]
        lats, lons = [v for v in lats if v.size], [v for v in lons if v.size]
        if not (lats and lons):
            if lat_vars or lon_vars:
                self.note(_("No bounding attributes, and the latitude and longitude variables hold no valid values."))
            else:
                self.note(_("No bounding attributes and no latitude or longitude variable: no box."))
            return None
        west, east = _box_of_longitudes(np.concatenate([np.asarray(v, dtype=np.result_type(*lons)) for v in lons]))
        south = min(_plain(v.min()) for v in lats)
        north = max(_plain(v.max()) for v in lats)
        self.note(
            _("Box from the values of the variables %(names)s (the file has no bounding attributes)."),
            names=", ".join(v.name for v in lat_vars + lon_vars),
        )
        if west > east:
            self.note(_("The box crosses the antimeridian (180°): its west is greater than its east."))
        return {"west": west, "east": east, "south": south, "north": north}

    # -- when

    def _time_units(self) -> tuple[str, str] | None:
        for var in self.time_variables():
            return _text(_attr(var, "units")), _text(_attr(var, "calendar")) or "standard"
        return None

    def _coverage(self, name: str, *, end: bool) -> date | None:
        value = _attr(self.ds, name)
        if value is None:
            return None
        if isinstance(value, str):
            parsed = _parse_time(value, end=end)
            if parsed is None:
                self.note(_("%(name)s = “%(value)s” is not an ISO 8601 time: not used."), name=name, value=value)
                return None
            moment, zoned = parsed
            if not zoned:
                self.note(_("%(name)s has no time zone: read as UTC."), name=name)
            return moment
        number, units = _number(value), self._time_units()
        if number is not None and units:
            moment = _cf_date(number, *units)
            if moment is not None:
                # ACDD wants ISO 8601 text; a number is read in the units of the time variable.
                self.note(
                    _("%(name)s is a number, read in the time variable's units (%(units)s)."), name=name, units=units[0]
                )
                return moment
        self.note(_("%(name)s is not an ISO 8601 time: not used."), name=name)
        return None

    def _time_values(self) -> tuple[date | None, date | None, list[str]]:
        starts, ends, names = [], [], []
        for var in self.time_variables():
            values = _values(var)
            if values is None:
                continue
            units, calendar = _text(_attr(var, "units")), _text(_attr(var, "calendar")) or "standard"
            first, last = _cf_date(values.min(), units, calendar), _cf_date(values.max(), units, calendar)
            if first is None or last is None:
                self.note(
                    _("The times of %(name)s (%(units)s, calendar %(calendar)s) are no calendar dates: not used."),
                    name=var.name,
                    units=units,
                    calendar=calendar,
                )
                continue
            starts.append(first)
            ends.append(last)
            names.append(var.name)
        return (min(starts) if starts else None), (max(ends) if ends else None), names

    def temporal_extent(self) -> dict | None:
        start = self._coverage("time_coverage_start", end=False)
        end = self._coverage("time_coverage_end", end=True)
        if start is not None:
            self.note(_("Start from time_coverage_start."))
        if end is not None:
            self.note(_("End from time_coverage_end."))
        if start is not None and end is None:
            duration = _attr(self.ds, "time_coverage_duration")
            span = _parse_duration(duration) if isinstance(duration, str) else None
            if span is not None:
                end = start + span
                self.note(
                    _("End from time_coverage_start plus time_coverage_duration (%(duration)s)."), duration=duration
                )
        if start is None or end is None:
            first, last, names = self._time_values()
            if names:
                if start is None:
                    start = first
                if end is None:
                    end = last
                self.note(_("Dates read from the values of the time variables %(names)s."), names=", ".join(names))
        if start is None:
            if end is not None:
                self.note(_("An end date but no start date: no temporal extent."))
            elif not self.time_variables():
                self.note(_("No time coverage attributes and no time variable: no temporal extent."))
            else:
                self.note(_("No time coverage attributes, and the time variables hold no valid values."))
            return None
        if end is None:
            self.note(_("No end date found: give one, or say the collection is ongoing."))
            return {"start": start.isoformat()}
        if end < start:
            self.note(_("The file's end date is before its start date: the two were swapped."))
            start, end = end, start
        return {"start": start.isoformat(), "end": end.isoformat(), "ongoing": False}

    # -- vertical

    def _vertical(self, low: float, high: float, positive: str) -> dict:
        low, high = min(low, high), max(low, high)
        if positive == "down":
            return {"minimum": low, "maximum": high, "unit": "m", "reference": "depth"}
        if high <= 0 and low < 0:
            # Heights below the reference (the sea surface, usually): depths, which is how the
            # ocean community reads them.
            self.note(_("Heights below zero were turned into depths."))
            return {"minimum": 0.0 - high, "maximum": 0.0 - low, "unit": "m", "reference": "depth"}
        return {"minimum": low, "maximum": high, "unit": "m", "reference": "altitude"}

    def vertical_extent(self) -> dict | None:
        low = _number(_attr(self.ds, "geospatial_vertical_min"))
        high = _number(_attr(self.ds, "geospatial_vertical_max"))
        if low is not None and high is not None:
            units = (_text(_attr(self.ds, "geospatial_vertical_units")) or "").lower()
            positive = (_text(_attr(self.ds, "geospatial_vertical_positive")) or "").lower()
            if units and units not in METRE_UNITS:
                self.note(
                    _("The vertical extent is in “%(units)s”: only metres are taken, it was left out."), units=units
                )
                return None
            if positive not in ("up", "down"):
                self.note(
                    _(
                        "geospatial_vertical_positive is missing: depth or altitude cannot be told, "
                        "the vertical extent was left out."
                    )
                )
                return None
            if not units:
                self.note(_("geospatial_vertical_units is missing: read as metres."))
            self.note(_("Vertical extent from geospatial_vertical_min/max (positive %(positive)s)."), positive=positive)
            return self._vertical(low, high, positive)
        return self.vertical_from_coordinates()

    def vertical_from_coordinates(self) -> dict | None:
        candidates = self.vertical_variables()
        ranges: dict[str, list[float]] = {}
        names: dict[str, list[str]] = {}
        for var in candidates:
            units = _units(var)
            standard_name = _attr(var, "standard_name")
            positive = str(_attr(var, "positive") or "").lower()
            if standard_name == "depth":
                positive = positive or "down"
            elif standard_name in ("altitude", "height", "height_above_mean_sea_level"):
                positive = positive or "up"
            if units not in METRE_UNITS:
                if units in PRESSURE_UNITS:
                    self.note(
                        _("The vertical variable %(name)s is a pressure (%(units)s): only metres are taken."),
                        name=var.name,
                        units=units,
                    )
                continue
            if positive not in ("up", "down"):
                continue
            values = _values(var)
            if values is None:
                continue
            extent = self._vertical(_plain(values.min()), _plain(values.max()), positive)
            bounds = ranges.setdefault(extent["reference"], [extent["minimum"], extent["maximum"]])
            bounds[0], bounds[1] = min(bounds[0], extent["minimum"]), max(bounds[1], extent["maximum"])
            names.setdefault(extent["reference"], []).append(var.name)
        if not ranges:
            self.note(
                _(
                    "No geospatial_vertical_min/max attributes and no vertical coordinate in metres with "
                    "values: no vertical extent."
                )
            )
            return None
        reference = "depth" if "depth" in ranges else "altitude"
        low, high = ranges[reference]
        self.note(
            _("Vertical extent from the values of %(names)s (no geospatial_vertical attributes)."),
            names=", ".join(names[reference]),
        )
        return {"minimum": low, "maximum": high, "unit": "m", "reference": reference}

    # -- what

    def keywords(self) -> list[dict]:
        text = _text(_attr(self.ds, "keywords"))
        if not text:
            return []
        vocabulary = _text(_attr(self.ds, "keywords_vocabulary"))
        subjects, seen = [], set()
        for keyword in (k.strip() for k in text.split(",")):
            if not keyword or keyword.casefold() in seen or len(keyword) > 300:
                continue
            seen.add(keyword.casefold())
            subject = {"subject": keyword, "keyword_type": "theme"}
            if vocabulary:
                subject["scheme"] = vocabulary[:300]
            subjects.append(subject)
        self.note(
            ngettext(
                "%(count)d keyword from the file's keywords attribute%(vocabulary)s.",
                "%(count)d keywords from the file's keywords attribute%(vocabulary)s.",
                len(subjects),
            ),
            count=len(subjects),
            vocabulary=_(" (vocabulary: %(name)s)") % {"name": vocabulary} if vocabulary else "",
        )
        return subjects

    def parameters(self) -> tuple[list[dict], list[dict]]:
        variables, subjects, seen, skipped = [], [], set(), []
        for var in self.variables.values():
            if not _is_numeric(var) or is_coordinate(var.name, var.dimensions, _attributes(var, COORDINATE_ATTRIBUTES)):
                continue
            standard_name = _text(_attr(var, "standard_name"))
            long_name, units = _text(_attr(var, "long_name")), _text(_attr(var, "units"))
            if standard_name is None and long_name is None:
                continue
            variables.append({"name": var.name, "standard_name": standard_name, "long_name": long_name, "units": units})
            if standard_name is None or standard_name in COORDINATE_NAMES:
                continue
            if " " in standard_name:  # a modifier: "sea_water_temperature status_flag" is a QC flag
                continue
            if not CF_NAME_RE.match(standard_name):
                skipped.append(f"{var.name} ({standard_name})")
                continue
            if standard_name in seen:
                continue
            seen.add(standard_name)
            subjects.append(
                {
                    "subject": standard_name,
                    "scheme": CF_STANDARD_NAMES,
                    "scheme_uri": CF_TABLE_URI,
                    "value_uri": f"{CF_TABLE_URI}#{standard_name}",
                    "keyword_type": "parameter",
                }
            )
        if subjects:
            self.note(
                ngettext(
                    "%(count)d parameter from the standard_name of the file's variables.",
                    "%(count)d parameters from the standard_name of the file's variables.",
                    len(subjects),
                ),
                count=len(subjects),
            )
        if skipped:
            self.note(_("Not CF standard names, left out: %(names)s."), names=", ".join(skipped))
        return variables, subjects
