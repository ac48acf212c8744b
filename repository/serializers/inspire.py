"""What INSPIRE asks of a record beyond DataCite, read from its metadata document, with the defaults
drawn from its community and licence where the document says nothing: an INSPIRE theme, the
conditions applying to access and use, and a lineage statement. The ISO 19115-3 export writes them
(GeoNetwork's INSPIRE rule set checks them); the wizard and the moderation checks can offer and
flag the same values.

Where each lives in the document:
- the theme is a keyword of the INSPIRE themes register (`scheme_uri` http://inspire.ec.europa.eu/theme,
  `value_uri` the theme's URI, `subject` its label), so that DataCite and schema.org show it too;
  default: the theme of the record's community;
- the conditions of use are the depositor's `use_conditions` (the wizard fills them in from the
  licence, visible and editable); when there are none, they follow from the licence; the conditions
  of access follow from the embargo;
- the lineage statement is `lineage` (with Methods descriptions); default: a sentence naming the
  resources the data were derived from or compiled with, when there are any.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from repository.metadata import AccessLevel, DescriptionType, MetadataDocument, RelationType, Rights

# The INSPIRE themes register (GEMET), as GeoNetwork cites it: the INSPIRE rules find a theme by its
# label in this thesaurus.
THEMES_URI = "http://inspire.ec.europa.eu/theme"
THEMES_TITLE = "GEMET - INSPIRE themes, version 1.0"
THEMES_DATE = date(2008, 6, 1)

# The themes Estran's communities work in: URI suffix -> English label (the register's prefLabel).
THEMES = {
    "of": "Oceanographic geographical features",
    "sr": "Sea regions",
    "ac": "Atmospheric conditions",
    "mf": "Meteorological geographical features",
    "lc": "Land cover",
    "hy": "Hydrography",
    "so": "Soil",
    "el": "Elevation",
    "ge": "Geology",
    "nz": "Natural risk zones",
    "sd": "Species distribution",
    "hb": "Habitats and biotopes",
    "br": "Bio-geographical regions",
    "ef": "Environmental monitoring facilities",
}
# The default theme of each community (its slug).
COMMUNITY_THEMES = {
    "ocean": "of",
    "atmosphere": "ac",
    "land-surfaces": "lc",
    "solid-earth": "ge",
    "biodiversity": "sd",
}

SOURCE_RELATIONS = {RelationType.is_derived_from: "Derived from", RelationType.is_compiled_by: "Compiled with"}


@dataclass(frozen=True)
class Theme:
    uri: str
    label: str


def theme_uri(code: str) -> str:
    return f"{THEMES_URI}/{code}"


def is_theme(subject) -> bool:
    return (subject.scheme_uri or "").rstrip("/") == THEMES_URI or (subject.value_uri or "").startswith(
        THEMES_URI + "/"
    )


def themes(document: MetadataDocument, community_slug: str = "") -> list[Theme]:
    """The record's INSPIRE themes: the document's, else its community's. INSPIRE is about spatial
    data: a record with no location gets no default."""
    chosen = [Theme(s.value_uri or "", s.subject) for s in document.subjects if is_theme(s)]
    if chosen or not document.geo_locations:
        return chosen
    code = COMMUNITY_THEMES.get(community_slug)
    return [Theme(theme_uri(code), THEMES[code])] if code else []


def use_conditions(rights: Rights) -> str:
    """The conditions applying to use, as the licence sets them."""
    return f"Use is subject to the licence {rights.title} ({rights.identifier}): {rights.uri}"


def use_limitation(document: MetadataDocument, rights: Rights, *, first: bool = True) -> str:
    """The conditions applying to use of a licence's constraint: the depositor's, which belong with
    the (first) licence, else those the licence sets."""
    return (document.use_conditions if first else None) or use_conditions(rights)


def access_conditions(document: MetadataDocument, *, withdrawn_on: date | None = None) -> str:
    """The conditions applying to access: none, an embargo's end, or a withdrawal."""
    if withdrawn_on:
        return f"Withdrawn on {withdrawn_on.isoformat()}: the files are no longer available; the metadata stay public."
    if document.access.level is AccessLevel.embargoed and document.access.embargo_until:
        return f"The files are embargoed until {document.access.embargo_until.isoformat()}; the metadata are public."
    return "No conditions apply to access: the files and the metadata are public."


def lineage_statement(document: MetadataDocument) -> str | None:
    """The lineage: the depositor's, with the Methods descriptions; else the sources it names."""
    statements = [d.description for d in document.descriptions if d.description_type is DescriptionType.methods]
    if document.lineage:
        statements.insert(0, document.lineage)
    if statements:
        return "\n\n".join(dict.fromkeys(statements))
    sources = [
        f"{SOURCE_RELATIONS[r.relation_type]} {r.identifier}"
        for r in document.related_identifiers
        if r.relation_type in SOURCE_RELATIONS
    ]
    return "; ".join(sources) + "." if sources else None
