"""The five-step deposit wizard: the steps, how each step's fields are read from and merged into the
metadata document (leniently: whatever is typed is kept, valid or not), where each validation
problem is shown (the anchor id of its field), and completeness per step and for the deposit.

Field names follow the document's paths with dashes (`creators-1-orcid` is
`metadata["creators"][1]["orcid"]`); a field's id is `f-<name>`, which is also the anchor the review
links to. The few fields that do not follow a path one to one (the main title, the abstract, the
keyword groups, which share `subjects`) are mapped explicitly below.
"""
from __future__ import annotations

import copy
import math
import re
from dataclasses import dataclass
from datetime import date, timedelta

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.utils.translation import gettext_noop as N_

from core.identifiers import normalize_orcid, normalize_ror
from repository.metadata import (
    EMBARGO_MAX_DAYS,
    LICENCES,
    STEPS,
    ContributorType,
    RelationType,
)

# --- The steps ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    slug: str
    number: int
    label: str  # short, for the step navigation
    title: str  # the page's heading
    summary: str  # one sentence under the heading

    @property
    def template(self) -> str:
        return f"deposit/wizard/{self.slug}.html"


STEP_LIST: tuple[Step, ...] = (
    Step("describe", 1, gettext_lazy("Describe"), gettext_lazy("Describe the dataset"),
         gettext_lazy("What the data are: title, abstract, how they were made, keywords and the community that reviews them.")),
    Step("people", 2, gettext_lazy("People and funding"), gettext_lazy("People and funding"),
         gettext_lazy("Who made the data, who else contributed, whom to ask about them, and who paid for the work.")),
    Step("where_when", 3, gettext_lazy("Where and when"), gettext_lazy("Where and when"),
         gettext_lazy("Where and when the data were collected, at which depths or altitudes, with what, and what was measured.")),
    Step("files", 4, gettext_lazy("Files"), gettext_lazy("Files"),
         gettext_lazy("Upload the data files, with a README that explains them.")),
    Step("links_licence", 5, gettext_lazy("Links, licence and review"), gettext_lazy("Links, licence and review"),
         gettext_lazy("Related publications and code, the licence and access, then a last check before you submit.")),
)
STEP_BY_SLUG = {s.slug: s for s in STEP_LIST}
assert tuple(STEP_BY_SLUG) == STEPS

# Steps whose fields are saved through the wizard's form (the files step has its own uploads).
FORM_STEPS = ("describe", "people", "where_when", "links_licence")

# --- Choices ------------------------------------------------------------------------------------

