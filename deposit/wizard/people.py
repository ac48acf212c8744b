"""Step 2, people and funding: the creators and contributors (persons or organisations, with their
ORCID iDs and affiliations), the point of contact and the funding references."""

from __future__ import annotations

import re

from django.utils.translation import gettext_lazy

from core.identifiers import normalize_orcid, normalize_ror

from .base import Check, FieldPath, Step
from .lenient import items, mapping, sequence, text
from .values import rows, set_or_drop

CONTACT_KEYS = ("name", "email", "organisation", "orcid")
FUNDING_KEYS = (
    "funder_name",
    "funder_identifier",
    "funder_identifier_type",
    "award_number",
    "award_uri",
    "award_title",
)


def _person(item: dict) -> dict:
    item = mapping(item)
    name_type = "Organizational" if item.get("name_type") == "Organizational" else "Personal"
    name = text(item.get("name"))
    family, given = text(item.get("family_name")), text(item.get("given_name"))
    if name_type == "Personal" and not (family or given) and name:
        family, _sep, given = (part.strip() for part in name.partition(","))
    return {
        "name_type": name_type,
        "name": name,
        "family_name": family,
        "given_name": given,
        "orcid": text(item.get("orcid")),
        "affiliations": [
            {"name": text(a.get("name")), "ror": text(a.get("ror"))} for a in items(item.get("affiliations"))
        ],
        "contributor_type": text(item.get("contributor_type")) or "Other",
    }


def _orcid_as_typed(typed: str) -> str:
    """A recognisable iD in its canonical form; anything else as typed, for validation to flag."""
    typed = (typed or "").strip()
    normalized = normalize_orcid(typed)
    return normalized if re.fullmatch(r"\d{4}-\d{4}-\d{4}-\d{3}[\dX]", normalized) else typed


def _people(values: dict[str, str], group: str) -> list[dict]:
    people = []
    for row in rows(values, group):
        name_type = "Organizational" if row.get("name_type") == "Organizational" else "Personal"
        family, given = row.get("family_name", ""), row.get("given_name", "")
        if name_type == "Personal":
            name = ", ".join(p for p in (family, given) if p) if (family or given) else row.get("name", "")
        else:
            name = row.get("name", "") or ", ".join(p for p in (family, given) if p)
        affiliations = []
        for affiliation in rows(row, "affiliations"):
            label, ror = affiliation.get("name", ""), affiliation.get("ror", "")
            if label or ror:
                item = {"name": label}
                if ror:
                    item["ror"] = normalize_ror(ror) or ror
                affiliations.append(item)
        orcid = _orcid_as_typed(row.get("orcid", ""))
        if not (name or orcid or affiliations):
            continue
        person = {"name": name, "name_type": name_type}
        if name_type == "Personal":
            if family:
                person["family_name"] = family
            if given:
                person["given_name"] = given
        if orcid:
            person["orcid"] = orcid
        if affiliations:
            person["affiliations"] = affiliations
        if group == "contributors":
            person["contributor_type"] = row.get("contributor_type") or "Other"
        people.append(person)
    return people


def _is_person(creator: dict) -> bool:
    return creator.get("name_type", "Personal") != "Organizational"


def _orcids_filled(md, deposit, files) -> bool:
    persons = [c for c in items(md.get("creators")) if _is_person(c)]
    return bool(persons) and all(c.get("orcid") for c in persons)


def _affiliations_filled(md, deposit, files) -> bool:
    creators = items(md.get("creators"))
    return bool(creators) and all(c.get("affiliations") or c.get("name_type") == "Organizational" for c in creators)


def _contact_filled(md, deposit, files) -> bool:
    contact = mapping(md.get("point_of_contact"))
    return bool(contact.get("name") and ("email" not in contact or contact.get("email")))


