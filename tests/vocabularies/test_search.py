"""The wizard's type-ahead, GET /vocabularies/search, on the demo set: ranking, accents and case,
languages, alternative labels, thesaurus filters, errors, and a bounded number of queries."""

from __future__ import annotations

import pytest
from django.urls import reverse

from vocabularies.text import normalise

P02 = "http://vocab.nerc.ac.uk/collection/P02/current/"
L05 = "http://vocab.nerc.ac.uk/collection/L05/current/"


def _search(client, **params):
    response = client.get(reverse("vocabularies:search"), params)
    assert response.status_code == 200, response.content
    return response.json()["results"]


def _rank(text: str, q: str) -> int:
    text, q = normalise(text), normalise(q)
    if text == q:
        return 0
    if text.startswith(q):
        return 1
    if f" {q}" in text:
        return 2
    return 3 if q in text else 4


def test_a_prefix_finds_the_water_temperature_parameter(db, demo, client):
    results = _search(client, q="temper", thesaurus="nvs-p02")
    assert P02 + "TEMP/" in [r["uri"] for r in results]
    temp = next(r for r in results if r["uri"] == P02 + "TEMP/")
    assert temp == {
        "uri": P02 + "TEMP/",
        "label": "Temperature of the water column",
        "lang": "en",
        "matched": None,
        "notation": "SDN:P02::TEMP",
        "definition": temp["definition"],
        "thesaurus": {"slug": "nvs-p02", "title": "SeaDataNet Parameter Discovery Vocabulary", "uri": P02},
        "broader": None,
    }


def test_prefix_matches_come_before_word_matches_before_infix_matches(db, demo, client):
    results = _search(client, q="temp", limit=50)
    ranks = [_rank(r["matched"] or r["label"], "temp") for r in results]
    assert ranks == sorted(ranks)
    assert ranks[0] == 1 and 2 in ranks  # "Temperature of the water column" ... "Air temperature"
    labels = [r["label"] for r in results]
    assert labels.index("Temperature of the water column") < labels.index("Air temperature")


def test_an_exact_label_comes_first(db, demo, client):
    results = _search(client, q="ctd", thesaurus="nvs-l05")
    assert results[0]["uri"] == L05 + "130/" and results[0]["label"] == "CTD"
    assert {r["uri"] for r in results} >= {L05 + "354/", L05 + "131/"}


def test_french_with_or_without_accents_and_in_any_case_finds_french_labels(db, demo, client):
    for q in ("température", "temperature", "TEMPÉRATURE", "Temperature"):
        results = _search(client, q=q, lang="fr", thesaurus="nvs-p02")
        assert results[0]["lang"] == "fr"
        assert "Température de la colonne d'eau" in [r["label"] for r in results], q
    french = _search(client, q="eau de mer", lang="fr")
    temp = next(r for r in french if r["uri"] == P02 + "TEMP/")
    assert (temp["label"], temp["matched"]) == ("Température de la colonne d'eau", "Température de l'eau de mer")


def test_labels_in_either_language_match_and_the_asked_language_is_shown(db, demo, client):
    # A French name found from the English interface, and the other way round.
    (biscay,) = _search(client, q="gascogne", lang="en")
    assert (biscay["label"], biscay["matched"], biscay["lang"]) == ("Bay of Biscay", "Golfe de Gascogne", "en")
    (biscay_fr,) = _search(client, q="biscay", lang="fr")
    assert (biscay_fr["label"], biscay_fr["matched"]) == ("Golfe de Gascogne", "Bay of Biscay")


def test_a_label_missing_in_french_falls_back_to_english(db, tmp_path, client):
    from vocabularies.services import thesaurus_load

    path = tmp_path / "one.ttl"
    path.write_text(
        """@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
<http://example.org/s> a skos:ConceptScheme ; skos:prefLabel "Example"@en .
<http://example.org/s/1> a skos:Concept ; skos:inScheme <http://example.org/s> ; skos:prefLabel "Glider"@en .
""",
        encoding="utf-8",
    )
    thesaurus_load(path=path, slug="example")
    (glider,) = _search(client, q="glid", lang="fr", thesaurus="example")
    assert (glider["label"], glider["lang"]) == ("Glider", "en")