RESOURCE_TYPES = [
    ("Dataset", gettext_lazy("Dataset")),
    ("Collection", gettext_lazy("Collection")),
    ("Image", gettext_lazy("Image")),
    ("Model", gettext_lazy("Model (output of a numerical model)")),
    ("PhysicalObject", gettext_lazy("Physical object (samples, cores)")),
    ("Software", gettext_lazy("Software")),
    ("Text", gettext_lazy("Text")),
    ("Other", gettext_lazy("Other")),
]
LANGUAGES = [
    ("en", gettext_lazy("English")),
    ("fr", gettext_lazy("French")),
    ("es", gettext_lazy("Spanish")),
    ("de", gettext_lazy("German")),
    ("it", gettext_lazy("Italian")),
    ("pt", gettext_lazy("Portuguese")),
    ("zxx", gettext_lazy("No linguistic content (numbers only)")),
]
TITLE_TYPES = [
    ("AlternativeTitle", gettext_lazy("Alternative title")),
    ("Subtitle", gettext_lazy("Subtitle")),
    ("TranslatedTitle", gettext_lazy("Translated title")),
    ("Other", gettext_lazy("Other")),
]
NAME_TYPES = [("Personal", gettext_lazy("Person")), ("Organizational", gettext_lazy("Organisation"))]
CONTRIBUTOR_LABELS = {
    ContributorType.contact_person: gettext_lazy("Contact person"),
    ContributorType.data_collector: gettext_lazy("Data collector"),
    ContributorType.data_curator: gettext_lazy("Data curator"),
    ContributorType.data_manager: gettext_lazy("Data manager"),
    ContributorType.distributor: gettext_lazy("Distributor"),
    ContributorType.editor: gettext_lazy("Editor"),
    ContributorType.hosting_institution: gettext_lazy("Hosting institution"),
    ContributorType.producer: gettext_lazy("Producer"),
    ContributorType.project_leader: gettext_lazy("Project leader"),
    ContributorType.project_manager: gettext_lazy("Project manager"),
    ContributorType.project_member: gettext_lazy("Project member"),
    ContributorType.registration_agency: gettext_lazy("Registration agency"),
    ContributorType.registration_authority: gettext_lazy("Registration authority"),
    ContributorType.related_person: gettext_lazy("Related person"),
    ContributorType.researcher: gettext_lazy("Researcher"),
    ContributorType.research_group: gettext_lazy("Research group"),
    ContributorType.rights_holder: gettext_lazy("Rights holder"),
    ContributorType.sponsor: gettext_lazy("Sponsor"),
    ContributorType.supervisor: gettext_lazy("Supervisor"),
    ContributorType.translator: gettext_lazy("Translator"),
    ContributorType.work_package_leader: gettext_lazy("Work package leader"),
    ContributorType.other: gettext_lazy("Other"),
}
CONTRIBUTOR_TYPES = [(t.value, CONTRIBUTOR_LABELS[t]) for t in ContributorType]
FUNDER_ID_TYPES = [
    ("", gettext_lazy("— none —")),
    ("ROR", "ROR"),
    ("Crossref Funder ID", "Crossref Funder ID"),
    ("ISNI", "ISNI"),
    ("GRID", "GRID"),
    ("Other", gettext_lazy("Other")),
]
VERTICAL_REFERENCES = [
    ("depth", gettext_lazy("Depth below the sea surface")),
    ("altitude", gettext_lazy("Altitude above sea level")),
]
IDENTIFIER_TYPES = [
    ("DOI", "DOI"),
    ("URL", gettext_lazy("Web address (URL)")),
    ("SWHID", gettext_lazy("Software Heritage id (SWHID)")),
    ("Handle", "Handle"),
    ("ARK", "ARK"),
]
RELATION_LABELS = {
    RelationType.is_supplement_to: gettext_lazy("supplements (e.g. the article they support)"),
    RelationType.is_supplemented_by: gettext_lazy("is supplemented by"),
    RelationType.is_cited_by: gettext_lazy("is cited by"),
    RelationType.cites: gettext_lazy("cites"),
    RelationType.is_referenced_by: gettext_lazy("is referenced by"),
    RelationType.references: gettext_lazy("references (e.g. another dataset used)"),
    RelationType.is_described_by: gettext_lazy("is described by (e.g. a data paper)"),
    RelationType.describes: gettext_lazy("describes"),
    RelationType.is_documented_by: gettext_lazy("is documented by (e.g. a project web site, a manual)"),
    RelationType.documents: gettext_lazy("documents"),
    RelationType.is_compiled_by: gettext_lazy("is compiled by (e.g. the code that produced the data)"),
    RelationType.compiles: gettext_lazy("compiles"),
    RelationType.is_derived_from: gettext_lazy("is derived from"),
    RelationType.is_source_of: gettext_lazy("is the source of"),
    RelationType.is_part_of: gettext_lazy("is part of"),
    RelationType.has_part: gettext_lazy("has part"),
    RelationType.is_published_in: gettext_lazy("is published in"),
    RelationType.continues: gettext_lazy("continues"),
    RelationType.is_continued_by: gettext_lazy("is continued by"),
    RelationType.has_metadata: gettext_lazy("has metadata"),
    RelationType.is_metadata_for: gettext_lazy("is metadata for"),
    RelationType.has_version: gettext_lazy("has version"),
    RelationType.is_version_of: gettext_lazy("is a version of"),
    RelationType.is_new_version_of: gettext_lazy("is a new version of"),
    RelationType.is_previous_version_of: gettext_lazy("is a previous version of"),
    RelationType.is_variant_form_of: gettext_lazy("is a variant form of"),
    RelationType.is_original_form_of: gettext_lazy("is the original form of"),
    RelationType.is_identical_to: gettext_lazy("is identical to"),
    RelationType.is_reviewed_by: gettext_lazy("is reviewed by"),
    RelationType.reviews: gettext_lazy("reviews"),
    RelationType.is_required_by: gettext_lazy("is required by"),
    RelationType.requires: gettext_lazy("requires"),
    RelationType.obsoletes: gettext_lazy("obsoletes"),
    RelationType.is_obsoleted_by: gettext_lazy("is obsoleted by"),
    RelationType.is_collected_by: gettext_lazy("is collected by"),
    RelationType.collects: gettext_lazy("collects"),
    RelationType.is_translation_of: gettext_lazy("is a translation of"),
    RelationType.has_translation: gettext_lazy("has a translation"),
}
RELATION_TYPES = [(t.value, RELATION_LABELS[t]) for t in RELATION_LABELS]
RELATED_RESOURCE_TYPES = [("", gettext_lazy("— unspecified —"))] + [
    (value, label) for value, label in RESOURCE_TYPES
]
# What "Add an article", "Add source code"… put in a new related-resource line.
LINK_PRESETS = [
    {"kind": "article", "label": gettext_lazy("Add an article (DOI)"),
     "identifier_type": "DOI", "relation_type": "IsSupplementTo", "resource_type_general": "Text",
     "placeholder": "10.5194/os-20-1-2024"},
    {"kind": "code", "label": gettext_lazy("Add source code"),
     "identifier_type": "URL", "relation_type": "IsCompiledBy", "resource_type_general": "Software",
     "placeholder": "https://gitlab.example.org/lab/ctd-processing"},
    {"kind": "project", "label": gettext_lazy("Add the project web site"),
     "identifier_type": "URL", "relation_type": "IsDocumentedBy", "resource_type_general": "",
     "placeholder": "https://project.example.org"},
    {"kind": "dataset", "label": gettext_lazy("Add another dataset"),
     "identifier_type": "DOI", "relation_type": "References", "resource_type_general": "Dataset",
     "placeholder": "10.17882/12345"},
]
ACCESS_LEVELS = [
    ("open", gettext_lazy("Open: anyone can download the files once the deposit is published.")),
    ("embargoed", gettext_lazy("Embargoed: the description is public at once, the files from a date you choose (at most two years).")),
]
DEFAULT_LICENCE = "CC-BY-4.0"
LICENCE_EXPLANATIONS = {
    "CC-BY-4.0": gettext_lazy(
        "Anyone may copy, reuse and adapt the data, for any purpose, provided they credit you (cite the "
        "DOI). The usual choice for research data, and the one we recommend."),
    "CC0-1.0": gettext_lazy(
        "You give up all rights: anyone may reuse the data without any condition. Citing remains good "
        "scientific practice, but it is not a legal obligation."),
    "etalab-2.0": gettext_lazy(
        "The French public-sector open licence: reuse for any purpose with credit, like CC BY. Often "
        "required of French public bodies."),
    "ODbL-1.0": gettext_lazy(
        "For databases: reuse with credit, and databases derived from yours must be shared under the "
        "same licence (share-alike)."),
}


def licence_choices() -> list[dict]:
    return [
        {"id": key, "title": rights.title, "uri": rights.uri, "explanation": LICENCE_EXPLANATIONS.get(key, "")}
        for key, rights in LICENCES.items()
    ]


# --- Keyword groups: thesaurus concepts (and free terms) kept in `subjects` ----------------------


@dataclass(frozen=True)
class KeywordGroup:
    name: str  # the form group, e.g. "parameters"
    step: str
    keyword_type: str  # what the group's subjects carry; the type-ahead searches that picker's thesauri
    label: str
    help: str
    placeholder: str


