"""Reading a half-typed metadata document without tripping on it. A draft is saved as typed, so any
value may have any shape (a string where a list belongs, a number where a name belongs); the wizard's
pages, its completeness and the automatic checks still show what is there. Each reader returns the
shape asked for, or an empty one when the value is not of that shape."""

from __future__ import annotations


def mapping(value) -> dict:
    """The value if it is an object, else {}."""
    return value if isinstance(value, dict) else {}


def sequence(value) -> list:
    """The value if it is a list, else []; its items as they are (see `items`)."""
    return value if isinstance(value, list) else []


def items(value) -> list[dict]:
    """A list of objects: each item that is not an object becomes {} rather than being left out,
    so that the positions (hence the anchors of the items after it) stay right."""
    return [mapping(item) for item in sequence(value)]


def text(value) -> str:
    """The value as a form field shows it: "" for nothing, "true" or "" for a tick box, a whole
    float without its ".0"."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else ""
    if isinstance(value, float):
        return repr(value).removesuffix(".0")
    return str(value)