class People(Step):
    slug = "people"
    label = gettext_lazy("People and funding")
    title = gettext_lazy("People and funding")
    summary = gettext_lazy(
        "Who made the data, who else contributed, whom to ask about them, and who paid for the work."
    )
    checks = (
        Check(
            "creators", gettext_lazy("Creators"), True, lambda md, deposit, files: bool(sequence(md.get("creators")))
        ),
        Check("orcid", gettext_lazy("ORCID iDs of the creators"), False, _orcids_filled),
        Check("affiliations", gettext_lazy("Affiliations"), False, _affiliations_filled),
        Check("point_of_contact", gettext_lazy("Point of contact"), True, _contact_filled),
    )

    def read(self, metadata, deposit=None) -> dict:
        md = mapping(metadata)
        contact = mapping(md.get("point_of_contact"))
        return {
            "creators": [_person(c) for c in sequence(md.get("creators"))],
            "contributors": [_person(c) for c in sequence(md.get("contributors"))],
            "point_of_contact": {
                **{k: text(contact.get(k)) for k in CONTACT_KEYS},
                # Which address is published: one the depositor gave, else the community's.
                "address": "own" if "email" in contact else "community",
            },
            "funding_references": [
                {k: text(f.get(k)) for k in FUNDING_KEYS} for f in items(md.get("funding_references"))
            ],
        }

    def merge_values(self, md, values):
        set_or_drop(md, "creators", _people(values, "creators"))
        set_or_drop(md, "contributors", _people(values, "contributors"))
        contact = {k: values.get(f"point_of_contact-{k}", "") for k in CONTACT_KEYS}
        if contact["orcid"]:
            contact["orcid"] = _orcid_as_typed(contact["orcid"])
        # The address is published only when the depositor chose to give one (an empty one is kept,
        # for submission to ask for it); otherwise the community's address is published.
        address = values.get("point_of_contact-address") or ("own" if contact["email"] else "community")
        if address != "own":
            contact.pop("email")
        if any(contact.values()):
            set_or_drop(md, "point_of_contact", {k: v for k, v in contact.items() if v or k in ("name", "email")})
        else:
            md.pop("point_of_contact", None)
        funding = []
        for row in rows(values, "funding_references"):
            item = {k: row.get(k, "") for k in FUNDING_KEYS}
            if not any(v for k, v in item.items() if k != "funder_identifier_type"):
                continue
            if item["funder_identifier_type"] == "ROR" and item["funder_identifier"]:
                item["funder_identifier"] = normalize_ror(item["funder_identifier"]) or item["funder_identifier"]
            funding.append({k: v for k, v in item.items() if v or k == "funder_name"})
        set_or_drop(md, "funding_references", funding)
        return ...

    def anchor(self, path: FieldPath, metadata, files):
        top, rest, index = path.top, path.rest, path.index
        if top in ("creators", "contributors"):
            if index is None:
                return f"f-{top}"
            leaf = rest[1:]
            if not leaf:
                return f"f-{top}-{index}"
            if leaf[0] == "name":
                people = sequence(metadata.get(top))
                person = mapping(people[index]) if index < len(people) else {}
                return f"f-{top}-{index}-{'family_name' if _is_person(person) else 'name'}"
            if leaf[0] == "affiliations":
                if len(leaf) > 1 and leaf[1].isdigit():
                    sub = leaf[2] if len(leaf) > 2 and leaf[2] in ("name", "ror") else "name"
                    return f"f-{top}-{index}-affiliations-{leaf[1]}-{sub}"
                return f"f-{top}-{index}-affiliations"
            if leaf[0] in ("orcid", "family_name", "given_name", "name_type", "contributor_type"):
                return f"f-{top}-{index}-{leaf[0]}"
            return f"f-{top}-{index}"
        if top == "point_of_contact":
            if rest and rest[0] in CONTACT_KEYS:
                return f"f-point_of_contact-{rest[0]}"
            return "f-point_of_contact"
        if top == "funding_references":
            if index is None:
                return "f-funding_references"
            leaf = rest[1] if len(rest) > 1 else "funder_name"
            return f"f-funding_references-{index}-{leaf}"
        return None
