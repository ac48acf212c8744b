"""The size limits of the metadata document (issue 12, item 9): every text and list is bounded,
generously (2,000 creators, 1,000-point polygons), with a message at the field; checked at
submission, published in the JSON Schema, and never in the way of a record read back."""

from __future__ import annotations

import copy
import json

import pytest

from deposit.models import Deposit
from repository import limits
from repository.metadata import MetadataDocument, validate_document
from tests.factories import complete_metadata, deposit_with_file


def person(i: int) -> dict:
    return {
        "name": f"Author{i}, Anne",
        "affiliations": [{"name": f"Institute {j}"} for j in range(limits.AFFILIATIONS)],
    }


def polygon(points: int, shift: float = 0) -> dict:
    return {"polygon": [{"longitude": -5 + i / points + shift, "latitude": 45 + (i % 2) / 10} for i in range(points)]}


def largest() -> dict:
    """A document at every list limit at once."""
    metadata = complete_metadata()
    metadata["creators"] = [person(i) for i in range(limits.CREATORS)]
    metadata["contributors"] = [{**person(i), "name": f"Helper{i}, Paul"} for i in range(limits.CONTRIBUTORS)]
    metadata["titles"] += [
        {"title": f"Other title {i}", "title_type": "AlternativeTitle"} for i in range(limits.TITLES - 1)
    ]
    metadata["subjects"] = [{"subject": f"keyword {i}"} for i in range(limits.SUBJECTS)]
    metadata["funding_references"] = [{"funder_name": f"Funder {i}"} for i in range(limits.FUNDING_REFERENCES)]
    per_polygon = limits.POLYGON_POINTS_TOTAL // limits.GEO_LOCATIONS
    metadata["geo_locations"] = [polygon(per_polygon, shift=i) for i in range(limits.GEO_LOCATIONS)]
    metadata["dates"] = [{"date": f"{1900 + i}-01-01", "date_type": "Collected"} for i in range(limits.DATES)]
    metadata["related_identifiers"] = [
        {"identifier": f"https://example.org/{i}", "identifier_type": "URL", "relation_type": "References"}
        for i in range(limits.RELATED_IDENTIFIERS)
    ]
    return metadata


def test_a_deposit_at_every_limit_is_valid():
    _document, problems = validate_document(largest())
    assert problems == []


def _set(path: str, value):
    def change(metadata):
        target = metadata
        *parents, leaf = path.split(".")
        for part in parents:
            target = target[int(part)] if part.isdigit() else target.setdefault(part, {})
        target[int(leaf) if leaf.isdigit() else leaf] = value

    return change


OVER = {
    "creators": (
        _set("creators", [person(i) for i in range(limits.CREATORS + 1)]),
        "creators",
        "At most 2000 are allowed here.",
    ),
    "a given name of 9 MB": (
        _set("creators.0.given_name", "x" * 9_000_000),
        "creators.0.given_name",
        "Keep it under 200 characters.",
    ),
    "affiliations": (
        _set("creators.0.affiliations", [{"name": f"I{j}"} for j in range(limits.AFFILIATIONS + 1)]),
        "creators.0.affiliations",
        "At most 10 are allowed here.",
    ),
    "contributors": (
        _set("contributors", [{"name": f"H{i}, P"} for i in range(limits.CONTRIBUTORS + 1)]),
        "contributors",
        "At most 500 are allowed here.",
    ),
    "place": (
        _set("geo_locations.0.place", "p" * (limits.NAME + 1)),
        "geo_locations.0.place",
        "Keep it under 300 characters.",
    ),
    "polygon": (
        _set("geo_locations", [polygon(limits.POLYGON_POINTS + 1)]),
        "geo_locations.0.polygon",
        "A polygon has at most 1,000 points: simplify it.",
    ),
    "all polygons": (
        _set("geo_locations", [polygon(1000, shift=i) for i in range(11)]),
        "geo_locations",
        "All the polygons together have at most 10,000 points: simplify them.",
    ),
    "publisher": (_set("publisher", "P" * (limits.NAME + 1)), "publisher", "Keep it under 300 characters."),
    "version": (_set("version", "v" * (limits.VERSION + 1)), "version", "Keep it under 100 characters."),
    "scheme": (
        _set("subjects.0.scheme", "S" * (limits.NAME + 1)),
        "subjects.0.scheme",
        "Keep it under 300 characters.",
    ),
    "concept URI": (
        _set("subjects.0.value_uri", "https://vocab.example.org/" + "c" * limits.URI),
        "subjects.0.value_uri",
        "Keep it under 2000 characters.",
    ),
    "keywords": (
        _set("subjects", [{"subject": f"k{i}"} for i in range(limits.SUBJECTS + 1)]),
        "subjects",
        "At most 500 are allowed here.",
    ),
    "contact's organisation": (
        _set("point_of_contact.organisation", "O" * (limits.NAME + 1)),
        "point_of_contact.organisation",
        "Keep it under 300 characters.",
    ),
    "licences": (
        _set("rights", [complete_metadata()["rights"][0]] * (limits.RIGHTS + 1)),
        "rights",
        "At most 10 are allowed here.",
    ),
    "dates": (
        _set("dates", [{"date": "2024-01-01"}] * (limits.DATES + 1)),
        "dates",
        "At most 100 are allowed here.",
    ),
}


