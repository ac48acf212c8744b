"""What a record's files amount to (their number, their total size, their formats, their folders),
kept on the record at publication (`Record.file_count`, `files_size`, `file_extensions`,
`folder_totals`) so that the exports of a record with thousands of files summarise them without
reading them: DataCite's `sizes` and `formats`, ISO 19115-3's distribution formats and transfer
size, schema.org's archive, OAI-PMH's `dc:format`; and its page draws its folder tree."""

from __future__ import annotations

from collections.abc import Iterable

from core.file_names import base_name
from core.folders import FolderIndex

from .models import FILE_EXTENSIONS_MAX, Record
from .serializers.schemaorg import encoding_format

_UNITS = ("bytes", "KB", "MB", "GB", "TB", "PB")


def file_extension(name: str) -> str:
    """The extension of the file's own name, lower case with its dot (`.nc`), "" when it has none
    (`README`, `v1.2/README`)."""
    stem, dot, extension = base_name(name).rpartition(".")
    return f".{extension.lower()}" if dot and stem else ""


def summarise(files: Iterable[tuple[str, int]]) -> dict:
    """The summary columns of a record from its files' (name, size), whatever their number: count,
    size, extensions and each folder's totals (none for files in no folder)."""
    files = list(files)
    count = size = 0
    extensions: dict[str, None] = {}
    for name, file_size in files:
        count += 1
        size += file_size
        if len(extensions) < FILE_EXTENSIONS_MAX:
            extensions.setdefault(file_extension(name), None)
    folders = FolderIndex(files)
    return {
        "file_count": count,
        "files_size": size,
        "file_extensions": list(extensions),
        "folder_totals": folders.totals() if len(folders) else {},
    }


def format_names(extensions: Iterable[str]) -> list[str]:
    """A file name per extension, for the serializers' own format functions (which read a name)."""
    return [f"file{extension}" for extension in extensions]


def size_text(size: int) -> str:
    """A size as the pages show it (1,024 bytes a kilobyte), in English: metadata is written in it."""
    value, unit = float(size), 0
    while value >= 1024 and unit < len(_UNITS) - 1:
        value /= 1024
        unit += 1
    if unit == 0:
        return f"{size:,} bytes"
    return f"{value:.1f} {_UNITS[unit]}"


def count_text(count: int) -> str:
    return f"{count:,} file" if count == 1 else f"{count:,} files"


def summarised(record: Record) -> bool:
    """Whether the record's exports summarise its files: many of them, still available (a withdrawn
    record lists none)."""
    return record.files_summarised and not record.is_withdrawn


def media_types(record: Record) -> list[str]:
    """The distinct media types of the record's files, as the landing page names them."""
    return list(dict.fromkeys(encoding_format(name) for name in format_names(record.file_extensions)))


def datacite_sizes_formats(record: Record) -> tuple[list[str], list[str]]:
    """DataCite's `sizes` and `formats` of a record whose files are summarised ("10,000 files",
    "1.2 TB"; its media types); nothing for the others, whose DataCite XML is as it always was."""
    if not summarised(record):
        return [], []
    return [count_text(record.file_count), size_text(record.files_size)], media_types(record)
