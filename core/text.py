"""Text and JSON that can be stored and shown again: the input checks every writer shares, and the
mending of what was stored before them.

PostgreSQL refuses the NUL character in text and in JSON; a lone UTF-16 surrogate (`"\\ud800"` in
JSON) is not Unicode and cannot be encoded as UTF-8, so it can be neither stored in PostgreSQL nor
sent in a page; NaN and Infinity are not JSON numbers at all. Input holding one of them is refused
with a message naming the field at fault (`input_problem`), in the API's request parser, in the
pages' middleware and in the services that write metadata; so is an integer beyond 64 bits, which no
database column holds. A document stored before these checks
(SQLite keeps a surrogate in JSON text) is mended when read (`MendingJSONDecoder`), so that it can
never make a page fail for ever.
"""

from __future__ import annotations

import json
import math
import re

from django.utils.translation import gettext_noop as N_

SURROGATE_RE = re.compile("[\ud800-\udfff]")
# A `\uD800`–`\uDFFF` escape in JSON text: the only way a surrogate reaches a decoded document.
_ESCAPED_SURROGATE_RE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")

NUL_MESSAGE = N_("This text contains a NUL character (U+0000), which cannot be stored: remove it.")
SURROGATE_MESSAGE = N_(
    "This text contains a lone surrogate (U+D800–U+DFFF), which is not a character and cannot be stored: remove it."
)
NUMBER_MESSAGE = N_("Not a number that can be stored: NaN, Infinity and numbers beyond ±1.8e308 are refused.")
INTEGER_MESSAGE = N_("Whole numbers are limited to 64 bits (at most 9223372036854775807).")
DEPTH_MESSAGE = N_("The data are nested too deeply.")

# The metadata document nests four levels (creators.0.affiliations.0.name); nothing a client sends
# needs more than a few times that.
MAX_DEPTH = 32


def text_problem(value: str) -> str | None:
    """Why a string cannot be stored, or None."""
    if "\x00" in value:
        return NUL_MESSAGE
    if SURROGATE_RE.search(value):
        return SURROGATE_MESSAGE
    return None


def input_problem(data, *, prefix: str = "") -> tuple[str, str] | None:
    """The first place in decoded JSON (or form values) that cannot be stored, as (its dotted path,
    why), or None. Keys are checked as well as values; the walk is iterative and stops at
    `MAX_DEPTH`, so that no input can exhaust the stack."""
    stack: list[tuple[str, object, int]] = [(prefix, data, 0)]
    while stack:
        path, value, depth = stack.pop()
        if isinstance(value, str):
            problem = text_problem(value)
            if problem:
                return path, problem
        elif isinstance(value, float):
            if not math.isfinite(value):
                return path, NUMBER_MESSAGE
        elif isinstance(value, int) and not isinstance(value, bool):
            if not -(2**63) <= value < 2**63:
                return path, INTEGER_MESSAGE
        elif isinstance(value, (dict, list)):
            if depth >= MAX_DEPTH:
                return path, DEPTH_MESSAGE
            items = value.items() if isinstance(value, dict) else enumerate(value)
            children = []
            for key, item in items:
                child = f"{path}.{key}" if path else str(key)
                if isinstance(key, str):
                    problem = text_problem(key)
                    if problem:
                        return child, problem
                children.append((child, item, depth + 1))
            stack.extend(reversed(children))  # the first problem in document order is reported
    return None


def mended_text(value: str) -> str:
    """A stored string that can be shown: lone surrogates become U+FFFD, NUL characters go."""
    return SURROGATE_RE.sub("\ufffd", value).replace("\x00", "")


def mended(data):
    """Decoded JSON with every string (and key) mended, in place where it can be."""
    if isinstance(data, str):
        return mended_text(data)
    stack = [data] if isinstance(data, (dict, list)) else []
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            for index, item in enumerate(node):
                if isinstance(item, str):
                    node[index] = mended_text(item)
                elif isinstance(item, (dict, list)):
                    stack.append(item)
            continue
        for key in list(node):
            item = node[key]
            if isinstance(item, str):
                item = mended_text(item)
            elif isinstance(item, (dict, list)):
                stack.append(item)
            fixed = mended_text(key) if isinstance(key, str) else key
            if fixed != key:
                del node[key]
            node[fixed] = item
    return data


class MendingJSONDecoder(json.JSONDecoder):
    """The decoder of JSON columns that hold typed text (deposits' and records' metadata): a lone
    surrogate stored before the input checks (SQLite keeps `"\\ud800"` in JSON text) is read back
    as U+FFFD instead of failing every page that shows it. Only text holding such an escape is
    walked."""

    def decode(self, s, *args, **kwargs):
        value = super().decode(s, *args, **kwargs)
        if _ESCAPED_SURROGATE_RE.search(s) or "\\u0000" in s:
            value = mended(value)
        return value