@pytest.mark.parametrize(("change", "field", "message"), OVER.values(), ids=OVER)
def test_beyond_a_limit_the_field_at_fault_is_reported(change, field, message):
    metadata = complete_metadata()
    change(metadata)
    _document, problems = validate_document(metadata)
    assert [(p["field"], p["message"]) for p in problems] == [(field, message)]


def test_a_record_stored_before_the_limits_still_loads():
    """Read back without the submission's context (landing pages, exports): no limit applies."""
    metadata = complete_metadata()
    metadata["creators"] = [{"name": f"Author{i}, Anne", "given_name": "A" * 500} for i in range(limits.CREATORS + 5)]
    document = MetadataDocument.model_validate(metadata)
    assert len(document.creators) == limits.CREATORS + 5


def test_the_json_schema_publishes_the_limits():
    schema = MetadataDocument.model_json_schema()
    definitions = schema["$defs"]
    assert schema["properties"]["creators"]["maxItems"] == limits.CREATORS
    assert {"maxLength": limits.GIVEN_FAMILY_NAME, "type": "string"} in definitions["Creator"]["properties"][
        "given_name"
    ]["anyOf"]
    assert definitions["GeoLocation"]["properties"]["polygon"]["maxItems"] == limits.POLYGON_POINTS + 1  # closed


def test_a_closed_polygon_of_the_largest_size_is_valid_and_stays_valid_once_stored():
    """A ring is stored closed (its first point repeated): read back and submitted again (a new
    version starts from the record), it is still within the limit."""
    metadata = {**complete_metadata(), "geo_locations": [polygon(limits.POLYGON_POINTS)]}
    document, problems = validate_document(metadata)
    assert problems == [] and len(document.geo_locations[0].polygon) == limits.POLYGON_POINTS + 1
    assert validate_document(document.model_dump(mode="json"))[1] == []


def test_the_api_refuses_to_submit_beyond_a_limit_and_nothing_changes(api_client, depositor, communities):
    metadata = copy.deepcopy(complete_metadata())
    metadata["creators"] = [{"name": f"Author{i}, Anne"} for i in range(limits.CREATORS + 1)]
    deposit = deposit_with_file(depositor, community=communities["ocean"], metadata=metadata)
    client = api_client(depositor)

    problems = client.get(f"/api/deposits/{deposit.pk}").json()["problems"]
    assert {"step": "people", "field": "creators", "message": "At most 2000 are allowed here."} in problems
    response = client.post(
        f"/api/deposits/{deposit.pk}/actions", data=json.dumps({"action": "submit"}), content_type="application/json"
    )

    assert response.status_code == 422
    assert "creators" in [p["field"] for p in response.json()["problems"]]
    after = Deposit.objects.get(pk=deposit.pk)
    assert (after.status, after.pid_id) == ("draft", None)