KEYWORD_GROUPS: tuple[KeywordGroup, ...] = (
    KeywordGroup("keywords", "describe", "theme", gettext_lazy("Keywords from thesauri"),
                 gettext_lazy("Type a few letters and pick a term: it is kept with its identifier (URI) and its thesaurus, so that catalogues can find the data."),
                 gettext_lazy("e.g. ocean temperature")),
    KeywordGroup("places", "where_when", "place", gettext_lazy("Place names"),
                 gettext_lazy("Seas, regions or sites, from the gazetteer when it has them; press Enter to keep a name it does not know."),
                 gettext_lazy("e.g. Bay of Biscay")),
    KeywordGroup("platforms", "where_when", "platform", gettext_lazy("Platforms"),
                 gettext_lazy("Ships, moorings, gliders, floats, satellites… that carried the instruments."),
                 gettext_lazy("e.g. research vessel")),
    KeywordGroup("instruments", "where_when", "instrument", gettext_lazy("Instruments"),
                 gettext_lazy("Sensors and instruments used, e.g. a CTD."),
                 gettext_lazy("e.g. CTD")),
    KeywordGroup("parameters", "where_when", "parameter", gettext_lazy("Measured parameters"),
                 gettext_lazy("What was measured, from the NERC parameter vocabularies (P01, P02) when possible."),
                 gettext_lazy("e.g. temperature of the water column")),
)
GROUP_BY_NAME = {g.name: g for g in KEYWORD_GROUPS}
GROUP_BY_TYPE = {g.keyword_type: g for g in KEYWORD_GROUPS if g.name != "keywords"}
WHERE_TYPES = frozenset(GROUP_BY_TYPE)  # keyword types entered in step 3; every other type in step 1
SUBJECT_KEYS = ("subject", "value_uri", "scheme", "scheme_uri", "keyword_type", "lang")


def _group_of(subject: dict) -> str:
    """Which form group shows a subject: its where/when group, else a describe keyword (thesaurus
    concept), else a free keyword."""
    kind = str(subject.get("keyword_type") or "theme")
    if kind in GROUP_BY_TYPE:
        return GROUP_BY_TYPE[kind].name
    return "keywords" if subject.get("value_uri") else "free_keywords"


# --- Reading leniently --------------------------------------------------------------------------


def _d(value) -> dict:
    return value if isinstance(value, dict) else {}


def _l(value) -> list:
    return value if isinstance(value, list) else []


