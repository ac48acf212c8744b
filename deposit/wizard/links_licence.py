"""Step 5, links, licence and review: related publications, code and data, the licence and the
conditions for access and use it sets (which follow the licence until the depositor changes them:
`inspire.py`), open or embargoed access, the version; the page ends with the last check of the whole
deposit before it is submitted (the problems and the automatic checks, shown by the review
fragment)."""

from __future__ import annotations

from datetime import date, timedelta

from django.utils.translation import gettext_lazy

from repository.metadata import EMBARGO_MAX_DAYS, LICENCES

from .base import Check, FieldPath, Step
from .inspire import licence_of, use_conditions
from .lenient import items, mapping, sequence, text
from .values import rows, set_or_drop

RELATED_LEAVES = ("identifier_type", "relation_type", "resource_type_general")


def embargo_limit(today: date | None = None) -> date:
    """The latest date an embargo may end, counted from today."""
    return (today or date.today()) + timedelta(days=EMBARGO_MAX_DAYS)


class LinksLicence(Step):
    slug = "links_licence"
    label = gettext_lazy("Links, licence and review")
    title = gettext_lazy("Links, licence and review")
    summary = gettext_lazy(
        "Related publications and code, the licence and access, then a last check before you submit."
    )
    checks = (
        Check("licence", gettext_lazy("Licence"), True, lambda md, deposit, files: bool(sequence(md.get("rights")))),
        Check(
            "related_identifiers",
            gettext_lazy("Related resources"),
            False,
            lambda md, deposit, files: bool(sequence(md.get("related_identifiers"))),
        ),
    )

    def read(self, metadata, deposit=None) -> dict:
        md = mapping(metadata)
        rights = items(md.get("rights"))
        access = mapping(md.get("access"))
        return {
            "related_identifiers": [
                {
                    "identifier": text(r.get("identifier")),
                    "identifier_type": text(r.get("identifier_type")) or "DOI",
                    "relation_type": text(r.get("relation_type")) or "IsSupplementTo",
                    "resource_type_general": text(r.get("resource_type_general")),
                }
                for r in items(md.get("related_identifiers"))
            ],
            "licence": text(rights[0].get("identifier")) if rights else "",
            "use_conditions": text(md.get("use_conditions")),
            "access": {
                "level": text(access.get("level")) or "open",
                "embargo_until": text(access.get("embargo_until")),
            },
            "version": text(md.get("version")),
        }

    def merge_values(self, md, values):
        licence_before = licence_of(md)
        related = []
        for row in rows(values, "related_identifiers"):
            if not row.get("identifier"):
                continue
            item = {
                "identifier": row["identifier"],
                "identifier_type": row.get("identifier_type") or "DOI",
                "relation_type": row.get("relation_type") or "IsSupplementTo",
            }
            if row.get("resource_type_general"):
                item["resource_type_general"] = row["resource_type_general"]
            related.append(item)
        set_or_drop(md, "related_identifiers", related)
        if "licence" in values:
            licence = LICENCES.get(values["licence"])
            set_or_drop(md, "rights", [licence.model_dump()] if licence else [])
        if "use_conditions" in values:
            conditions = values["use_conditions"]
            # Left as the old licence set them, the conditions follow the new one (the page's script
            # does the same as the licence is chosen; this is for the form sent without it).
            licence_after = licence_of(md)
            if licence_after != licence_before and conditions == use_conditions(licence_before):
                conditions = use_conditions(licence_after)
            set_or_drop(md, "use_conditions", conditions)
        level = values.get("access-level") or "open"
        access = {"level": level}
        if level != "open" and values.get("access-embargo_until"):
            access["embargo_until"] = values["access-embargo_until"]
        md["access"] = access
        set_or_drop(md, "version", values.get("version", ""))
        return ...

    def anchor(self, path: FieldPath, metadata, files):
        top, rest, index = path.top, path.rest, path.index
        if top == "related_identifiers":
            if index is None:
                return "f-related_identifiers"
            leaf = rest[1] if len(rest) > 1 and rest[1] in RELATED_LEAVES else "identifier"
            return f"f-related_identifiers-{index}-{leaf}"
        if top == "rights":
            return "f-licence"
        if top == "use_conditions":
            return "f-use_conditions"
        if top == "access":
            access = mapping(metadata.get("access"))
            if rest[:1] == ("level",) or access.get("level", "open") == "open":
                return "f-access-level"
            return "f-access-embargo_until"
        if top in ("version", "publisher", "publication_year"):
            return "f-version"
        return None

    def has_content(self, metadata, deposit, files) -> bool:
        # The access level always holds a value (open by default): a link, a licence or a version counts.
        md = mapping(metadata)
        return bool(sequence(md.get("related_identifiers")) or sequence(md.get("rights")) or md.get("version"))
