"""Previews of a deposit's files, for the review page: the first lines of a text file, the first rows
of a CSV / TSV as a table, the header of a NetCDF file (dimensions, variables, global attributes).

A preview is computed once, when the file becomes ready (`deposit.services`, through
`deposit.hooks.file_ready`, calls `file_preview_update`), and kept in `DepositFile.preview`, so the
review page reads no object. Text previews read only the object's first `PREVIEW_BYTES` (the
store's `read_range`, whatever the file's size). NetCDF needs random access: the store's
`local_copy` gives a file (a local object in place, an S3 object copied to a temporary file), and a
copy is made up to the size `file_netcdf_suggestions` accepts (`NETCDF_SUGGESTIONS_MAX_SIZE`); a
larger object that would have to be copied gets a preview that says so. The header is read by the
netCDF C library, so in a child process with memory and time limits (`repository.sandbox`): a
hostile file (a header declaring 2^31 dimensions, absurd chunks) gets a preview that says it could
not be read, and the web or worker process that made the preview carries on. Making a preview never
fails the file: what goes wrong is stored as `{"kind": "error", "message": ...}` and logged, and
`manage.py estran_previews --errors` tries again.

The shapes stored (all with `"v": PREVIEW_VERSION`):

- `{"kind": "table", "delimiter", "header": [...] | None, "rows": [[...]], "columns", "comments": [...], "truncated"}`
- `{"kind": "text", "lines": [...], "truncated"}`
- `{"kind": "netcdf", "format", "dimensions": [{"name", "size", "unlimited"}], "variables": [{"name",
  "dimensions", "dtype", "attributes": {"standard_name", "long_name", "units"}}], "attributes": [{"name",
  "value"}], "groups", "more_dimensions", "more_variables", "more_attributes"}`, or `{"kind": "netcdf",
  "too_large": true, "size", "limit"}`
- `{"kind": "none"}` (a format not previewed), `{"kind": "error", "message"}`; for NetCDF,
  `{"kind": "error", "code": "not_netcdf"}` (no NetCDF signature) or `{"kind": "error", "code":
  "unreadable", "reason"}` (the reader refused the header, or ran out of memory or time).
"""

from __future__ import annotations

import csv
import io

from django.conf import settings

from core.file_names import base_name
from core.logging import get_logger
from deposit.models import DepositFile
from deposit.services import NETCDF_SUGGESTIONS_MAX_SIZE
from repository.netcdf import netcdf_kind
from repository.sandbox import Unreadable, run_isolated
from repository.storage import ObjectTooLarge, get_store

log = get_logger(__name__)

PREVIEW_VERSION = 1
PREVIEW_BYTES = 64 * 1024  # read from the start of a text object, at most
PREVIEW_LINES = 20  # lines of text, rows of a table
MAX_LINE_CHARS = 300
MAX_COLUMNS = 40
MAX_CELL_CHARS = 80
MAX_COMMENT_LINES = 10
SNIFF_CHARS = 4096  # of the table's first lines, read by csv.Sniffer to guess the delimiter and header

TABLE_EXTENSIONS = frozenset({"csv", "tsv", "tab", "psv"})
TEXT_EXTENSIONS = frozenset(
    {
        "txt",
        "text",
        "md",
        "markdown",
        "rst",
        "json",
        "geojson",
        "jsonld",
        "xml",
        "yaml",
        "yml",
        "toml",
        "ini",
        "cfg",
        "cnv",
        "odv",
        "dat",
        "asc",
        "log",
        "cdl",
        "html",
        "htm",
        "tex",
        "bib",
        "py",
        "r",
        "m",
        "jl",
        "sh",
        "sql",
        "f90",
    }
)
NETCDF_EXTENSIONS = frozenset({"nc", "nc4", "cdf", "netcdf"})
HDF5_EXTENSIONS = frozenset({"h5", "hdf5", "he5"})  # NetCDF-4 is HDF5: tried, silently skipped if unreadable
# Formats known not to be text: not even read.
BINARY_EXTENSIONS = frozenset(
    {
        "zip",
        "gz",
        "tgz",
        "bz2",
        "xz",
        "7z",
        "rar",
        "tar",
        "png",
        "jpg",
        "jpeg",
        "gif",
        "tif",
        "tiff",
        "pdf",
        "doc",
        "docx",
        "xls",
        "xlsx",
        "odt",
        "ods",
        "mat",
        "sav",
        "dta",
        "shp",
        "dbf",
        "parquet",
        "gpkg",
        "hex",
        "grb",
        "grib",
        "grib2",
        "mp4",
        "wav",
    }
)
NETCDF_MAGIC = (b"CDF\x01", b"CDF\x02", b"CDF\x05", b"\x89HDF\r\n\x1a\n")


def _extension(name: str) -> str:
    name = base_name(name)  # `v1.2/README` has none
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


