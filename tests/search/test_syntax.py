"""The words of a search (`q`), as the search help promises them: words AND-ed, `"a phrase"`, `or`,
`-word`, accents and case ignored; and whatever else a user types (FTS5's or tsquery's operators,
column filters, stray quotes, very long queries) is never an error. The same records come back on
PostgreSQL and on SQLite (FTS5): the suite runs this module on PostgreSQL, and
`test_syntax_on_sqlite.py` runs it again on the embedded default's SQLite."""

from __future__ import annotations

import os
import random
from datetime import date

import pytest
from django.db import connection

from core.errors import ValidationFailed
from repository.search import parse_query, search

pytestmark = pytest.mark.django_db

CTD = "CTD casts in the Bay of Biscay"
GLIDER = "Glider section across the Bay of Biscay"
COMPARISON = "CTD and glider comparison"
SATELLITE = "Sea surface salinity from satellites"
MANCHE = "Salinité de surface en Manche"
BREST = "Air temperature at Brest"
MOORING = "Moorings near Ushant"
EVERYTHING = {CTD, GLIDER, COMPARISON, SATELLITE, MANCHE, BREST, MOORING}


@pytest.fixture
def catalogue(publish):
    publish(CTD, abstract="Conductivity, temperature and depth profiles from the ship.", published=date(2024, 1, 1))
    publish(GLIDER, abstract="Salinity and temperature from an underwater vehicle.", published=date(2023, 1, 1))
    publish(COMPARISON, abstract="Both instruments side by side.", published=date(2022, 1, 1))
    publish(
        SATELLITE,
        abstract="Daily maps of the ocean surface.",
        keywords=[("Salinity", None)],
        published=date(2021, 1, 1),
    )
    publish(MANCHE, abstract="Mesures répétées à la côte.", creators=["Lévêque, Hélène"], published=date(2020, 1, 1))
    publish(BREST, abstract="Hourly readings on the roof.", published=date(2019, 1, 1))
    publish(MOORING, abstract="Currents over ten years.", published=date(2018, 1, 1))


def found(q: str) -> set[str]:
    return {hit.record.title for hit in search(parse_query({"q": q, "size": 100})).hits}


def test_the_backend_is_the_one_the_run_was_asked_for():
    # The SQLite run (test_syntax_on_sqlite.py) says which backend it wants: a run that silently
    # fell back to PostgreSQL would prove nothing.
    assert connection.vendor == os.environ.get("ESTRAN_TEST_VENDOR", "postgresql")


WORDS = {
    "biscay": {CTD, GLIDER},
    "ctd biscay": {CTD},  # every word
    "CTD -glider": {CTD},  # not the comparison of both
    "glider -ctd": {GLIDER},
    "salinity or glider": {GLIDER, COMPARISON, SATELLITE},  # salinité is another word (stemmed apart)
    "ctd biscay or brest": {CTD, BREST},  # AND binds tighter than or
    "ctd or glider -biscay": {CTD, COMPARISON},  # (ctd) or (glider -biscay)
    '"sea surface"': {SATELLITE},
    '"surface sea"': set(),  # a phrase keeps its order
    "surface sea": {SATELLITE},  # words do not
    'biscay -"glider section"': {CTD},
    '"bay of biscay" ctd': {CTD},
    "-glider": EVERYTHING - {GLIDER, COMPARISON},  # a minus alone: every record without it
    "-glider -ctd": EVERYTHING - {CTD, GLIDER, COMPARISON},
    "--glider": {GLIDER, COMPARISON},  # two minus signs cancel out
    "glider or": {GLIDER, COMPARISON},  # a trailing or is no operator
    "or glider": {GLIDER, COMPARISON},
    "the glider": {GLIDER, COMPARISON},  # common words are not required
    "glider of the section": {GLIDER},
}


def test_words_phrases_or_and_minus(catalogue):
    assert {q: found(q) for q in WORDS} == WORDS


def test_accents_and_case_are_ignored(catalogue):
    typed = [
        "salinite",
        "SALINITÉ",
        "Salinité",
        "salinités",
        "mesures repetees",
        "leveque",
        "Hélène",
        "Sali\u0301nite\u0301",
    ]  # the accents as combining marks
    assert {q: found(q) for q in typed} == {q: {MANCHE} for q in typed}


def test_plurals_find_the_singular(catalogue):
    assert found("moorings") == found("mooring") == {MOORING}
    assert found("satellite") == {SATELLITE}


def test_a_title_match_ranks_above_keywords_and_creators_above_the_abstract(publish):
    publish("A", abstract="Some oxygen in the text.", published=date(2024, 1, 1))
    publish("B", keywords=[("Dissolved oxygen", None)], published=date(2023, 1, 1))
    publish("Oxygen minimum zone", published=date(2022, 1, 1))
    titles = [hit.record.title for hit in search(parse_query({"q": "oxygen"})).hits]
    assert titles == ["Oxygen minimum zone", "B", "A"]


