"""The wizard's steps as objects (deposit/wizard/): the registry numbers them and dispatches to them,
exactly one step claims each path of the document (so a problem lands on one field), a form step's
values merge back into the document they were read from without touching the other steps, and the
lenient reader the automatic checks use gives the shape asked for whatever a draft holds. (The pages
themselves are tested through the client in test_wizard.py.)"""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.template.loader import get_template

from deposit import wizard
from deposit.wizard import lenient
from deposit.wizard.base import FieldPath
from repository.metadata import STEPS
from tests.factories import complete_metadata

ROOT = Path(__file__).resolve().parents[2]
FILES = [SimpleNamespace(name="ctd.csv"), SimpleNamespace(name="README.md")]


def typed_document() -> dict:
    """A draft with something typed in every field of every step."""
    md = complete_metadata()
    md["titles"] += [
        {"title": "Campagne PELGAS 2024", "title_type": "TranslatedTitle", "lang": "fr"},
        {"title": "CTD casts", "title_type": "Subtitle", "lang": "en"},
    ]
    md["language"] = "en"
    md["lineage"] = "Processed with the SBE Data Processing software, then checked by hand."
    md["subjects"] += [
        {"subject": "Bay of Biscay", "keyword_type": "place"},
        {"subject": "cruise", "keyword_type": "theme"},
    ]
    md["contributors"] = [{"name": "Ifremer", "name_type": "Organizational", "contributor_type": "HostingInstitution"}]
    md["funding_references"] = [
        {
            "funder_name": "ANR",
            "funder_identifier": "https://ror.org/00rbzpz17",
            "funder_identifier_type": "ROR",
            "award_number": "ANR-22-0001",
        }
    ]
    md["geo_locations"].append(
        {
            "polygon": [
                {"longitude": -5.0, "latitude": 45.0},
                {"longitude": -4.0, "latitude": 45.0},
                {"longitude": -4.5, "latitude": 46.25},
            ]
        }
    )
    md["temporal_extent"] = {"start": "2024-04-25", "end": "2024-05-30", "ongoing": False}
    md["vertical_extent"] = {"minimum": 0.0, "maximum": 1500.5, "reference": "depth", "unit": "m"}
    md["related_identifiers"] = [
        {
            "identifier": "10.5194/os-20-1-2024",
            "identifier_type": "DOI",
            "relation_type": "IsSupplementTo",
            "resource_type_general": "Text",
        }
    ]
    md["access"] = {"level": "embargoed", "embargo_until": "2026-01-01"}
    md["version"] = "1.0"
    return md


def test_the_registry_numbers_the_steps_in_the_documents_order_and_each_has_its_template():
    assert tuple(s.slug for s in wizard.STEP_LIST) == STEPS
    assert [s.number for s in wizard.STEP_LIST] == [1, 2, 3, 4, 5]
    assert list(wizard.STEP_BY_SLUG.values()) == list(wizard.STEP_LIST)
    assert wizard.FORM_STEPS == ("describe", "people", "where_when", "links_licence")
    for step in wizard.STEP_LIST:
        assert get_template(step.template)


# (document path, the step that types it, the field's id)
PATHS = [
    ("titles.0.title", "describe", "f-title"),
    ("titles.2.lang", "describe", "f-alt_titles-1-lang"),
    ("descriptions.0.description", "describe", "f-abstract"),
    ("resource_type.type", "describe", "f-resource_type_type"),
    ("lineage", "describe", "f-lineage"),
    ("subjects.0.subject", "describe", "f-keywords-0"),
    ("subjects.2", "describe", "f-free_keywords"),
    ("subjects.1.subject", "where_when", "f-places-0"),
    ("creators.0.name", "people", "f-creators-0-family_name"),
    ("contributors.0.name", "people", "f-contributors-0-name"),
    ("creators.0.affiliations.0.ror", "people", "f-creators-0-affiliations-0-ror"),
    ("point_of_contact.email", "people", "f-point_of_contact-email"),
    ("funding_references.0.award_number", "people", "f-funding_references-0-award_number"),
    ("geo_locations.0.box.west", "where_when", "f-geo_locations-0-box-west"),
    ("geo_locations.1.polygon.2", "where_when", "f-geo_locations-1-polygon"),
    ("temporal_extent.start", "where_when", "f-temporal_extent-start"),
    ("dates.0.date", "where_when", "f-temporal_extent"),
    ("files.ctd.csv", "files", "f-files-0"),
    ("related_identifiers.0.relation_type", "links_licence", "f-related_identifiers-0-relation_type"),
    ("rights.0.identifier", "links_licence", "f-licence"),
    ("access.embargo_until", "links_licence", "f-access-embargo_until"),
    ("version", "links_licence", "f-version"),
]


