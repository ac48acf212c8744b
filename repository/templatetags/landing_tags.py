"""Words of the landing page for the metadata's codes: relation types, keyword kinds, contributor
roles, date kinds, resource types, languages (`{{ value|relation_label }}`…), translated; and dates
as the metadata writes them (a day, a month, a year or a range) in the reader's words."""

from __future__ import annotations

from datetime import date

from django import template
from django.utils.formats import date_format
from django.utils.translation import get_language_info, gettext, gettext_lazy as _

register = template.Library()

# What a related resource is to this dataset, as a heading before its links.
RELATION_LABELS = {
    "IsSupplementTo": _("Supplement to"),
    "IsSupplementedBy": _("Supplemented by"),
    "IsCitedBy": _("Cited by"),
    "Cites": _("Cites"),
    "IsReferencedBy": _("Referenced by"),
    "References": _("References"),
    "IsDescribedBy": _("Described by"),
    "Describes": _("Describes"),
    "IsDocumentedBy": _("Documented by"),
    "Documents": _("Documents"),
    "IsCompiledBy": _("Compiled by"),
    "Compiles": _("Compiles"),
    "IsDerivedFrom": _("Derived from"),
    "IsSourceOf": _("Source of"),
    "IsPartOf": _("Part of"),
    "HasPart": _("Has part"),
    "IsPublishedIn": _("Published in"),
    "Continues": _("Continues"),
    "IsContinuedBy": _("Continued by"),
    "HasMetadata": _("Has metadata"),
    "IsMetadataFor": _("Metadata for"),
    "HasVersion": _("Has version"),
    "IsVersionOf": _("Version of"),
    "IsNewVersionOf": _("New version of"),
    "IsPreviousVersionOf": _("Previous version of"),
    "IsVariantFormOf": _("Variant form of"),
    "IsOriginalFormOf": _("Original form of"),
    "IsIdenticalTo": _("Identical to"),
    "IsReviewedBy": _("Reviewed by"),
    "Reviews": _("Reviews"),
    "IsRequiredBy": _("Required by"),
    "Requires": _("Requires"),
    "Obsoletes": _("Obsoletes"),
    "IsObsoletedBy": _("Obsoleted by"),
    "IsCollectedBy": _("Collected by"),
    "Collects": _("Collects"),
    "IsTranslationOf": _("Translation of"),
    "HasTranslation": _("Has translation"),
}
# A free keyword (typed, from no thesaurus) of no particular kind: a group of its own, apart from the
# thesaurus topics.
FREE_KEYWORDS = "free"
KEYWORD_LABELS = {
    "theme": _("Topics"),
    FREE_KEYWORDS: _("Free keywords"),
    "place": _("Places"),
    "platform": _("Platforms"),
    "instrument": _("Instruments"),
    "parameter": _("Parameters"),
    "discipline": _("Disciplines"),
    "project": _("Projects"),
    "stratum": _("Strata"),
}
CONTRIBUTOR_LABELS = {
    "ContactPerson": _("Contact person"),
    "DataCollector": _("Data collector"),
    "DataCurator": _("Data curator"),
    "DataManager": _("Data manager"),
    "Distributor": _("Distributor"),
    "Editor": _("Editor"),
    "HostingInstitution": _("Hosting institution"),
    "Producer": _("Producer"),
    "ProjectLeader": _("Project leader"),
    "ProjectManager": _("Project manager"),
    "ProjectMember": _("Project member"),
    "RegistrationAgency": _("Registration agency"),
    "RegistrationAuthority": _("Registration authority"),
    "RelatedPerson": _("Related person"),
    "Researcher": _("Researcher"),
    "ResearchGroup": _("Research group"),
    "RightsHolder": _("Rights holder"),
    "Sponsor": _("Sponsor"),
    "Supervisor": _("Supervisor"),
    "Translator": _("Translator"),
    "WorkPackageLeader": _("Work package leader"),
    "Other": _("Other"),
}
DATE_LABELS = {
    "Collected": _("Collected"),
    "Created": _("Created"),
    "Issued": _("Issued"),
    "Available": _("Available"),
    "Updated": _("Updated"),
    "Valid": _("Valid"),
    "Accepted": _("Accepted"),
    "Copyrighted": _("Copyrighted"),
    "Coverage": _("Coverage"),
    "Submitted": _("Submitted"),
    "Withdrawn": _("Withdrawn"),
    "Other": _("Other"),
}
# Every DataCite resource type in the reader's words: those the wizard offers first (its labels
# without their examples), then those a deposit made through the API or a related resource may have,
# so that no page (the search page's filter above all) shows DataCite's CamelCase name.
RESOURCE_TYPE_LABELS = {
    "Dataset": _("Dataset"),
    "Collection": _("Collection"),
    "Image": _("Image"),
    "Model": _("Model"),
    "PhysicalObject": _("Physical object"),
    "Software": _("Software"),
    "Text": _("Text"),
    "Other": _("Other"),
    "Audiovisual": _("Audiovisual"),
    "Award": _("Award"),
    "Book": _("Book"),
    "BookChapter": _("Book chapter"),
    "ComputationalNotebook": _("Computational notebook"),
    "ConferencePaper": _("Conference paper"),
    "ConferenceProceeding": _("Conference proceedings"),
    "DataPaper": _("Data paper"),
    "Dissertation": _("Dissertation"),
    "Event": _("Event"),
    "Instrument": _("Instrument"),
    "InteractiveResource": _("Interactive resource"),
    "Journal": _("Journal"),
    "JournalArticle": _("Journal article"),
    "OutputManagementPlan": _("Output management plan"),
    "PeerReview": _("Peer review"),
    "Preprint": _("Preprint"),
    "Project": _("Project"),
    "Report": _("Report"),
    "Service": _("Service"),
    "Sound": _("Sound"),
    "Standard": _("Standard"),
    "StudyRegistration": _("Study registration"),
    "Workflow": _("Workflow"),
}
# The languages the wizard offers; others by Django's name for them, else their code.
LANGUAGE_LABELS = {
    "en": _("English"),
    "fr": _("French"),
    "es": _("Spanish"),
    "de": _("German"),
    "it": _("Italian"),
    "pt": _("Portuguese"),
    "zxx": _("No linguistic content (numbers only)"),
}
DESCRIPTION_LABELS = {
    "Methods": _("Methods"),
    "SeriesInformation": _("Series information"),
    "TableOfContents": _("Table of contents"),
    "TechnicalInfo": _("Technical information"),
    "Other": _("Other information"),
}