# --- Reading the object -------------------------------------------------------------------------


def read_head(store, key: str, length: int = PREVIEW_BYTES) -> tuple[bytes, bool]:
    """The object's first `length` bytes, and whether it holds more: one ranged read (of S3, a
    GetObject with `Range`), never the whole object."""
    data = store.read_range(key, 0, length + 1)
    return data[:length], len(data) > length


def _netcdf_limit() -> int:
    return getattr(settings, "NETCDF_SUGGESTIONS_MAX_SIZE", NETCDF_SUGGESTIONS_MAX_SIZE)


# --- Text and tables ----------------------------------------------------------------------------


def _looks_like_text(data: bytes) -> bool:
    sample = data[:8192]
    if not sample:
        return True
    if b"\x00" in sample:
        return False
    text = sample.decode("utf-8", "replace")
    odd = sum(1 for ch in text if ch == "\ufffd" or (ord(ch) < 32 and ch not in "\t\n\r\f"))
    return odd <= max(2, len(text) // 20)


def _decode(data: bytes, more: bool) -> tuple[str, bool]:
    """UTF-8 with replacement; when the read stopped inside the file, the last (partial) line is
    dropped, so that no line or multi-byte character is shown cut."""
    if more and b"\n" in data:
        data = data[: data.rindex(b"\n") + 1]
    text = data.decode("utf-8", "replace").lstrip("\ufeff").replace("\x00", "")
    return text, more


def _cap(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def text_preview(data: bytes, more: bool) -> dict:
    text, truncated = _decode(data, more)
    lines = text.splitlines()
    return {
        "v": PREVIEW_VERSION,
        "kind": "text",
        "lines": [_cap(line, MAX_LINE_CHARS) for line in lines[:PREVIEW_LINES]],
        "truncated": truncated or len(lines) > PREVIEW_LINES,
    }


def _is_comment(line: str) -> bool:
    stripped = line.strip()
    return not stripped or stripped.startswith(("#", "//", "%"))


def table_preview(data: bytes, more: bool, *, extension: str = "csv") -> dict | None:
    """The first rows as a table: leading comment lines (`#`, `//`, `%`: ODV and many instrument
    exports start so) apart, the delimiter found by `csv.Sniffer` (else the extension's). None when
    the text has fewer than two columns: it is shown as text instead."""
    text, truncated = _decode(data, more)
    lines = text.splitlines(keepends=True)
    skip = 0
    while skip < len(lines) and _is_comment(lines[skip]):
        skip += 1
    comments = [_cap(line.rstrip("\r\n"), MAX_LINE_CHARS) for line in lines[:skip] if line.strip()]
    body = "".join(lines[skip:])
    # csv.Sniffer's regular expressions take time quadratic in the sample's length: a crafted 64 KiB
    # line costs minutes of CPU, the first SNIFF_CHARS characters a few milliseconds.
    sample = "".join(lines[skip : skip + PREVIEW_LINES + 1])[:SNIFF_CHARS]
    default = "\t" if extension in ("tsv", "tab") else "|" if extension == "psv" else ","
    sniffer = csv.Sniffer()
    try:
        dialect = sniffer.sniff(sample, delimiters=",;\t|")
        delimiter, quotechar = dialect.delimiter, dialect.quotechar or '"'
    except csv.Error:
        delimiter, quotechar = default, '"'
    reader = csv.reader(io.StringIO(body), delimiter=delimiter, quotechar=quotechar)
    rows = []
    try:
        for row in reader:
            if len(rows) > PREVIEW_LINES:
                break
            rows.append(row)
    except csv.Error:
        return None
    more_rows = len(rows) > PREVIEW_LINES
    rows = rows[:PREVIEW_LINES]
    columns = max((len(r) for r in rows), default=0)
    if columns < 2:
        return None
    try:
        has_header = sniffer.has_header(sample)
    except csv.Error:
        has_header = True
    if (
        rows
        and all(not _is_number(cell) for cell in rows[0] if cell.strip())
        and any(_is_number(cell) for row in rows[1:] for cell in row)
    ):
        has_header = True  # words above numbers: a header, whatever the sniffer guessed
    shown = [[_cap(cell.strip(), MAX_CELL_CHARS) for cell in row[:MAX_COLUMNS]] for row in rows]
    header = shown[0] if has_header and shown else None
    return {
        "v": PREVIEW_VERSION,
        "kind": "table",
        "delimiter": {"\t": "tab", ",": "comma", ";": "semicolon", "|": "pipe"}.get(delimiter, delimiter),
        "header": header,
        "rows": shown[1:] if header is not None else shown,
        "columns": columns,
        "more_columns": max(0, columns - MAX_COLUMNS),
        "comments": comments[:MAX_COMMENT_LINES],
        "truncated": truncated or more_rows,
    }


def _is_number(text: str) -> bool:
    try:
        float(text.strip().replace(",", "."))
    except ValueError:
        return False
    return True


# --- NetCDF -------------------------------------------------------------------------------------


def netcdf_header(path: str) -> dict:
    """Dimensions, variables (with their standard name, long name and units) and global attributes,
    read from the header only (no data), in a child process with memory and time limits
    (`repository.netcdf.read_header` run by `repository.sandbox`). Raises Unreadable."""
    return {"v": PREVIEW_VERSION, "kind": "netcdf", **run_isolated("repository.netcdf:read_header", path)}


NOT_NETCDF = {
    "v": PREVIEW_VERSION,
    "kind": "error",
    "code": "not_netcdf",
    "message": "Not readable as NetCDF.",
}
UNREADABLE = {
    "v": PREVIEW_VERSION,
    "kind": "error",
    "code": "unreadable",
    "message": "Could not be read.",
}


def _netcdf_preview(store, file: DepositFile, *, quiet: bool = False) -> dict:
    """The header's preview; `quiet` (an HDF5 file, maybe not NetCDF-4): no preview rather than an
    error when it cannot be read."""
    limit = _netcdf_limit()
    try:
        # A local object is read in place whatever its size; a copy is refused before any byte is read.
        with store.local_copy(file.storage_key, max_bytes=limit) as path:
            if netcdf_kind(path) is None:  # no child process for a file that is plainly something else
                return {"v": PREVIEW_VERSION, "kind": "none"} if quiet else dict(NOT_NETCDF)
            try:
                return netcdf_header(path)
            except Unreadable as exc:
                if quiet:
                    return {"v": PREVIEW_VERSION, "kind": "none"}
                return {**UNREADABLE, "reason": exc.reason}
    except ObjectTooLarge:
        return {"v": PREVIEW_VERSION, "kind": "netcdf", "too_large": True, "size": file.size, "limit": limit}


# --- The preview of a file ----------------------------------------------------------------------


def preview_compute(file: DepositFile, *, store=None) -> dict:
    """What the review page shows of the file, read from the store. Raises what reading raises
    (`file_preview_update` turns it into an error preview)."""
    store = store or get_store()
    extension = _extension(file.name)
    if extension in NETCDF_EXTENSIONS:
        return _netcdf_preview(store, file)
    if extension in HDF5_EXTENSIONS:
        return _netcdf_preview(store, file, quiet=True)
    if extension in BINARY_EXTENSIONS:
        return {"v": PREVIEW_VERSION, "kind": "none"}
    data, more = read_head(store, file.storage_key)
    if extension not in TABLE_EXTENSIONS | TEXT_EXTENSIONS and data.startswith(NETCDF_MAGIC):
        return _netcdf_preview(store, file)  # a NetCDF file under another name
    if not _looks_like_text(data):
        return {"v": PREVIEW_VERSION, "kind": "none"}
    if extension in TABLE_EXTENSIONS:
        table = table_preview(data, more, extension=extension)
        if table is not None:
            return table
    return text_preview(data, more)


def file_preview_update(*, file: DepositFile, store=None) -> dict:
    """Compute and store the file's preview. Never raises for the file's sake: a preview that cannot
    be made is stored as an error (and logged), and the file stays as it is."""
    try:
        preview = preview_compute(file, store=store)
    except Exception as exc:  # noqa: BLE001 - the file is fine; only its preview failed
        log.warning("file.preview_failed", file=file.pk, error=repr(exc)[:500])
        preview = {
            "v": PREVIEW_VERSION,
            "kind": "error",
            "message": _cap(str(exc) or exc.__class__.__name__, 300),
        }
    # Written by key, not by save(): the state and checksums are not this function's to overwrite,
    # and a file replaced in between (another storage key) keeps its own preview.
    DepositFile.objects.filter(pk=file.pk, storage_key=file.storage_key).update(preview=preview)
    file.preview = preview
    log.info("file.previewed", file=file.pk, kind=preview["kind"])
    return preview


# --- Published files (asked by repository through repository.hooks) ------------------------------

PUBLIC_EXTENSIONS = TABLE_EXTENSIONS | TEXT_EXTENSIONS | NETCDF_EXTENSIONS


def previewable(name: str) -> bool:
    """Whether the landing page offers a preview of a file of this name: by its extension alone (a
    NetCDF file under another name is previewed for moderators, not offered to readers)."""
    return _extension(name) in PUBLIC_EXTENSIONS


def published_preview(record_file) -> dict | None:
    """The preview kept for a published file: that of the deposit's file it was published from (the
    same object: a storage key belongs to one deposit file). Read, never computed: a file without
    one has none until `manage.py estran_previews` makes it."""
    preview = (
        DepositFile.objects.filter(storage_key=record_file.storage_key, state=DepositFile.State.ready)
        .values_list("preview", flat=True)
        .first()
    )
    return preview or None
