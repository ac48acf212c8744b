"""File names as a deposit stores them: relative paths (`profiles/2024/g123_0042.nc`) cleaned segment
by segment, so that what a depositor sees is what a "download all" ZIP unpacks anywhere.

A name is stored NFC-normalised (an accent typed composed or decomposed is the same name), without
control or format characters, and every folder and file name in it is something a file system can
hold: not empty, not `.` or `..`, at most 255 bytes in UTF-8 (ext4, APFS and NTFS all stop there).
The path as a whole is bounded in depth and in bytes, so that it fits the database's unique index
and the paths of the systems it is unpacked on. Object keys in the store are never made from it.
"""

from __future__ import annotations

import re
import unicodedata

from django.utils.translation import gettext as _

from core.errors import ValidationFailed
from core.text import text_problem

# A folder or file name: what ext4, APFS and NTFS hold (in bytes of UTF-8, which is stricter than characters).
MAX_SEGMENT_BYTES = 255
# Levels: the folders and the file's own name.
MAX_DEPTH = 16
# The whole path, in bytes of UTF-8: PostgreSQL's unique index holds it whatever the script.
MAX_PATH_BYTES = 1024

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# Characters drawn as a slash that are not one: `a／b` would look like a folder `a` holding `b`.
_SLASH_LOOKALIKES = re.compile("[\u2044\u2215\u29f8\uff0f\u29f5\u29f9\ufe68\uff3c]")
# `C:` as the first folder is a Windows drive: an absolute path written with `/`.
_DRIVE = re.compile(r"^[A-Za-z]:$")


def _character(char: str) -> str:
    """ "U+202E RIGHT-TO-LEFT OVERRIDE"."""
    return f"U+{ord(char):04X} {unicodedata.name(char, '')}".strip()


def _format_character(name: str) -> str | None:
    """The first Unicode format character (category Cf) of a name, described, or None."""
    for char in name:
        if unicodedata.category(char) == "Cf":
            return _character(char)
    return None


def _shortened(text: str, length: int = 60) -> str:
    """The start of a name too long to repeat whole in a message."""
    return text if len(text) <= length else text[:length] + "…"


def _refuse(message: str) -> ValidationFailed:
    return ValidationFailed(message, field="name")


def clean_file_name(name: str) -> str:
    """A file's name as stored: a relative path whose segments are each a clean file name.

    Format characters are invisible and change how the rest displays: `report<U+202E>fdp.exe` shows
    as `reportexe.pdf`, and zero-width characters or a byte order mark make two names look alike.
    Each segment is trimmed of surrounding spaces, as the whole name always was."""
    if not isinstance(name, str):
        raise _refuse(_("A file name is required."))
    if problem := text_problem(name):  # a lone surrogate cannot even be normalised and stored
        raise _refuse(_(problem))
    name = unicodedata.normalize("NFC", name).strip()
    if not name or name in (".", ".."):
        raise _refuse(_("A file name is required."))
    if _CONTROL.search(name):
        raise _refuse(_("A file name cannot contain control characters."))
    if char := _format_character(name):
        raise _refuse(
            _(
                "A file name cannot contain %(char)s: invisible formatting characters (bidirectional overrides, "
                "zero-width characters, byte order marks) can make a name look like another one."
            )
            % {"char": char}
        )
    if "\\" in name:
        raise _refuse(
            _("Folders are separated by “/”, not “\\”: write “%(path)s”.")
            % {"path": _shortened(name.replace("\\", "/"))}
        )
    if match := _SLASH_LOOKALIKES.search(name):
        raise _refuse(
            _("%(char)s looks like a slash but does not separate folders: use “/” between folders.")
            % {"char": _character(match.group())}
        )
    segments = [segment.strip() for segment in name.split("/")]
    if name.startswith("/") or _DRIVE.match(segments[0]):
        raise _refuse(
            _("“%(path)s” is an absolute path: give the path from the deposit's top folder, like “data/2024/a.csv”.")
            % {"path": _shortened(name)}
        )
    if "" in segments:
        raise _refuse(
            _("“%(path)s” has an empty folder name (“//”, or “/” at the end): remove the extra “/”.")
            % {"path": _shortened(name)}
        )
    if "." in segments or ".." in segments:
        raise _refuse(
            _("“.” and “..” cannot be folder names (“%(path)s”): give the path from the deposit's top folder.")
            % {"path": _shortened(name)}
        )
    for segment in segments:
        if len(segment.encode()) > MAX_SEGMENT_BYTES:
            raise _refuse(
                _(
                    "“%(name)s” is too long: a file or folder name is at most %(max)s bytes in UTF-8, as file "
                    "systems require (an accented letter takes 2 bytes, most other scripts 3)."
                )
                % {"name": _shortened(segment), "max": MAX_SEGMENT_BYTES}
            )
    if len(segments) > MAX_DEPTH:
        raise _refuse(
            _("“%(path)s” is %(depth)s levels deep; a file is at most %(max)s (its folders and its own name).")
            % {"path": _shortened(name), "depth": len(segments), "max": MAX_DEPTH}
        )
    name = "/".join(segments)
    if len(name.encode()) > MAX_PATH_BYTES:
        raise _refuse(
            _("A file's path is at most %(max)s bytes in UTF-8; “%(path)s” has %(size)s.")
            % {"path": _shortened(name), "max": MAX_PATH_BYTES, "size": len(name.encode())}
        )
    return name


def folders_of(name: str) -> list[str]:
    """The folders a path lies in, outermost first: `a/b/c.nc` → `["a", "a/b"]`."""
    segments = name.split("/")[:-1]
    return ["/".join(segments[: n + 1]) for n in range(len(segments))]


def base_name(name: str) -> str:
    """The file's own name, without its folders: what a browser saves a download as."""
    return name.rsplit("/", 1)[-1]
