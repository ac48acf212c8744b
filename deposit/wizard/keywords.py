"""Keyword groups: thesaurus concepts and free terms, all kept in the document's `subjects` and shown
in the group of their kind (describe: keywords and free keywords; where and when: places, platforms,
instruments, parameters)."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy

from .inspire import theme_index
from .lenient import items, mapping, text
from .values import rows


@dataclass(frozen=True)
class KeywordGroup:
    name: str  # the form group, e.g. "parameters"
    step: str
    keyword_type: str  # what the group's subjects carry; the type-ahead searches that picker's thesauri
    label: str
    help: str
    placeholder: str


KEYWORD_GROUPS: tuple[KeywordGroup, ...] = (
    KeywordGroup(
        "keywords",
        "describe",
        "theme",
        gettext_lazy("Keywords from thesauri"),
        gettext_lazy(
            "Type a few letters and pick a term: it is kept with its identifier (URI) and its "
            "thesaurus, so that catalogues can find the data."
        ),
        gettext_lazy("e.g. ocean temperature"),
    ),
    KeywordGroup(
        "places",
        "where_when",
        "place",
        gettext_lazy("Place names"),
        gettext_lazy(
            "Seas, regions or sites, from the gazetteer when it has them; press Enter to keep a name it does not know."
        ),
        gettext_lazy("e.g. Bay of Biscay"),
    ),
    KeywordGroup(
        "platforms",
        "where_when",
        "platform",
        gettext_lazy("Platforms"),
        gettext_lazy("Ships, moorings, gliders, floats, satellites… that carried the instruments."),
        gettext_lazy("e.g. research vessel"),
    ),
    KeywordGroup(
        "instruments",
        "where_when",
        "instrument",
        gettext_lazy("Instruments"),
        gettext_lazy("Sensors and instruments used, e.g. a CTD."),
        gettext_lazy("e.g. CTD"),
    ),
    KeywordGroup(
        "parameters",
        "where_when",
        "parameter",
        gettext_lazy("Measured parameters"),
        gettext_lazy("What was measured, from the NERC parameter vocabularies (P01, P02) when possible."),
        gettext_lazy("e.g. temperature of the water column"),
    ),
)
GROUP_BY_NAME = {g.name: g for g in KEYWORD_GROUPS}
GROUP_BY_TYPE = {g.keyword_type: g for g in KEYWORD_GROUPS if g.name != "keywords"}
WHERE_TYPES = frozenset(GROUP_BY_TYPE)  # keyword types entered in step 3; every other type in step 1
SUBJECT_KEYS = ("subject", "value_uri", "scheme", "scheme_uri", "keyword_type", "lang")


def group_of(subject: dict) -> str:
    """Which form group shows a subject: its where/when group, else a describe keyword (thesaurus
    concept), else a free keyword."""
    kind = str(subject.get("keyword_type") or "theme")
    if kind in GROUP_BY_TYPE:
        return GROUP_BY_TYPE[kind].name
    return "keywords" if subject.get("value_uri") else "free_keywords"


def subjects_in(metadata: dict) -> list[dict]:
    """The document's subjects, each as an object (see `lenient.items`)."""
    return items(mapping(metadata).get("subjects"))


def subject_row(subject: dict) -> dict:
    """A subject as its line of a keyword group shows it."""
    subject = mapping(subject)
    row = {key: text(subject.get(key)) for key in SUBJECT_KEYS}
    row["keyword_type"] = row["keyword_type"] or "theme"
    return row


def group_rows(metadata: dict, group: str) -> list[dict]:
    """The lines of a keyword group, in the document's order (the INSPIRE theme has its own field)."""
    theme = theme_index(metadata)
    return [subject_row(s) for i, s in enumerate(subjects_in(metadata)) if group_of(s) == group and i != theme]


def thesaurus_keywords(metadata: dict) -> list[dict]:
    """The keywords from thesauri typed in describe's keyword group (the INSPIRE theme apart)."""
    theme = theme_index(metadata)
    return [s for i, s in enumerate(subjects_in(metadata)) if group_of(s) == "keywords" and i != theme]


def subjects_from(values: dict[str, str], group: str, keyword_type: str | None = None) -> list[dict]:
    """The subjects typed in a keyword group's lines (`keywords-0-subject`…); empty lines left out."""
    subjects = []
    for row in rows(values, group):
        subject = {k: row.get(k, "").strip() for k in SUBJECT_KEYS}
        if not subject["subject"]:
            continue
        subject["keyword_type"] = keyword_type or subject["keyword_type"] or "theme"
        subjects.append({k: v for k, v in subject.items() if v or k == "subject"})
    return subjects


def subject_anchor(metadata: dict, index: int | None) -> str:
    """The field a subject (`subjects.<index>`) is typed in: its group's line, the free keywords
    field, or the INSPIRE theme's (the first theme of the register, which is not a line of the
    keywords); the keywords group when the index is not one of a subject."""
    if index is None:
        return "f-keywords"
    subjects = items(mapping(metadata).get("subjects"))
    if not 0 <= index < len(subjects):
        return "f-keywords"
    theme = theme_index(metadata)
    if index == theme:
        return "f-inspire_theme"
    group = group_of(subjects[index])
    if group == "free_keywords":
        return "f-free_keywords"
    position = sum(1 for i, s in enumerate(subjects[:index]) if group_of(s) == group and i != theme)
    return f"f-{group}-{position}"


def anchor_group(anchor: str) -> str:
    """The group of a subject's anchor (`f-places-2` → "places")."""
    return anchor[2:].split("-")[0]