def _value(code) -> str:
    return getattr(code, "value", code) or ""


@register.filter
def relation_label(code) -> str:
    return RELATION_LABELS.get(_value(code), _value(code))


@register.filter
def keyword_label(code) -> str:
    return KEYWORD_LABELS.get(_value(code), _value(code))


@register.filter
def contributor_label(code) -> str:
    return CONTRIBUTOR_LABELS.get(_value(code), _value(code))


@register.filter
def date_label(code) -> str:
    return DATE_LABELS.get(_value(code), _value(code))


@register.filter
def description_label(code) -> str:
    return DESCRIPTION_LABELS.get(_value(code), _value(code))


@register.filter
def resource_type_label(code) -> str:
    return RESOURCE_TYPE_LABELS.get(_value(code), _value(code))


@register.filter
def language_label(code) -> str:
    """`en`, `fr-CA`, `zxx`… as the language's name in the reader's language."""
    code = _value(code)
    primary = code.split("-")[0].lower()
    if primary in LANGUAGE_LABELS:
        return str(LANGUAGE_LABELS[primary])
    for candidate in (code.lower(), primary):
        try:
            return get_language_info(candidate)["name_translated"]
        except KeyError:
            continue
    return code


@register.filter
def group_keywords(subjects) -> list[tuple[str, list]]:
    """Keywords grouped by kind, in the order kinds first appear; the topics typed freely (no
    thesaurus, no URI) in a group of their own, after the thesaurus topics."""
    groups: dict[str, list] = {}
    for subject in subjects:
        kind = _value(subject.keyword_type)
        if kind == "theme" and not (subject.scheme or subject.value_uri):
            kind = FREE_KEYWORDS
        groups.setdefault(kind, []).append(subject)
    if FREE_KEYWORDS in groups:
        groups[FREE_KEYWORDS] = groups.pop(FREE_KEYWORDS)
    return list(groups.items())


def _day_text(text: str) -> str:
    """A day in the page's date format; a year or a month as written."""
    try:
        return date_format(date.fromisoformat(text), "DATE_FORMAT") if len(text) == 10 else text
    except ValueError:
        return text


@register.filter
def date_text(value) -> str:
    """A metadata date (`2024-05-30`, `2024-05`, `2024`, a range `start/end` with either side
    open) in the reader's words."""
    if isinstance(value, date):
        return date_format(value, "DATE_FORMAT")
    text = str(value or "")
    if "/" not in text:
        return _day_text(text)
    start, _slash, end = text.partition("/")
    return f"{_day_text(start) if start else '…'} – {_day_text(end) if end else gettext('ongoing')}"
