"""The one normalisation of labels and queries for search: lower case, accents and ligatures
removed, punctuation turned into single spaces ("Température de l'eau" -> "temperature de l eau")."""

from __future__ import annotations

import re
import unicodedata

# NFKD splits accented letters from their accents but leaves ligatures and a few letters whole.
_LETTERS = str.maketrans(
    {
        "œ": "oe",
        "Œ": "oe",
        "æ": "ae",
        "Æ": "ae",
        "ø": "o",
        "Ø": "o",
        "ß": "ss",
        "đ": "d",
        "Đ": "d",
        "ł": "l",
        "Ł": "l",
        "ı": "i",
    }
)
_SEPARATORS = re.compile(r"[\W_]+")


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.translate(_LETTERS))
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    return " ".join(_SEPARATORS.sub(" ", text).split())