def _s(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else ""
    if isinstance(value, float):
        text = repr(value)
        return text[:-2] if text.endswith(".0") else text
    return str(value)


def flat(data) -> dict[str, str]:
    """A POST (QueryDict) or a dict as {name: value}: the last value of each name, stripped."""
    if hasattr(data, "lists"):
        return {k: (v[-1] if v else "").strip() for k, v in data.lists()}
    return {str(k): _s(v).strip() for k, v in dict(data).items()}


# A line's index has at most six digits (more lines than any list holds); a longer run of digits is
# not a line of the form, and is ignored.
_ROW = re.compile(r"^(\d{1,6})-(.+)$")


def rows(values: dict[str, str], group: str) -> list[dict[str, str]]:
    """The lines of a repeated group (`creators-0-orcid`, `creators-1-orcid`…) in index order,
    each as {rest of the name: value}."""
    prefix = group + "-"
    found: dict[int, dict[str, str]] = {}
    for key, value in values.items():
        if key.startswith(prefix):
            match = _ROW.match(key[len(prefix):])
            if match:
                found.setdefault(int(match[1]), {})[match[2]] = value
    return [found[i] for i in sorted(found)]


def number(text: str):
    """A typed number as a float; what is not one is kept as typed (drafts are lenient); "" → None."""
    text = (text or "").strip()
    if not text:
        return None
    candidate = text.replace("\u2212", "-").replace(" ", "")
    if candidate.count(",") == 1 and "." not in candidate:
        candidate = candidate.replace(",", ".")  # a decimal comma
    try:
        value = float(candidate)
    except ValueError:
        return text
    # "nan", "inf" and "1e999" are floats to Python but no JSON number: kept as typed, and flagged
    return value if math.isfinite(value) else text


def parse_polygon(text: str) -> list:
    """One vertex a line, `longitude, latitude` (or separated by spaces or a semicolon)."""
    points = []
    for line in (text or "").splitlines():
        line = line.strip()
        if not line:
            continue
        parts = [p for p in re.split(r"[\s,;]+", line.replace("\u2212", "-")) if p]
        if len(parts) == 2:
            points.append({"longitude": number(parts[0]), "latitude": number(parts[1])})
        else:
            points.append({"longitude": line})  # kept as typed, flagged at the field
    return points


def format_polygon(points) -> str:
    lines = []
    ring = [_d(p) for p in _l(points)]
    if len(ring) > 3 and ring[0] == ring[-1]:
        ring = ring[:-1]  # the closing vertex is implied
    for point in ring:
        lon, lat = _s(point.get("longitude")), _s(point.get("latitude"))
        lines.append(f"{lon}, {lat}" if lat else lon)
    return "\n".join(lines)


def _person(item: dict) -> dict:
    item = _d(item)
    name_type = "Organizational" if item.get("name_type") == "Organizational" else "Personal"
    name = _s(item.get("name"))
    family, given = _s(item.get("family_name")), _s(item.get("given_name"))
    if name_type == "Personal" and not (family or given) and name:
        family, _sep, given = (part.strip() for part in name.partition(","))
    return {
        "name_type": name_type,
        "name": name,
        "family_name": family,
        "given_name": given,
        "orcid": _s(item.get("orcid")),
        "affiliations": [{"name": _s(_d(a).get("name")), "ror": _s(_d(a).get("ror"))} for a in _l(item.get("affiliations"))],
        "contributor_type": _s(item.get("contributor_type")) or "Other",
    }


def _subject_row(subject: dict) -> dict:
    subject = _d(subject)
    row = {key: _s(subject.get(key)) for key in SUBJECT_KEYS}
    row["keyword_type"] = row["keyword_type"] or "theme"
    return row


def read_step(step: str, metadata: dict | None, deposit=None) -> dict:
    """What a step's page shows of the (possibly half-typed) document."""
    md = _d(metadata)
    if step == "describe":
        titles = [_d(t) for t in _l(md.get("titles"))]
        descriptions = [_d(d) for d in _l(md.get("descriptions"))]
        abstract = next((d for d in descriptions if d.get("description_type", "Abstract") == "Abstract"), {})
        resource_type = _d(md.get("resource_type"))
        subjects = [_d(s) for s in _l(md.get("subjects"))]
        return {
            "title": _s(titles[0].get("title")) if titles else "",
            "alt_titles": [
                {"title": _s(t.get("title")), "title_type": _s(t.get("title_type")) or "AlternativeTitle",
                 "lang": _s(t.get("lang"))}
                for t in titles[1:]
            ],
            "abstract": _s(abstract.get("description")),
            "resource_type_general": _s(resource_type.get("general")) or "Dataset",
            "resource_type_type": _s(resource_type.get("type")),
            "language": _s(md.get("language")) if "language" in md else "en",
            "lineage": _s(md.get("lineage")),
            "keywords": [_subject_row(s) for s in subjects if _group_of(s) == "keywords"],
            "free_keywords": "; ".join(_s(s.get("subject")) for s in subjects if _group_of(s) == "free_keywords"),
            "community": deposit.community.slug if deposit is not None and deposit.community_id else "",
        }
    if step == "people":
        contact = _d(md.get("point_of_contact"))
        return {
            "creators": [_person(c) for c in _l(md.get("creators"))],
            "contributors": [_person(c) for c in _l(md.get("contributors"))],
            "point_of_contact": {
                **{k: _s(contact.get(k)) for k in ("name", "email", "organisation", "orcid")},
                # Which address is published: one the depositor gave, else the community's.
                "address": "own" if "email" in contact else "community",
            },
            "funding_references": [
                {k: _s(_d(f).get(k)) for k in ("funder_name", "funder_identifier", "funder_identifier_type",
                                                "award_number", "award_uri", "award_title")}
                for f in _l(md.get("funding_references"))
            ],
        }
    if step == "where_when":
        subjects = [_d(s) for s in _l(md.get("subjects"))]
        locations = []
        for location in _l(md.get("geo_locations")):
            location = _d(location)
            box, point = _d(location.get("box")), _d(location.get("point"))
            kind = ("box" if location.get("box") is not None else "point" if location.get("point") is not None
                    else "polygon" if location.get("polygon") is not None else "place")
            locations.append({
                "kind": kind,
                "place": _s(location.get("place")),
                "box": {k: _s(box.get(k)) for k in ("west", "east", "south", "north")},
                "point": {k: _s(point.get(k)) for k in ("longitude", "latitude")},
                "polygon": format_polygon(location.get("polygon")),
            })
        temporal, vertical = _d(md.get("temporal_extent")), _d(md.get("vertical_extent"))
        values = {
            "geo_locations": locations,
            "temporal_extent": {"start": _s(temporal.get("start")), "end": _s(temporal.get("end")),
                                "ongoing": bool(temporal.get("ongoing"))},
            "vertical_extent": {"minimum": _s(vertical.get("minimum")), "maximum": _s(vertical.get("maximum")),
                                "reference": _s(vertical.get("reference")) or "depth"},
        }
        for group in KEYWORD_GROUPS:
            if group.step == "where_when":
                values[group.name] = [_subject_row(s) for s in subjects if _group_of(s) == group.name]
        return values
    if step == "links_licence":
        rights = [_d(r) for r in _l(md.get("rights"))]
        access = _d(md.get("access"))
        return {
            "related_identifiers": [
                {"identifier": _s(_d(r).get("identifier")),
                 "identifier_type": _s(_d(r).get("identifier_type")) or "DOI",
                 "relation_type": _s(_d(r).get("relation_type")) or "IsSupplementTo",
                 "resource_type_general": _s(_d(r).get("resource_type_general"))}
                for r in _l(md.get("related_identifiers"))
            ],
            "licence": _s(rights[0].get("identifier")) if rights else "",
            "access": {"level": _s(access.get("level")) or "open", "embargo_until": _s(access.get("embargo_until"))},
            "version": _s(md.get("version")),
        }
    return {}


# --- Merging a step's fields into the document --------------------------------------------------


def _set(md: dict, key: str, value) -> None:
    """Set, or drop the key when nothing was typed."""
    if value in (None, "", [], {}):
        md.pop(key, None)
    else:
        md[key] = value


def _subjects_from(values: dict[str, str], group: str, keyword_type: str | None = None) -> list[dict]:
    subjects = []
    for row in rows(values, group):
        subject = {k: row.get(k, "").strip() for k in SUBJECT_KEYS}
        if not subject["subject"]:
            continue
        subject["keyword_type"] = keyword_type or subject["keyword_type"] or "theme"
        subjects.append({k: v for k, v in subject.items() if v or k == "subject"})
    return subjects


def _orcid_as_typed(text: str) -> str:
    """A recognisable iD in its canonical form; anything else as typed, for validation to flag."""
    text = (text or "").strip()
    normalized = normalize_orcid(text)
    return normalized if re.fullmatch(r"\d{4}-\d{4}-\d{4}-\d{3}[\dX]", normalized) else text


def _people(values: dict[str, str], group: str) -> list[dict]:
    people = []
    for index, row in enumerate(rows(values, group)):
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


def merge_step(step: str, metadata: dict | None, data) -> tuple[dict, object]:
    """The document with the step's typed fields merged in (everything else kept), and the
    community slug to set (`...` when the step has none)."""
    md = copy.deepcopy(_d(metadata))
    values = flat(data)
    community = ...
    if step == "describe":
        title = values.get("title", "")
        alternatives = []
        for row in rows(values, "alt_titles"):
            if not row.get("title"):
                continue
            item = {"title": row["title"], "title_type": row.get("title_type") or "AlternativeTitle"}
            if row.get("lang"):
                item["lang"] = row["lang"]
            alternatives.append(item)
        old_titles = [_d(t) for t in _l(md.get("titles"))]
        main = {k: v for k, v in (old_titles[0] if old_titles else {}).items() if k == "lang"}
        main["title"] = title
        # An empty main title with alternatives stays an (empty, flagged) first title, so that an
        # alternative never silently becomes the main one.
        _set(md, "titles", ([main] if (title or alternatives) else []) + alternatives)

        descriptions = [_d(d) for d in _l(md.get("descriptions"))]
        others = [d for d in descriptions if d.get("description_type", "Abstract") != "Abstract"]
        old = next((d for d in descriptions if d.get("description_type", "Abstract") == "Abstract"), {})
        abstract = values.get("abstract", "")
        if abstract:
            item = {"description": abstract, "description_type": "Abstract"}
            if old.get("lang"):
                item["lang"] = old["lang"]
            _set(md, "descriptions", [item] + others)
        else:
            _set(md, "descriptions", others)
        md["resource_type"] = {"general": values.get("resource_type_general") or "Dataset",
                               "type": values.get("resource_type_type", "")}
        if "language" in values:
            _set(md, "language", values["language"])
        _set(md, "lineage", values.get("lineage", ""))
        free = [{"subject": term.strip(), "keyword_type": "theme"}
                for term in re.split(r"[;\n]", values.get("free_keywords", "")) if term.strip()]
        kept = [s for s in _l(md.get("subjects")) if _group_of(_d(s)) not in ("keywords", "free_keywords")]
        _set(md, "subjects", _subjects_from(values, "keywords") + free + kept)
        community = values.get("community", "") or None
    elif step == "people":
        _set(md, "creators", _people(values, "creators"))
        _set(md, "contributors", _people(values, "contributors"))
        contact = {k: values.get(f"point_of_contact-{k}", "") for k in ("name", "email", "organisation", "orcid")}
        if contact["orcid"]:
            contact["orcid"] = _orcid_as_typed(contact["orcid"])
        # The address is published only when the depositor chose to give one (an empty one is kept,
        # for submission to ask for it); otherwise the community's address is published.
        address = values.get("point_of_contact-address") or ("own" if contact["email"] else "community")
        if address != "own":
            contact.pop("email")
        if any(contact.values()):
            _set(md, "point_of_contact", {k: v for k, v in contact.items() if v or k in ("name", "email")})
        else:
            md.pop("point_of_contact", None)
        funding = []
        for row in rows(values, "funding_references"):
            item = {k: row.get(k, "") for k in ("funder_name", "funder_identifier", "funder_identifier_type",
                                                 "award_number", "award_uri", "award_title")}
            if not any(v for k, v in item.items() if k != "funder_identifier_type"):
                continue
            if item["funder_identifier_type"] == "ROR" and item["funder_identifier"]:
                item["funder_identifier"] = normalize_ror(item["funder_identifier"]) or item["funder_identifier"]
            funding.append({k: v for k, v in item.items() if v or k == "funder_name"})
        _set(md, "funding_references", funding)
    elif step == "where_when":
        locations = []
        for row in rows(values, "geo_locations"):
            kind = row.get("kind", "place")
            location: dict = {}
            if row.get("place"):
                location["place"] = row["place"]
            if kind == "box":
                box = {k: number(row.get(f"box-{k}", "")) for k in ("west", "east", "south", "north")}
                if any(v is not None for v in box.values()):
                    location["box"] = {k: v for k, v in box.items() if v is not None}
            elif kind == "point":
                point = {k: number(row.get(f"point-{k}", "")) for k in ("longitude", "latitude")}
                if any(v is not None for v in point.values()):
                    location["point"] = {k: v for k, v in point.items() if v is not None}
            elif kind == "polygon":
                polygon = parse_polygon(row.get("polygon", ""))
                if polygon:
                    location["polygon"] = polygon
            if location:
                locations.append(location)
        _set(md, "geo_locations", locations)
        start, end = values.get("temporal_extent-start", ""), values.get("temporal_extent-end", "")
        ongoing = values.get("temporal_extent-ongoing", "") in ("on", "true", "1")
        if start or end or ongoing:
            temporal = {"start": start, "ongoing": ongoing}
            if end and not ongoing:
                temporal["end"] = end
            md["temporal_extent"] = temporal
        else:
            md.pop("temporal_extent", None)
        minimum = number(values.get("vertical_extent-minimum", ""))
        maximum = number(values.get("vertical_extent-maximum", ""))
        if minimum is not None or maximum is not None:
            vertical = {"unit": "m", "reference": values.get("vertical_extent-reference") or "depth"}
            if minimum is not None:
                vertical["minimum"] = minimum
            if maximum is not None:
                vertical["maximum"] = maximum
            md["vertical_extent"] = vertical
        else:
            md.pop("vertical_extent", None)
        new = []
        for group in KEYWORD_GROUPS:
            if group.step == "where_when":
                new += _subjects_from(values, group.name, group.keyword_type)
        kept = [s for s in _l(md.get("subjects")) if str(_d(s).get("keyword_type") or "theme") not in WHERE_TYPES]
        _set(md, "subjects", kept + new)
    elif step == "links_licence":
        related = []
        for row in rows(values, "related_identifiers"):
            if not row.get("identifier"):
                continue
            item = {"identifier": row["identifier"], "identifier_type": row.get("identifier_type") or "DOI",
                    "relation_type": row.get("relation_type") or "IsSupplementTo"}
            if row.get("resource_type_general"):
                item["resource_type_general"] = row["resource_type_general"]
            related.append(item)
        _set(md, "related_identifiers", related)
        if "licence" in values:
            licence = LICENCES.get(values["licence"])
            _set(md, "rights", [licence.model_dump()] if licence else [])
        level = values.get("access-level") or "open"
        access = {"level": level}
        if level != "open" and values.get("access-embargo_until"):
            access["embargo_until"] = values["access-embargo_until"]
        md["access"] = access
        _set(md, "version", values.get("version", ""))
    return md, community


def initial_metadata(user) -> dict:
    """A new deposit: the signed-in depositor as first creator (name, authenticated ORCID iD,
    affiliation with its ROR id) and as point of contact (without their address), the default
    licence, a dataset."""
    creator: dict = {"name_type": "Personal"}
    if user.last_name:
        creator["family_name"] = user.last_name
        if user.first_name:
            creator["given_name"] = user.first_name
        creator["name"] = ", ".join(p for p in (user.last_name, user.first_name) if p)
    else:
        # Only a display name: "Anne Le Goff" → given "Anne", family "Le Goff" (the depositor
        # corrects it in step 2 when the split is wrong).
        full = (user.display_name or user.get_full_name() or "").strip()
        given, _sep, family = full.partition(" ")
        family = family.strip()
        if family:
            creator.update(family_name=family, given_name=given, name=f"{family}, {given}")
        else:
            creator.update(family_name=full, name=full)
        if not full:
            del creator["family_name"]
    if user.orcid and user.orcid_authenticated:  # a hand-typed iD is not proved: not offered
        creator["orcid"] = user.orcid
    if user.affiliation:
        affiliation = {"name": user.affiliation}
        if user.affiliation_ror:
            affiliation["ror"] = user.affiliation_ror
        creator["affiliations"] = [affiliation]
    metadata: dict = {
        "resource_type": {"general": "Dataset", "type": ""},
        "language": "en",
        "rights": [LICENCES[DEFAULT_LICENCE].model_dump()],
        "access": {"level": "open"},
    }
    if creator["name"]:
        metadata["creators"] = [creator]
    # The depositor answers questions about the data, under their public name (never their
    # username); their address is published only if they choose to: by default, the community's.
    if user.public_name:
        contact = {"name": user.public_name}
        if user.affiliation:
            contact["organisation"] = user.affiliation
        if user.orcid and user.orcid_authenticated:
            contact["orcid"] = user.orcid
        metadata["point_of_contact"] = contact
    return metadata


# --- Flattened values and labels (the conflict view) ---------------------------------------------


def flatten(values, prefix: str = "") -> dict[str, str]:
    """A step's read values as {field name: text}, the names the page's inputs carry."""
    out: dict[str, str] = {}
    if isinstance(values, dict):
        for key, value in values.items():
            out.update(flatten(value, f"{prefix}{key}-"))
    elif isinstance(values, list):
        for index, value in enumerate(values):
            out.update(flatten(value, f"{prefix}{index}-"))
    else:
        out[prefix[:-1]] = _s(values)
    return out


def step_values_flat(step: str, metadata: dict, deposit=None) -> dict[str, str]:
    values = flatten(read_step(step, metadata, deposit))
    # Free keywords are one field; the where/when kind of a line is not something one types.
    return {k: v for k, v in values.items() if not k.endswith("-kind")}


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
    "resource_type_general": gettext_lazy("Resource type"),
    "licence": gettext_lazy("Licence"),
    "level": gettext_lazy("Access"),
    "embargo_until": gettext_lazy("Embargo until"),
    "version": gettext_lazy("Version"),
    "description": gettext_lazy("Description"),
    "type": gettext_lazy("Free resource type"),
    "general": gettext_lazy("Resource type"),
}
GROUP_LABELS = {
    "alt_titles": gettext_lazy("Other titles"),
    "titles": gettext_lazy("Titles"),
    "descriptions": gettext_lazy("Abstract"),
    "resource_type": gettext_lazy("Resource type"),
    "subjects": gettext_lazy("Keywords"),
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


# --- Problems at their fields ---------------------------------------------------------------------

_PYDANTIC_MESSAGES: tuple[tuple[re.Pattern, str], ...] = (
    (re.compile(r"^Input should be less than or equal to (?P<n>-?[\d.]+)"), N_("Must be at most %(n)s.")),
    (re.compile(r"^Input should be greater than or equal to (?P<n>-?[\d.]+)"), N_("Must be at least %(n)s.")),
    (re.compile(r"^Input should be a valid number"), N_("Enter a number (decimal degrees or metres, with a point).")),
    (re.compile(r"^Input should be a valid date"), N_("Enter a date as YYYY-MM-DD.")),
    (re.compile(r"^Input should be a valid (dictionary|list|string)"), N_("This value is not in the expected form.")),
    (re.compile(r"^Input should be a valid boolean"), N_("Answer yes or no.")),
    (re.compile(r"^Input should be "), N_("Choose one of the values offered.")),
    (re.compile(r"^Field required$"), N_("This is required.")),
    (re.compile(r"^String should have at least 1 character"), N_("This is required.")),
    (re.compile(r"^String should have at most (?P<n>\d+) characters?"), N_("Keep it under %(n)s characters.")),
    (re.compile(r"^List should have at least 1 item"), N_("At least one is required.")),
    (re.compile(r"^List should have at most (?P<n>\d+) items?"), N_("At most %(n)s are allowed here.")),
    (re.compile(r"^Extra inputs are not permitted"), N_("This field is not part of the description.")),
)


def humanize(message: str) -> str:
    """A validation message in words the depositor understands, in their language."""
    message = str(message or "")
    for pattern, replacement in _PYDANTIC_MESSAGES:
        match = pattern.match(message)
        if match:
            return _(replacement) % match.groupdict() if match.groupdict() else _(replacement)
    return _(message) if message else ""


def _subject_anchor(metadata: dict, index: int) -> str:
    subjects = [_d(s) for s in _l(_d(metadata).get("subjects"))]
    if not 0 <= index < len(subjects):
        return "f-keywords"
    group = _group_of(subjects[index])
    if group == "free_keywords":
        return "f-free_keywords"
    position = sum(1 for s in subjects[:index] if _group_of(s) == group)
    return f"f-{group}-{position}"


def problem_anchor(problem: dict, metadata: dict | None, files=()) -> tuple[str, str]:
    """The step and the id of the field a problem belongs to."""
    path = [p for p in str(problem.get("field") or "").split(".") if p != ""]
    step = problem.get("step") or "describe"
    md = _d(metadata)
    if not path:
        return step, "wizard-form"
    top, rest = path[0], path[1:]
    index = int(rest[0]) if rest and rest[0].isdigit() else None
    if top == "titles":
        if index is None or index == 0:
            return "describe", "f-title"
        leaf = rest[1] if len(rest) > 1 else "title"
        return "describe", f"f-alt_titles-{index - 1}-{leaf if leaf in ('title', 'title_type', 'lang') else 'title'}"
    if top == "descriptions":
        return "describe", "f-abstract"
    if top == "resource_type":
        return "describe", "f-resource_type_type" if rest[:1] == ["type"] else "f-resource_type_general"
    if top in ("language", "lineage", "community"):
        return "describe", f"f-{top}"
    if top == "subjects":
        anchor = _subject_anchor(md, index) if index is not None else "f-keywords"
        group = anchor[2:].split("-")[0]
        return ("describe" if group in ("keywords", "free_keywords") else "where_when"), anchor
    if top in ("creators", "contributors"):
        if index is None:
            return "people", f"f-{top}"
        leaf = rest[1:]
        if not leaf:
            return "people", f"f-{top}-{index}"
        if leaf[0] == "name":
            people = _l(md.get(top))
            person = _d(people[index]) if index < len(people) else {}
            personal = person.get("name_type", "Personal") != "Organizational"
            return "people", f"f-{top}-{index}-{'family_name' if personal else 'name'}"
        if leaf[0] == "affiliations":
            if len(leaf) > 1 and leaf[1].isdigit():
                sub = leaf[2] if len(leaf) > 2 and leaf[2] in ("name", "ror") else "name"
                return "people", f"f-{top}-{index}-affiliations-{leaf[1]}-{sub}"
            return "people", f"f-{top}-{index}-affiliations"
        if leaf[0] in ("orcid", "family_name", "given_name", "name_type", "contributor_type"):
            return "people", f"f-{top}-{index}-{leaf[0]}"
        return "people", f"f-{top}-{index}"
    if top == "point_of_contact":
        if rest and rest[0] in ("name", "email", "organisation", "orcid"):
            return "people", f"f-point_of_contact-{rest[0]}"
        return "people", "f-point_of_contact"
    if top == "funding_references":
        if index is None:
            return "people", "f-funding_references"
        leaf = rest[1] if len(rest) > 1 else "funder_name"
        return "people", f"f-funding_references-{index}-{leaf}"
    if top == "geo_locations":
        if index is None:
            return "where_when", "f-geo_locations"
        leaf = rest[1:]
        if not leaf:
            return "where_when", f"f-geo_locations-{index}"
        if leaf[0] in ("box", "point"):
            if len(leaf) > 1:
                return "where_when", f"f-geo_locations-{index}-{leaf[0]}-{leaf[1]}"
            return "where_when", f"f-geo_locations-{index}-{leaf[0]}"
        if leaf[0] == "polygon":
            return "where_when", f"f-geo_locations-{index}-polygon"
        return "where_when", f"f-geo_locations-{index}-place"
    if top in ("temporal_extent", "vertical_extent"):
        if rest and rest[0] in ("start", "end", "ongoing", "minimum", "maximum", "reference"):
            return "where_when", f"f-{top}-{rest[0]}"
        return "where_when", f"f-{top}"
    if top == "dates":
        return "where_when", "f-temporal_extent"
    if top == "files":
        names = [f.name for f in files]
        name = ".".join(path[1:])
        if name in names:
            return "files", f"f-files-{names.index(name)}"
        return "files", "f-files"
    if top == "related_identifiers":
        if index is None:
            return "links_licence", "f-related_identifiers"
        leaf = rest[1] if len(rest) > 1 and rest[1] in ("identifier_type", "relation_type", "resource_type_general") else "identifier"
        return "links_licence", f"f-related_identifiers-{index}-{leaf}"
    if top == "rights":
        return "links_licence", "f-licence"
    if top == "access":
        access = _d(md.get("access"))
        if rest[:1] == ["level"] or access.get("level", "open") == "open":
            return "links_licence", "f-access-level"
        return "links_licence", "f-access-embargo_until"
    if top in ("version", "publisher", "publication_year"):
        return "links_licence", "f-version"
    return step, "wizard-form"


def described_problems(problems: list[dict], metadata: dict | None, files=()) -> list[dict]:
    """Each problem with its step, its field's anchor, where it is in words and what it is."""
    described = []
    for problem in problems:
        step, anchor = problem_anchor(problem, metadata, files)
        step_obj = STEP_BY_SLUG.get(step, STEP_LIST[0])
        label = field_label(anchor[2:]) if anchor.startswith("f-") else ""
        described.append({
            "step": step,
            "step_label": str(step_obj.label),
            "step_number": step_obj.number,
            "field": problem.get("field") or "",
            "anchor": anchor,
            "where": label,
            "message": humanize(problem.get("message") or ""),
        })
    described.sort(key=lambda p: p["step_number"])
    return described


# --- Completeness --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Check:
    key: str
    step: str
    label: str
    required: bool


CHECKS: tuple[Check, ...] = (
    Check("title", "describe", gettext_lazy("Title"), True),
    Check("abstract", "describe", gettext_lazy("Abstract"), True),
    Check("community", "describe", gettext_lazy("Community"), True),
    Check("keywords", "describe", gettext_lazy("Keywords from a thesaurus"), False),
    Check("lineage", "describe", gettext_lazy("Lineage"), False),
    Check("creators", "people", gettext_lazy("Creators"), True),
    Check("orcid", "people", gettext_lazy("ORCID iDs of the creators"), False),
    Check("affiliations", "people", gettext_lazy("Affiliations"), False),
    Check("point_of_contact", "people", gettext_lazy("Point of contact"), True),
    Check("geo_locations", "where_when", gettext_lazy("Location"), False),
    Check("temporal_extent", "where_when", gettext_lazy("Time span"), False),
    Check("parameters", "where_when", gettext_lazy("Measured parameters"), False),
    Check("files", "files", gettext_lazy("Files"), True),
    Check("readme", "files", gettext_lazy("A README file"), False),
    Check("licence", "links_licence", gettext_lazy("Licence"), True),
    Check("related_identifiers", "links_licence", gettext_lazy("Related resources"), False),
)


def _filled(key: str, md: dict, deposit, files) -> bool:
    subjects = [_d(s) for s in _l(md.get("subjects"))]
    persons = [_d(c) for c in _l(md.get("creators"))]
    if key == "title":
        return bool(read_step("describe", md)["title"])
    if key == "abstract":
        return bool(read_step("describe", md)["abstract"])
    if key == "community":
        return deposit is not None and deposit.community_id is not None
    if key == "keywords":
        return any(_group_of(s) == "keywords" for s in subjects)
    if key == "lineage":
        return bool(_s(md.get("lineage")).strip())
    if key == "creators":
        return bool(persons)
    if key == "orcid":
        personal = [c for c in persons if c.get("name_type", "Personal") != "Organizational"]
        return bool(personal) and all(c.get("orcid") for c in personal)
    if key == "affiliations":
        return bool(persons) and all(c.get("affiliations") or c.get("name_type") == "Organizational" for c in persons)
    if key == "point_of_contact":
        contact = _d(md.get("point_of_contact"))
        return bool(contact.get("name") and ("email" not in contact or contact.get("email")))
    if key == "geo_locations":
        return bool(_l(md.get("geo_locations")))
    if key == "temporal_extent":
        return bool(_d(md.get("temporal_extent")).get("start"))
    if key == "parameters":
        return any(_group_of(s) == "parameters" for s in subjects)
    if key == "files":
        return bool(files)
    if key == "readme":
        return any(f.name.lower().startswith("readme") for f in files)
    if key == "licence":
        return bool(_l(md.get("rights")))
    if key == "related_identifiers":
        return bool(_l(md.get("related_identifiers")))
    return False


def _step_has_content(step: str, md: dict, deposit, files) -> bool:
    if step == "files":
        return bool(files)
    if step == "links_licence":
        return bool(_l(md.get("related_identifiers")) or _l(md.get("rights")) or md.get("version"))
    values = step_values_flat(step, md, deposit)
    defaults = {"resource_type_general": "Dataset", "language": "en", "vertical_extent-reference": "depth"}
    return any(v and defaults.get(k) != v for k, v in values.items() if not k.endswith(("name_type", "contributor_type")))


STATUS_LABELS = {
    "complete": gettext_lazy("complete"),
    "problems": gettext_lazy("has problems"),
    "empty": gettext_lazy("not started"),
}


def completeness(deposit, problems: list[dict], files=None) -> dict:
    """Each step's state (complete, has problems, not started) with its problems' count, and the
    deposit's score: the share of required and recommended fields filled."""
    md = _d(deposit.metadata)
    files = list(deposit.files.all()) if files is None else list(files)
    steps = []
    for step in STEP_LIST:
        count = sum(1 for p in problems if p["step"] == step.slug)
        content = _step_has_content(step.slug, md, deposit, files)
        status = "problems" if count and content else "complete" if content else "empty"
        steps.append({"slug": step.slug, "number": step.number, "label": step.label, "status": status,
                      "status_label": STATUS_LABELS[status], "problems": count})
    checks = [{"key": c.key, "step": c.step, "label": c.label, "required": c.required,
               "filled": _filled(c.key, md, deposit, files)} for c in CHECKS]
    filled = sum(1 for c in checks if c["filled"])
    required = [c for c in checks if c["required"]]
    return {
        "steps": steps,
        "checks": checks,
        "score": round(100 * filled / len(checks)),
        "required_filled": sum(1 for c in required if c["filled"]),
        "required_total": len(required),
        "missing_recommended": [c for c in checks if not c["required"] and not c["filled"]],
    }


def embargo_limit(today: date | None = None) -> date:
    return (today or date.today()) + timedelta(days=EMBARGO_MAX_DAYS)


# --- Files: formats and advice -----------------------------------------------------------------

OPEN_FORMATS = {
    "nc": "NetCDF", "cdf": "NetCDF", "nc4": "NetCDF-4", "h5": "HDF5", "hdf5": "HDF5", "csv": "CSV", "tsv": "TSV",
    "txt": gettext_lazy("Plain text"), "md": "Markdown", "json": "JSON", "geojson": "GeoJSON", "xml": "XML",
    "tif": "TIFF", "tiff": "GeoTIFF", "png": "PNG", "jpg": "JPEG", "jpeg": "JPEG", "pdf": "PDF",
    "zip": "ZIP", "gz": "gzip", "tar": "tar", "odt": "OpenDocument", "ods": "OpenDocument", "parquet": "Parquet",
    "zarr": "Zarr", "gpkg": "GeoPackage", "cnv": gettext_lazy("Sea-Bird text"), "odv": "ODV",
    "rst": "reStructuredText", "yaml": "YAML", "yml": "YAML",
}
CLOSED_FORMATS = {
    "xls": "Excel", "xlsx": "Excel", "doc": "Word", "docx": "Word", "mat": "MATLAB", "sav": "SPSS",
    "shp": gettext_lazy("Shapefile"), "hex": gettext_lazy("Sea-Bird raw"), "dta": "Stata", "rar": "RAR",
}
OPEN_ALTERNATIVES = {
    "xls": "CSV", "xlsx": "CSV", "doc": "PDF", "docx": "PDF", "mat": "NetCDF / HDF5", "sav": "CSV", "dta": "CSV",
    "shp": "GeoPackage", "rar": "ZIP", "hex": "NetCDF / CNV",
}


def file_format(name: str) -> dict:
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension in OPEN_FORMATS:
        return {"label": OPEN_FORMATS[extension], "open": True, "extension": extension}
    if extension in CLOSED_FORMATS:
        return {"label": CLOSED_FORMATS[extension], "open": False, "extension": extension,
                "alternative": OPEN_ALTERNATIVES.get(extension, "")}
    return {"label": extension.upper() or "—", "open": None, "extension": extension}