def test_alternative_labels_match_and_are_returned_as_matched(db, demo, client):
    temp = _search(client, q="WC_Temp")[0]  # exact, before "WC_TempVar"
    assert (temp["uri"], temp["label"], temp["matched"]) == (
        P02 + "TEMP/",
        "Temperature of the water column",
        "WC_Temp",
    )


def test_words_out_of_order_still_find_the_concept(db, demo, client):
    results = _search(client, q="water temp", thesaurus="nvs-p02")
    assert P02 + "TEMP/" in [r["uri"] for r in results]


def test_one_or_two_characters_match_label_starts_only(db, demo, client):
    for q in ("t", "te", "mé"):
        results = _search(client, q=q, lang="fr", limit=50)
        assert results
        for r in results:
            assert normalise(r["matched"] or r["label"]).startswith(normalise(q))


def test_deprecated_concepts_are_never_offered(db, tmp_path, client):
    from vocabularies.services import thesaurus_load

    path = tmp_path / "dep.ttl"
    path.write_text(
        """@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
<http://example.org/s> a skos:ConceptScheme ; skos:prefLabel "Example"@en .
<http://example.org/s/1> a skos:Concept ; skos:inScheme <http://example.org/s> ;
    skos:prefLabel "Salinity, old"@en ; owl:deprecated "true" .
<http://example.org/s/2> a skos:Concept ; skos:inScheme <http://example.org/s> ; skos:prefLabel "Salinity"@en .
""",
        encoding="utf-8",
    )
    thesaurus_load(path=path)
    assert [r["uri"] for r in _search(client, q="salinity", thesaurus="example")] == ["http://example.org/s/2"]


def test_thesaurus_and_keyword_type_filters(db, demo, client):
    assert {r["thesaurus"]["slug"] for r in _search(client, q="mer", lang="fr", thesaurus="nvs-c19")} == {"nvs-c19"}
    both = _search(client, q="temp", thesaurus="nvs-p02,nvs-l05", limit=50)
    assert {r["thesaurus"]["slug"] for r in both} == {"nvs-p02", "nvs-l05"}
    places = _search(client, q="golf", lang="fr", keyword_type="place")
    assert places and {r["thesaurus"]["slug"] for r in places} == {"nvs-c19"}
    themes = _search(client, q="ocean", keyword_type="theme")
    assert {r["thesaurus"]["slug"] for r in themes} <= {"iso19115-topic-categories", "inspire-themes"}


def test_the_broader_concept_is_given_when_loaded(db, demo, client):
    ships = _search(client, q="navires", lang="fr", thesaurus="gcmd-platforms")[0]
    assert ships["label"] == "Navires"
    assert ships["broader"] == {
        "uri": "https://gcmd.earthdata.nasa.gov/kms/concept/e50b2a1a-7d9d-4c09-ac7e-dc29f0c08fc7",
        "label": "Plateformes in situ océaniques",
    }


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"q": "t", "thesaurus": "nope"}, "thesaurus"),
        ({"q": "t", "lang": "de"}, "lang"),
        ({"q": "t", "limit": "many"}, "limit"),
        ({"q": "t", "keyword_type": "colour"}, "keyword_type"),
    ],
)
def test_bad_parameters_get_a_clear_error_at_their_field(db, demo, client, params, field):
    response = client.get(reverse("vocabularies:search"), params)
    assert response.status_code == 400
    assert response.json()["problems"][0]["field"] == field


def test_empty_queries_return_nothing_without_touching_the_database(db, demo, client, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert _search(client, q="  ") == []
        assert _search(client, q="'-") == []


def test_the_limit_is_honoured_and_capped(db, demo, client):
    assert len(_search(client, q="m", lang="fr", limit=3)) == 3
    assert len(_search(client, q="e", limit=500)) <= 50


@pytest.mark.parametrize("limit", [1, 20, 50])
def test_one_query_or_two_with_thesauri_whatever_the_result_size(
    db, demo, client, limit, django_assert_max_num_queries
):
    with django_assert_max_num_queries(1):
        results = _search(client, q="ion", limit=limit)
    assert len(results) == limit
    with django_assert_max_num_queries(2):
        results = _search(client, q="s", limit=limit, thesaurus="gcmd-platforms,nvs-l05,nvs-p02")
    assert results and all(r["broader"] is None or "label" in r["broader"] for r in results)
    with django_assert_max_num_queries(2):
        _search(client, q="plateformes oce", lang="fr", limit=limit, keyword_type="platform")