def test_the_snippet_marks_the_words_found_in_the_abstract(catalogue):
    [hit] = search(parse_query({"q": "underwater"})).hits
    assert "<mark>underwater</mark>" in hit.snippet
    [hit] = search(parse_query({"q": '"side by side"'})).hits
    # PostgreSQL marks each word of the phrase but "by", FTS5 the phrase as a whole.
    assert hit.snippet.startswith("Both instruments <mark>side")


def test_reindexing_rebuilds_the_text_index(catalogue):
    from django.core.management import call_command

    from repository.fts import FTS_TABLE
    from repository.models import Record

    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {FTS_TABLE}")
    else:
        Record.objects.update(search_vector=None)
    assert found("glider") == set()
    call_command("estran_reindex", verbosity=0)
    assert found("glider") == {GLIDER, COMPARISON}
    assert found("-glider") == EVERYTHING - {GLIDER, COMPARISON}


# --- Whatever is typed --------------------------------------------------------------------------
#
# Each of these is an operator, a column filter or a syntax error to FTS5 or to to_tsquery: here
# they are punctuation between words (or no words at all), on both backends.


TYPED = {
    '"': set(),
    '""': set(),
    '"""': set(),
    "*": set(),
    "-": set(),
    "()": set(),
    "'": set(),
    "NEAR(": {MOORING},  # the word "near"
    "NEAR(ctd glider)": set(),  # near, ctd and glider: no record has all three
    "ctd NEAR glider": set(),
    "title:glider": set(),  # the words "title" and "glider", not a column filter
    "{title}: glider": set(),
    "glider*": {GLIDER, COMPARISON},  # not a prefix
    "^glider": {GLIDER, COMPARISON},
    "glider AND salinity": {GLIDER},
    "NOT glider": {GLIDER, COMPARISON},  # the word "not", which is not required
    "glider OR brest": {GLIDER, COMPARISON, BREST},
    "AND OR NOT": {CTD, GLIDER, COMPARISON},  # the words "and" or "not" (PostgreSQL's French reading)
    '"sea surface': {SATELLITE},  # an unbalanced quote runs to the end
    'sea" surface': {SATELLITE},
    'glider "': {GLIDER, COMPARISON},
    "glider)": {GLIDER, COMPARISON},
    "glider & !ctd | <-> :*": {COMPARISON},  # tsquery's operators: "glider" and "ctd"
    "%_glider%": {GLIDER, COMPARISON},  # LIKE's wildcards
    "glider\\": {GLIDER, COMPARISON},
    "ctd-glider": set(),
}


def test_operators_typed_by_a_user_are_only_punctuation(catalogue):
    assert {q: found(q) for q in TYPED} == TYPED


LONG = {
    "glider " * 71: {GLIDER, COMPARISON},  # 497 characters
    "glider or " * 50: {GLIDER, COMPARISON},
    '"glider ' * 62: {GLIDER, COMPARISON},
    "-glider " * 62: EVERYTHING - {GLIDER, COMPARISON},
    "-" * 500: set(),
    "-" * 33 + "glider": EVERYTHING - {GLIDER, COMPARISON},  # 33 NOTs overflowed PostgreSQL's parser
    "-" * 34 + "glider": {GLIDER, COMPARISON},
    "- ( ! & | < " * 40 + "glider": {GLIDER, COMPARISON},
    '"' * 500: set(),
    "(" * 250 + ")" * 250: set(),
    "or " * 166: set(),
}


def test_very_long_queries_are_answered(catalogue):
    assert max(map(len, LONG)) <= 500
    assert {q: found(q) for q in LONG} == LONG


def test_a_query_longer_than_five_hundred_characters_is_refused_against_q():
    with pytest.raises(ValidationFailed) as caught:
        parse_query({"q": "glider " * 72})
    assert [p["field"] for p in caught.value.problems] == ["q"]


def test_random_mixtures_of_operators_never_fail_the_api(client, catalogue):
    pieces = [
        '"',
        "-",
        "or",
        "OR",
        "AND",
        "NOT",
        "NEAR(",
        ")",
        "(",
        "*",
        "^",
        ":",
        "col:x",
        "{title}",
        "glider",
        "ctd",
        "salinité",
        "'",
        "\\",
        "%",
        "_",
        "+",
        "|",
        "&",
        "!",
        "<->",
        ",",
        "é",
        "-" * 40,
    ]
    pick = random.Random(13)
    for _ in range(60):
        q = "".join(pick.choice(pieces) + pick.choice(["", " "]) for _ in range(pick.randint(1, 12)))
        response = client.get("/api/records", {"q": q})
        assert response.status_code == 200, (q, response.content[:300])
        assert {hit["title"] for hit in response.json()["hits"]} <= EVERYTHING
