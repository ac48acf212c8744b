"""Words of the landing page for the metadata's codes: relation types, keyword kinds, contributor
roles, date kinds, resource types (`{{ value|relation_label }}`…), translated."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext_lazy as _

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
KEYWORD_LABELS = {
    "theme": _("Topics"),
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
def group_keywords(subjects) -> list[tuple[str, list]]:
    """Keywords grouped by kind, in the order kinds first appear."""
    groups: dict[str, list] = {}
    for subject in subjects:
        groups.setdefault(_value(subject.keyword_type), []).append(subject)
    return list(groups.items())
