"""Field labels in words ("Creators 2 › ORCID iD"), for the problems' "where", the conflict view and
the moderator's comments on a field."""

from __future__ import annotations

import re

from django.utils.translation import gettext_lazy

from .keywords import KEYWORD_GROUPS

LEAF_LABELS = {
    "title": gettext_lazy("Title"),
    "title_type": gettext_lazy("Kind of title"),
    "lang": gettext_lazy("Language"),
    "abstract": gettext_lazy("Abstract"),
    "resource_type_general": gettext_lazy("Resource type"),
    "resource_type_type": gettext_lazy("Free resource type"),
    "language": gettext_lazy("Language"),
    "lineage": gettext_lazy("Lineage"),
    "free_keywords": gettext_lazy("Free keywords"),
    "community": gettext_lazy("Community"),
    "subject": gettext_lazy("Term"),
    "value_uri": gettext_lazy("Concept URI"),
    "scheme": gettext_lazy("Thesaurus"),
    "scheme_uri": gettext_lazy("Thesaurus URI"),
    "keyword_type": gettext_lazy("Kind of keyword"),
    "name_type": gettext_lazy("Person or organisation"),
    "name": gettext_lazy("Name"),
    "family_name": gettext_lazy("Family name"),
    "given_name": gettext_lazy("Given name"),
    "orcid": gettext_lazy("ORCID iD"),
    "ror": gettext_lazy("ROR id"),
    "email": gettext_lazy("E-mail address"),
    "address": gettext_lazy("Public contact address"),
    "organisation": gettext_lazy("Organisation"),
    "contributor_type": gettext_lazy("Role"),
    "funder_name": gettext_lazy("Funder"),
    "funder_identifier": gettext_lazy("Funder identifier"),
    "funder_identifier_type": gettext_lazy("Kind of funder identifier"),
    "award_number": gettext_lazy("Award number"),
    "award_uri": gettext_lazy("Award web address"),
    "award_title": gettext_lazy("Award title"),
    "place": gettext_lazy("Place name"),
    "west": gettext_lazy("West longitude"),
    "east": gettext_lazy("East longitude"),
    "south": gettext_lazy("South latitude"),
    "north": gettext_lazy("North latitude"),
    "longitude": gettext_lazy("Longitude"),
    "latitude": gettext_lazy("Latitude"),
    "polygon": gettext_lazy("Polygon vertices"),
    "start": gettext_lazy("Start date"),
    "end": gettext_lazy("End date"),
    "ongoing": gettext_lazy("Ongoing"),
    "minimum": gettext_lazy("Minimum"),
    "maximum": gettext_lazy("Maximum"),
    "reference": gettext_lazy("Vertical reference"),
    "unit": gettext_lazy("Unit"),
    "identifier": gettext_lazy("Identifier"),
    "identifier_type": gettext_lazy("Kind of identifier"),
    "relation_type": gettext_lazy("Relation"),
    "licence": gettext_lazy("Licence"),
    "use_conditions": gettext_lazy("Conditions for access and use"),
    "inspire_theme": gettext_lazy("INSPIRE theme"),
    "level": gettext_lazy("Access"),
    "embargo_until": gettext_lazy("Embargo until"),
    "version": gettext_lazy("Version"),
    "description": gettext_lazy("Description"),
    "type": gettext_lazy("Free resource type"),
    "general": gettext_lazy("Resource type"),
    "property_id": gettext_lazy("Concept (address)"),
    "unit_text": gettext_lazy("Unit"),
    "unit_code": gettext_lazy("Unit"),
    "keep": gettext_lazy("Measured in this dataset"),
}
GROUP_LABELS = {
    "alt_titles": gettext_lazy("Other titles"),
    "titles": gettext_lazy("Titles"),
    "descriptions": gettext_lazy("Abstract"),
    "resource_type": gettext_lazy("Resource type"),
    "subjects": gettext_lazy("Keywords"),
    "variables": gettext_lazy("Variables"),
    "creators": gettext_lazy("Creators"),
    "contributors": gettext_lazy("Contributors"),
    "affiliations": gettext_lazy("Affiliation"),
    "point_of_contact": gettext_lazy("Point of contact"),
    "funding_references": gettext_lazy("Funding"),
    "geo_locations": gettext_lazy("Location"),
    "box": gettext_lazy("Box"),
    "point": gettext_lazy("Point"),
    "temporal_extent": gettext_lazy("Time"),
    "vertical_extent": gettext_lazy("Depth or altitude"),
    "related_identifiers": gettext_lazy("Related resource"),
    "rights": gettext_lazy("Licence"),
    "access": gettext_lazy("Access"),
    "files": gettext_lazy("Files"),
    "dates": gettext_lazy("Dates"),
    **{g.name: g.label for g in KEYWORD_GROUPS},
}


def field_label(name: str) -> str:
    """`creators-1-orcid` → "Creators 2 › ORCID iD"."""
    parts = [p for p in re.split(r"[-.]", name) if p]
    words: list[str] = []
    for part in parts:
        if part.isdigit():
            if words:
                words[-1] = f"{words[-1]} {int(part) + 1}"
            continue
        label = GROUP_LABELS.get(part) or LEAF_LABELS.get(part) or part
        words.append(str(label))
    return " › ".join(words)
