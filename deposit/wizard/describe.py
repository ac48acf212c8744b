"""Step 1, describe: the title and other titles, the abstract, the resource type and language, the
lineage, the keywords (thesaurus concepts and free terms), the community that reviews the data and
the INSPIRE theme, which follows the community's until the depositor chooses another (`inspire.py`)."""

from __future__ import annotations

import re
from typing import ClassVar

from django.utils.translation import gettext_lazy

from .base import Check, FieldPath, Step
from .inspire import community_theme, is_theme, theme_index, theme_subject, theme_uri_of
from .keywords import (
    anchor_group,
    group_of,
    group_rows,
    subject_anchor,
    subjects_from,
    subjects_in,
    thesaurus_keywords,
)
from .lenient import items, mapping, sequence, text
from .values import rows, set_or_drop

# The subjects typed on this page; every other keyword group is in where and when.
GROUPS = ("keywords", "free_keywords")
# The hidden field that says which theme the page offered as the community's default: a theme left
# at that default follows the community when it changes.
OFFERED = "inspire_theme-offered"


def _is_abstract(description: dict) -> bool:
    return description.get("description_type", "Abstract") == "Abstract"


def _title(md: dict) -> str:
    titles = items(md.get("titles"))
    return text(titles[0].get("title")) if titles else ""


def _abstract(md: dict) -> str:
    abstract = next((d for d in items(md.get("descriptions")) if _is_abstract(d)), {})
    return text(abstract.get("description"))


class Describe(Step):
    slug = "describe"
    label = gettext_lazy("Describe")
    title = gettext_lazy("Describe the dataset")
    summary = gettext_lazy(
        "What the data are: title, abstract, how they were made, keywords and the community that reviews them."
    )
    defaults: ClassVar[dict[str, str]] = {"resource_type_general": "Dataset", "language": "en"}
    checks = (
        Check("title", gettext_lazy("Title"), True, lambda md, deposit, files: bool(_title(md))),
        Check("abstract", gettext_lazy("Abstract"), True, lambda md, deposit, files: bool(_abstract(md))),
        Check(
            "community",
            gettext_lazy("Community"),
            True,
            lambda md, deposit, files: deposit is not None and deposit.community_id is not None,
        ),
        Check(
            "keywords",
            gettext_lazy("Keywords from a thesaurus"),
            False,
            lambda md, deposit, files: bool(thesaurus_keywords(md)),
        ),
        Check(
            "lineage", gettext_lazy("Lineage"), False, lambda md, deposit, files: bool(text(md.get("lineage")).strip())
        ),
    )

    def read(self, metadata, deposit=None) -> dict:
        md = mapping(metadata)
        titles = items(md.get("titles"))
        resource_type = mapping(md.get("resource_type"))
        subjects = subjects_in(md)
        theme = theme_index(md)
        return {
            "title": _title(md),
            "alt_titles": [
                {
                    "title": text(t.get("title")),
                    "title_type": text(t.get("title_type")) or "AlternativeTitle",
                    "lang": text(t.get("lang")),
                }
                for t in titles[1:]
            ],
            "abstract": _abstract(md),
            "resource_type_general": text(resource_type.get("general")) or "Dataset",
            "resource_type_type": text(resource_type.get("type")),
            "language": text(md.get("language")) if "language" in md else "en",
            "lineage": text(md.get("lineage")),
            "keywords": group_rows(md, "keywords"),
            "free_keywords": "; ".join(
                text(s.get("subject")) for i, s in enumerate(subjects) if group_of(s) == "free_keywords" and i != theme
            ),
            "community": deposit.community.slug if deposit is not None and deposit.community_id else "",
            "inspire_theme": theme_uri_of(subjects[theme]) if theme is not None else "",
        }

    def merge_values(self, md, values):
        title = values.get("title", "")
        alternatives = []
        for row in rows(values, "alt_titles"):
            if not row.get("title"):
                continue
            item = {"title": row["title"], "title_type": row.get("title_type") or "AlternativeTitle"}
            if row.get("lang"):
                item["lang"] = row["lang"]
            alternatives.append(item)
        old_titles = items(md.get("titles"))
        main = {k: v for k, v in (old_titles[0] if old_titles else {}).items() if k == "lang"}
        main["title"] = title
        # An empty main title with alternatives stays an (empty, flagged) first title, so that an
        # alternative never silently becomes the main one.
        set_or_drop(md, "titles", ([main] if (title or alternatives) else []) + alternatives)

        descriptions = items(md.get("descriptions"))
        others = [d for d in descriptions if not _is_abstract(d)]
        old = next((d for d in descriptions if _is_abstract(d)), {})
        abstract = values.get("abstract", "")
        if abstract:
            item = {"description": abstract, "description_type": "Abstract"}
            if old.get("lang"):
                item["lang"] = old["lang"]
            set_or_drop(md, "descriptions", [item, *others])
        else:
            set_or_drop(md, "descriptions", others)
        md["resource_type"] = {
            "general": values.get("resource_type_general") or "Dataset",
            "type": values.get("resource_type_type", ""),
        }
        if "language" in values:
            set_or_drop(md, "language", values["language"])
        set_or_drop(md, "lineage", values.get("lineage", ""))
        free = [
            {"subject": term.strip(), "keyword_type": "theme"}
            for term in re.split(r"[;\n]", values.get("free_keywords", ""))
            if term.strip()
        ]
        theme = _theme(md, values)
        # A keyword line that repeats the theme goes into the theme's field (the type-ahead offers the
        # register's themes too).
        keywords = [
            s
            for s in subjects_from(values, "keywords")
            if theme is None or not (is_theme(s) and theme_uri_of(s) == theme_uri_of(theme))
        ]
        # The where-and-when groups' subjects are kept as they are (whatever their shape).
        kept = [s for s in sequence(md.get("subjects")) if group_of(mapping(s)) not in GROUPS]
        set_or_drop(md, "subjects", ([theme] if theme else []) + keywords + free + kept)
        return values.get("community", "") or None

    def anchor(self, path: FieldPath, metadata, files):
        top, rest, index = path.top, path.rest, path.index
        if top == "titles":
            if index is None or index == 0:
                return "f-title"
            leaf = rest[1] if len(rest) > 1 else "title"
            return f"f-alt_titles-{index - 1}-{leaf if leaf in ('title', 'title_type', 'lang') else 'title'}"
        if top == "descriptions":
            return "f-abstract"
        if top == "resource_type":
            return "f-resource_type_type" if rest[:1] == ("type",) else "f-resource_type_general"
        if top in ("language", "lineage", "community"):
            return f"f-{top}"
        if top == "subjects":
            anchor = subject_anchor(metadata, index)
            return anchor if anchor_group(anchor) in (*GROUPS, "inspire_theme") else None
        return None


def _theme(md: dict, values: dict[str, str]) -> dict | None:
    """The INSPIRE theme after the save: the one chosen; the community's default when the theme was
    left at the default the page offered (so it follows a new community, and comes with the first
    one); none when the depositor cleared it; the document's own when the page did not send the
    field."""
    index = theme_index(md)
    old = items(md.get("subjects"))[index] if index is not None else None
    if "inspire_theme" not in values:
        return old
    chosen = values["inspire_theme"]
    if OFFERED in values and "community" in values and chosen == values[OFFERED]:
        chosen = community_theme(values["community"])
    if not chosen:
        return None
    if old is not None and theme_uri_of(old) == chosen:
        return old  # as it was stored (its label, its language)
    return theme_subject(chosen) or old
