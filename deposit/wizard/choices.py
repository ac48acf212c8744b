"""The choices the wizard's selects and radio buttons offer, with their labels in the depositor's
language: resource types, languages, kinds of title and name, contributor roles, funder identifiers,
vertical references, related identifiers and relations, licences and access levels."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from repository.metadata import LICENCES, ContributorType, RelationType

from .inspire import use_conditions

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
RELATED_RESOURCE_TYPES = [("", gettext_lazy("— unspecified —"))] + [(value, label) for value, label in RESOURCE_TYPES]
# What "Add an article", "Add source code"… put in a new related-resource line.
LINK_PRESETS = [
    {
        "kind": "article",
        "label": gettext_lazy("Add an article (DOI)"),
        "identifier_type": "DOI",
        "relation_type": "IsSupplementTo",
        "resource_type_general": "Text",
        "placeholder": "10.5194/os-20-1-2024",
    },
    {
        "kind": "code",
        "label": gettext_lazy("Add source code"),
        "identifier_type": "URL",
        "relation_type": "IsCompiledBy",
        "resource_type_general": "Software",
        "placeholder": "https://gitlab.example.org/lab/ctd-processing",
    },
    {
        "kind": "project",
        "label": gettext_lazy("Add the project web site"),
        "identifier_type": "URL",
        "relation_type": "IsDocumentedBy",
        "resource_type_general": "",
        "placeholder": "https://project.example.org",
    },
    {
        "kind": "dataset",
        "label": gettext_lazy("Add another dataset"),
        "identifier_type": "DOI",
        "relation_type": "References",
        "resource_type_general": "Dataset",
        "placeholder": "10.17882/12345",
    },
]
ACCESS_LEVELS = [
    ("open", gettext_lazy("Open: anyone can download the files once the deposit is published.")),
    (
        "embargoed",
        gettext_lazy(
            "Embargoed: the description is public at once, the files from a date you choose (at most two years)."
        ),
    ),
]
DEFAULT_LICENCE = "CC-BY-4.0"
LICENCE_EXPLANATIONS = {
    "CC-BY-4.0": gettext_lazy(
        "Anyone may copy, reuse and adapt the data, for any purpose, provided they credit you (cite the "
        "DOI). The usual choice for research data, and the one we recommend."
    ),
    "CC0-1.0": gettext_lazy(
        "You give up all rights: anyone may reuse the data without any condition. Citing remains good "
        "scientific practice, but it is not a legal obligation."
    ),
    "etalab-2.0": gettext_lazy(
        "The French public-sector open licence: reuse for any purpose with credit, like CC BY. Often "
        "required of French public bodies."
    ),
    "ODbL-1.0": gettext_lazy(
        "For databases: reuse with credit, and databases derived from yours must be shared under the "
        "same licence (share-alike)."
    ),
}


def licence_choices() -> list[dict]:
    """The licences offered, each with its explanation and the conditions of use it sets (what the
    conditions field is filled with when the licence is chosen)."""
    return [
        {
            "id": key,
            "title": rights.title,
            "uri": rights.uri,
            "explanation": LICENCE_EXPLANATIONS.get(key, ""),
            "use_conditions": use_conditions(key),
        }
        for key, rights in LICENCES.items()
    ]
