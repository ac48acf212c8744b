"""Every message of the metadata check is in the depositor's language (issue 15): pydantic's own
messages included, put in words by `repository.validation_messages`. The invalid documents are
made from the schema itself: every field of every model, at any depth, is given each of a set of
wrong values, so that a field or a constraint added later is covered without a line here."""

from __future__ import annotations

import copy
import itertools
import json
import math
import re
from datetime import date

import pytest
from django.utils import translation

from repository import validation_messages
from repository.metadata import MetadataDocument, validate_document
from tests.factories import complete_metadata, deposit_with_file

TODAY = date(2025, 6, 15)
WRONG_VALUES = (
    None,
    "",
    "not a value",
    "2024-13-45",
    "x" * 100_001,
    -1e9,
    1e9,
    1.5,
    math.nan,
    10**30,
    True,
    [],
    [1],
    {},
    {"unexpected": 1},
)
# pydantic's own English sentences: none may reach a person
PYDANTIC_WORDING = re.compile(
    r"^(Input should|String should|List should|Field required|Extra inputs|Value error|Assertion failed)"
)


def _field_paths(schema: dict, defs: dict, prefix: tuple = (), seen: frozenset = frozenset()):
    """(path, leaf core schema) for every field reachable in a pydantic-core schema."""
    kind = schema.get("type")
    if kind == "definitions":
        defs.update({d["ref"]: d for d in schema["definitions"]})
        yield from _field_paths(schema["schema"], defs, prefix, seen)
    elif kind == "definition-ref":
        ref = schema["schema_ref"]
        if ref not in seen:
            yield from _field_paths(defs[ref], defs, prefix, seen | {ref})
    elif kind == "model":
        if "ref" in schema:
            defs.setdefault(schema["ref"], schema)
        yield from _field_paths(schema["schema"], defs, prefix, seen)
    elif kind == "model-fields":
        for name, field in schema["fields"].items():
            yield (*prefix, name), field["schema"]
            yield from _field_paths(field["schema"], defs, (*prefix, name), seen)
    elif kind == "list":
        yield from _field_paths(schema["items_schema"], defs, (*prefix, 0), seen)
    elif "schema" in schema and isinstance(schema["schema"], dict):  # nullable, default, validators
        yield from _field_paths(schema["schema"], defs, prefix, seen)


def _put(document: dict, path: tuple, value) -> dict:
    data = copy.deepcopy(document)
    here = data
    for key, following in itertools.pairwise(path):
        if isinstance(key, int):
            if not here or not isinstance(here[0], (dict, list)):
                here[:] = [{} if isinstance(following, str) else []]
            here = here[0]
        else:
            if not isinstance(here.get(key), (dict, list)):
                here[key] = [] if isinstance(following, int) else {}
            here = here[key]
    if isinstance(path[-1], int):
        here[:] = [value]
    else:
        here[path[-1]] = value
    return data


def _get(document, path: tuple):
    here = document
    for key in path:
        try:
            here = here[key]
        except (KeyError, IndexError, TypeError):
            return None
    return here


def invalid_documents() -> list[dict]:
    base = complete_metadata()
    paths = [path for path, _leaf in _field_paths(MetadataDocument.__pydantic_core_schema__, {})]
    documents = [_put(base, path, value) for path in paths for value in WRONG_VALUES]
    for path in paths:  # every list of the base document overfull
        if isinstance(_get(base, path), list) and _get(base, path):
            documents.append(_put(base, path, _get(base, path)[:1] * 2001))
    documents += [{**base, "unexpected": 1}, {}]
    return documents


def _problems(document: dict, language: str) -> list[dict]:
    with translation.override(language):
        return validate_document(document, today=TODAY)[1]


@pytest.fixture(scope="module")
def both_languages():
    """Each invalid document's problems in English and in French, side by side."""
    pairs = []
    for document in invalid_documents():
        english, french = _problems(document, "en"), _problems(document, "fr")
        assert [p["field"] for p in english] == [p["field"] for p in french]
        pairs += list(zip(english, french, strict=True))
    return pairs


def test_the_invalid_documents_produce_every_kind_of_error_the_schema_has(both_languages):
    """The kinds of pydantic error the schema's types and constraints can produce all occur, so the
    test below sees each of them in French."""
    from pydantic import ValidationError

    kinds = set()
    for document in invalid_documents():
        try:
            MetadataDocument.model_validate(document, context={"today": TODAY})
        except ValidationError as exc:
            kinds |= {e["type"] for e in exc.errors()}
    expected = {
        "missing", "extra_forbidden", "model_type", "list_type", "string_type", "string_too_short",
        "string_too_long", "too_short", "too_long", "float_parsing", "float_type", "finite_number",
        "greater_than_equal", "less_than_equal", "int_parsing", "int_type", "int_from_float", "bool_parsing",
        "bool_type", "enum", "literal_error", "value_error",
    }  # fmt: skip
    assert expected <= kinds, expected - kinds
    assert any(k.startswith("date_") for k in kinds)
    assert kinds - {"value_error", "assertion_error"} <= set(validation_messages.BY_TYPE), kinds - set(
        validation_messages.BY_TYPE
    )
    assert len(both_languages) > 1000


def test_no_message_stays_in_english_in_french(both_languages):
    untranslated = sorted({en["message"] for en, fr in both_languages if fr["message"] == en["message"]})
    assert untranslated == []
    assert not [fr["message"] for _en, fr in both_languages if PYDANTIC_WORDING.match(fr["message"])]
    assert not [en["message"] for en, _fr in both_languages if PYDANTIC_WORDING.match(en["message"])]


def test_the_messages_keep_the_constraint_values():
    document = _put(complete_metadata(), ("geo_locations", 0, "box", "north"), 120)
    (problem,) = _problems(document, "fr")
    assert problem == {"step": "where_when", "field": "geo_locations.0.box.north", "message": "Doit valoir au plus 90."}
    assert _problems(document, "en")[0]["message"] == "Must be at most 90."
    without_abstract = {**complete_metadata(), "descriptions": []}
    assert [p["message"] for p in _problems(without_abstract, "fr")] == ["Un résumé est obligatoire."]


def test_the_api_problems_follow_the_request_language(api_client, depositor, communities):
    """The API keeps each problem's step and field; only its message follows Accept-Language."""
    metadata = {**complete_metadata(), "descriptions": []}
    deposit = deposit_with_file(depositor, community=communities["ocean"], metadata=metadata)
    client = api_client(depositor)
    french = client.get(f"/api/deposits/{deposit.pk}", HTTP_ACCEPT_LANGUAGE="fr").json()["problems"]
    english = client.get(f"/api/deposits/{deposit.pk}", HTTP_ACCEPT_LANGUAGE="en").json()["problems"]
    assert french == [{"step": "describe", "field": "descriptions", "message": "Un résumé est obligatoire."}]
    assert english == [{"step": "describe", "field": "descriptions", "message": "An abstract is required."}]
    response = client.post(
        f"/api/deposits/{deposit.pk}/actions",
        data=json.dumps({"action": "submit"}),
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="fr",
    )
    assert response.status_code == 422
    assert {"step": "describe", "field": "descriptions", "message": "Un résumé est obligatoire."} in response.json()[
        "problems"
    ]