@pytest.mark.parametrize(("field", "slug", "anchor"), PATHS)
def test_exactly_one_step_claims_a_document_path_and_its_problem_lands_on_that_field(field, slug, anchor):
    md = typed_document()
    path = FieldPath.parse(field)
    claims = {s.slug: s.anchor(path, md, FILES) for s in wizard.STEP_LIST}
    assert {s: a for s, a in claims.items() if a is not None} == {slug: anchor}
    assert wizard.problem_anchor({"field": field, "step": "files"}, md, FILES) == (slug, anchor)


def test_a_path_no_step_types_stays_on_the_problems_own_step():
    md = typed_document()
    assert wizard.problem_anchor({"field": "no_such_field.0", "step": "people"}, md) == ("people", "wizard-form")
    assert wizard.problem_anchor({"field": "", "step": "files"}, md) == ("files", "wizard-form")
    assert wizard.problem_anchor({"field": "no_such_field"}, md) == ("describe", "wizard-form")


@pytest.mark.parametrize("slug", wizard.FORM_STEPS)
def test_a_form_steps_values_merge_back_into_the_document_they_were_read_from(slug):
    md = typed_document()
    step = wizard.STEP_BY_SLUG[slug]
    # Every name the page's inputs carry (the where/when kind of a line included), as typed.
    posted = wizard.flatten(step.read(md))
    merged, community = wizard.merge_step(slug, md, posted)
    for other in wizard.STEP_LIST:  # this step's values as they were, and the other steps' untouched
        assert other.read(merged) == other.read(md), other.slug
    assert community is (None if slug == "describe" else ...)
    assert md == typed_document()  # the document passed in is not changed


def test_an_unknown_step_reads_nothing_and_merges_nothing():
    md = typed_document()
    assert wizard.read_step("review", md) == {}
    assert wizard.step_values_flat("review", md) == {}
    assert wizard.merge_step("review", md, {"title": "x"}) == (md, ...)


def test_the_lenient_reader_gives_the_shape_asked_for_whatever_a_draft_holds():
    typed = (None, True, False, 12.0, 12.5, 3, "x")
    assert [lenient.text(v) for v in typed] == ["", "true", "", "12", "12.5", "3", "x"]
    assert lenient.mapping(["a"]) == {}
    assert lenient.mapping({"a": 1}) == {"a": 1}
    assert lenient.sequence("abc") == []
    assert lenient.sequence([1, "x"]) == [1, "x"]
    # An item that is not an object keeps its place, so that the anchors of the items after it stay
    # right.
    assert lenient.items([{"a": 1}, "stray", 3, {"b": 2}]) == [{"a": 1}, {}, {}, {"b": 2}]
    assert lenient.items({"a": 1}) == []


PRIVATE_USE = re.compile(r"\bwizard\._\w|from deposit\.wizard(\.\w+)? import [^\n]*\b_\w")


def test_nothing_outside_the_wizard_package_uses_its_private_names():
    offenders = []
    for app in (
        "accounts",
        "core",
        "deposit",
        "moderation",
        "notifications",
        "oai",
        "repository",
        "vocabularies",
        "tests",
    ):
        for path in (ROOT / app).rglob("*.py"):
            if (ROOT / "deposit" / "wizard") in path.parents or path == Path(__file__).resolve():
                continue
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if PRIVATE_USE.search(line):
                    offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert offenders == []
