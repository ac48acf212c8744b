"""The search function (`repository.search.search`), as the page and the API use it: text with
ranking and stemming, each facet and their combinations, boxes (across the antimeridian too),
points, periods, withdrawn records and older versions left out, sorting and pages."""

from __future__ import annotations

from datetime import date

import pytest

from core.errors import ValidationFailed
from repository.search import parse_query, search

pytestmark = pytest.mark.django_db

TEMP = "http://vocab.nerc.ac.uk/collection/P02/current/TEMP/"
PSAL = "http://vocab.nerc.ac.uk/collection/P02/current/PSAL/"


def titles(**params) -> list[str]:
    return [hit.record.title for hit in search(parse_query(params)).hits]


# --- Text ---------------------------------------------------------------------------------------


def test_a_title_match_ranks_above_an_abstract_match(publish):
    publish("Nutrients of the Gironde estuary", abstract="Chlorophyll and nitrate along the salinity gradient.")
    publish("Chlorophyll fluorescence on the Brittany shelf", abstract="Fluorometer casts.")
    assert titles(q="chlorophyll") == [
        "Chlorophyll fluorescence on the Brittany shelf",
        "Nutrients of the Gironde estuary",
    ]


def test_keywords_and_creators_are_searched_and_rank_between_title_and_abstract(publish):
    publish("A", abstract="Some oxygen in the text.")
    publish("B", keywords=[("Dissolved oxygen", None)])
    publish("Oxygen minimum zone")
    assert titles(q="oxygen") == ["Oxygen minimum zone", "B", "A"]
    publish("C", creators=["Zanzibar, Lucie"])
    assert titles(q="zanzibar") == ["C"]


def test_french_plurals_and_accents_find_the_singular(publish):
    publish("Température de surface de la mer en Manche")
    publish("Salinité du golfe de Gascogne")
    assert titles(q="températures") == ["Température de surface de la mer en Manche"]
    assert titles(q="temperatures") == ["Température de surface de la mer en Manche"]
    assert titles(q="salinites") == ["Salinité du golfe de Gascogne"]


def test_english_stemming_finds_profile_from_profiles(publish):
    publish("Glider profile across the Bay of Biscay")
    publish("Mooring time series")
    assert titles(q="profiles") == ["Glider profile across the Bay of Biscay"]


def test_every_word_must_match_and_web_search_syntax_works(publish):
    publish("Sea surface temperature, Bay of Biscay")
    publish("Sea surface salinity, Bay of Biscay")
    publish("Air temperature at Brest")
    assert set(titles(q="temperature biscay")) == {"Sea surface temperature, Bay of Biscay"}
    assert set(titles(q="temperature -air")) == {"Sea surface temperature, Bay of Biscay"}
    assert set(titles(q="salinity or brest")) == {"Sea surface salinity, Bay of Biscay", "Air temperature at Brest"}
    assert set(titles(q='"surface salinity"')) == {"Sea surface salinity, Bay of Biscay"}


def test_a_record_is_found_by_its_doi_as_people_paste_it_and_by_a_files_name(publish):
    from repository.models import RecordFile

    target = publish("Mooring records off Brittany")
    publish("Glider section in the Bay of Biscay")
    RecordFile.objects.filter(record=target).update(name="CTD_casts_2024.nc")
    doi = target.doi
    for q in (
        doi,
        doi.upper(),
        f"doi:{doi}",
        f"https://doi.org/{doi}",
        f"HTTPS://DOI.ORG/{doi.upper()}",
        f"http://dx.doi.org/{doi}",
        f"  https://doi.org/{doi} ",
    ):
        assert titles(q=q) == [target.title], q
    for q in ("CTD_casts_2024.nc", "ctd_casts_2024.NC", "CTD_casts_2024", "ctd_casts_2024"):
        assert titles(q=q) == [target.title], q
    # Only a whole name or its stem; a DOI that is nobody's finds nothing (not its words elsewhere).
    assert titles(q="casts_2024") == titles(q="CTD_casts_2024.n") == []
    assert titles(q="10.5072/not-a-record") == []
    assert search(parse_query({"q": doi, "community": ["atmosphere"]})).total == 0  # filters still apply


def test_a_file_in_folders_is_found_by_its_path_and_by_its_own_name(publish):
    from repository.models import RecordFile

    target = publish("Glider profiles of 2024")
    publish("Mooring records off Brittany")
    RecordFile.objects.filter(record=target).update(name="profiles/2024/G123_0042.nc")
    for q in ("profiles/2024/g123_0042.nc", "profiles/2024/G123_0042", "g123_0042.nc", "G123_0042"):
        assert titles(q=q) == [target.title], q
    # a folder's name, or the end of one, is not the file's
    assert titles(q="2024/G123_0042") == titles(q="123_0042.nc") == []
    RecordFile.objects.filter(record=target).update(name="v1.2/README")
    assert titles(q="README") == titles(q="v1.2/readme") == [target.title]
    assert titles(q="v1") == []


def test_a_snippet_marks_the_words_found_and_escapes_the_rest(publish):
    publish("Nutrients", abstract="Nitrate <script>alert(1)</script> measured in the estuary of the Loire.")
    hit = search(parse_query({"q": "estuary"})).hits[0]
    assert "<mark>estuary</mark>" in hit.snippet
    assert "<script" not in hit.snippet  # dropped by ts_headline (PostgreSQL), escaped (SQLite)


# --- Facets -------------------------------------------------------------------------------------


@pytest.fixture
def catalogue(publish):
    """Six records spread over the facets."""
    return {
        "ctd": publish(
            "CTD casts PELGAS 2022",
            keywords=[("Sea water temperature", TEMP), ("Salinity", PSAL)],
            creators=["Le Goff, Anne", "Martin, Paul"],
            licence="CC-BY-4.0",
            published=date(2022, 5, 1),
        ),
        "glider": publish(
            "Glider section Biscay",
            keywords=[("Sea water temperature", TEMP)],
            creators=["Martin, Paul"],
            licence="CC0-1.0",
            published=date(2023, 3, 1),
        ),
        "aerosol": publish(
            "Aerosol optical depth",
            community="atmosphere",
            keywords=[("Aerosols", None)],
            creators=["Durand, Claire"],
            licence="etalab-2.0",
            published=date(2023, 6, 1),
        ),
        "model": publish(
            "Ocean model output",
            keywords=[("Salinity", PSAL)],
            resource_type="Model",
            creators=["Le Goff, Anne"],
            licence="CC-BY-4.0",
            published=date(2024, 1, 10),
        ),
        "birds": publish(
            "Seabird counts",
            community="biodiversity",
            keywords=[("Seabirds", None)],
            creators=["Durand, Claire"],
            licence="ODbL-1.0",
            published=date(2024, 7, 1),
        ),
        "report": publish(
            "Cruise report PELGAS",
            resource_type="Text",
            creators=["Martin, Paul"],
            licence="CC-BY-4.0",
            published=date(2024, 9, 1),
        ),
    }


def counts(result, facet: str) -> dict[str, int]:
    return {v.value: v.count for v in result.facets[facet]}


def test_facets_count_every_value(catalogue):
    result = search(parse_query({}))
    assert result.total == 6
    assert counts(result, "community") == {"ocean": 4, "atmosphere": 1, "biodiversity": 1}
    assert counts(result, "keyword") == {TEMP: 2, PSAL: 2, "Aerosols": 1, "Seabirds": 1}
    assert {v.value: v.label for v in result.facets["keyword"]}[TEMP] == "Sea water temperature"
    assert counts(result, "resource_type") == {"Dataset": 4, "Model": 1, "Text": 1}
    assert counts(result, "licence") == {"CC-BY-4.0": 3, "CC0-1.0": 1, "etalab-2.0": 1, "ODbL-1.0": 1}
    assert counts(result, "year") == {"2022": 1, "2023": 2, "2024": 3}
    assert [v.value for v in result.facets["year"]] == ["2024", "2023", "2022"]  # years newest first
    assert counts(result, "creator") == {"Martin, Paul": 3, "Le Goff, Anne": 2, "Durand, Claire": 2}
    assert list(counts(result, "creator")) == ["Martin, Paul", "Durand, Claire", "Le Goff, Anne"]  # by count, then name


@pytest.mark.parametrize(
    ("facet", "values", "expected"),
    [
        ("community", ["atmosphere"], {"aerosol"}),
        ("community", ["atmosphere", "biodiversity"], {"aerosol", "birds"}),
        ("keyword", [TEMP], {"ctd", "glider"}),
        ("keyword", ["Seabirds"], {"birds"}),
        ("keyword", [TEMP, "Aerosols"], {"ctd", "glider", "aerosol"}),
        ("resource_type", ["Model", "Text"], {"model", "report"}),
        ("licence", ["CC-BY-4.0"], {"ctd", "model", "report"}),
        ("year", ["2023"], {"glider", "aerosol"}),
        ("creator", ["Durand, Claire"], {"aerosol", "birds"}),
        ("community", ["no-such-community"], set()),
    ],
)
def test_each_facet_filters_and_its_values_are_alternatives(catalogue, facet, values, expected):
    names = {record.title: name for name, record in catalogue.items()}
    assert {names[t] for t in titles(**{facet: values})} == expected


def test_facets_combine_and_each_counts_without_its_own_filter(catalogue):
    result = search(parse_query({"community": ["ocean"], "creator": ["Martin, Paul"], "year": ["2024", "2022"]}))
    assert {h.record.title for h in result.hits} == {"CTD casts PELGAS 2022", "Cruise report PELGAS"}
    # community counted with creator and year applied, not community:
    assert counts(result, "community") == {"ocean": 2}
    # creator counted with community and year, not creator: the three ocean records of 2022 and 2024
    assert counts(result, "creator") == {"Le Goff, Anne": 2, "Martin, Paul": 2}
    assert [v.value for v in result.facets["creator"] if v.selected] == ["Martin, Paul"]
    # year counted with community and creator: Martin's ocean records, 2022, 2023, 2024
    assert counts(result, "year") == {"2024": 1, "2023": 1, "2022": 1}


def test_a_selected_value_stays_listed_beyond_the_top_values(publish):
    for i in range(4):
        publish(f"Record {i}", keywords=[("Common", None)])
    publish("Rare one", keywords=[("Rare", None)])
    result = search(parse_query({"keyword": ["Rare"]}), facet_size=1)
    assert [(v.value, v.selected) for v in result.facets["keyword"]] == [("Common", False), ("Rare", True)] or [
        (v.value, v.selected) for v in result.facets["keyword"]
    ] == [("Rare", True)]
    assert any(v.value == "Rare" and v.selected for v in result.facets["keyword"])


def _expected_counts(params: dict) -> dict[str, dict[str, int]]:
    """Each facet's counts worked out from the records' own search columns, one record at a time:
    over the searchable records meeting every facet filter but the facet's own."""
    from repository.models import Record

    columns = {
        "community": lambda r: [r.community.slug],
        "keyword": lambda r: list(r.search_keywords),
        "resource_type": lambda r: [r.search_resource_type] if r.search_resource_type else [],
        "licence": lambda r: [r.search_licence] if r.search_licence else [],
        "year": lambda r: [str(r.search_year)] if r.search_year else [],
        "creator": lambda r: list(r.search_creators),
    }
    records = list(Record.objects.filter(search_latest=True).select_related("community"))
    expected = {}
    for facet, values_of in columns.items():
        counted: dict[str, int] = {}
        for record in records:
            others = [f for f in columns if f != facet and params.get(f)]
            if all(set(columns[f](record)) & set(params[f]) for f in others):
                for value in values_of(record):
                    counted[value] = counted.get(value, 0) + 1
        expected[facet] = counted
    return expected


def test_every_facet_counts_what_the_records_columns_say_whatever_the_filters(publish):
    """Each facet's counts, on both databases, are what the records themselves say, for none,
    one, two and three facet filters, values within a facet as alternatives, and an unknown value."""
    keywords = [("Sea water temperature", TEMP), ("Salinity", PSAL), ("Oxygen", None), ("Nitrate", None)]
    creators = ["Le Goff, Anne", "Martin, Paul", "Durand, Claire", "Nguyen, Linh"]
    licences = ["CC-BY-4.0", "CC0-1.0", "etalab-2.0"]
    for n in range(18):
        publish(
            f"Record {n}",
            community=["ocean", "atmosphere", "biodiversity"][n % 3],
            keywords=list(dict.fromkeys([keywords[n % 4], keywords[(n * 3 + 2) % 4]])) if n % 5 else [],
            creators=list(dict.fromkeys([creators[n % 4], creators[(n // 2) % 4]])),
            licence=licences[n % 3 if n % 7 else 0],
            resource_type=["Dataset", "Model", "Text"][(n // 3) % 3],
            published=date(2020 + n % 4, 1, 1),
        )
    queries = [
        {},
        {"community": ["ocean"]},
        {"keyword": [TEMP, "Oxygen"]},
        {"creator": ["Martin, Paul"], "licence": ["CC-BY-4.0"]},
        {"year": ["2021", "2023"], "resource_type": ["Model"], "community": ["ocean", "atmosphere"]},
        {"keyword": [PSAL], "creator": ["Nguyen, Linh", "Durand, Claire"], "year": ["2020"]},
        {"licence": ["no-such-licence"], "keyword": [TEMP]},
    ]
    for params in queries:
        result = search(parse_query(params), facet_size=50)
        got = {facet: counts(result, facet) for facet in result.facets}
        assert got == _expected_counts(params), params
        for facet, values in params.items():
            chosen = {v.value for v in result.facets[facet] if v.selected}
            assert chosen == set(values) & set(counts(result, facet)), (params, facet)


def test_the_facets_counted_in_one_pass_are_those_counted_one_by_one(publish, monkeypatch):
    """PostgreSQL counts the facets of one value per record (community, resource type, licence,
    year) in one pass over the base (`_scalar_facets_sql`); the values, counts, order and cut (the
    selected values first, then the most frequent, ties by value, `facet_size` of them) are those of
    one count per facet, with and without words, filters and a selected value that counts nothing."""
    from repository import search as search_module

    for n in range(14):
        publish(
            f"Mooring temperature {n}" if n % 2 else f"Glider salinity {n}",
            community=["ocean", "atmosphere", "biodiversity"][n % 3],
            creators=[["Le Goff, Anne", "Martin, Paul"][n % 2]],
            licence=["CC-BY-4.0", "CC0-1.0", "etalab-2.0"][(n // 2) % 3],
            resource_type=["Dataset", "Model"][(n // 3) % 2],
            published=date(2019 + n % 5, 1, 1),
        )
    queries = [
        {},
        {"q": "temperature"},
        {"licence": ["etalab-2.0"], "year": ["2021", "2019"]},
        {"q": "mooring", "community": ["atmosphere"], "creator": ["Martin, Paul"]},
        {"resource_type": ["Model", "Text"], "licence": ["CC0-1.0"], "community": ["ocean", "nowhere"]},
    ]
    one_pass = search_module._one_pass_facets

    def facets(params, size):
        result = search(parse_query(params), facet_size=size)
        return {f: [(v.value, v.count, v.selected) for v in values] for f, values in result.facets.items()}

    for size in (1, 2, 10):
        monkeypatch.setattr(search_module, "_one_pass_facets", one_pass)
        together = [facets(params, size) for params in queries]
        monkeypatch.setattr(search_module, "_one_pass_facets", list)
        assert together == [facets(params, size) for params in queries], size
    monkeypatch.setattr(search_module, "_one_pass_facets", one_pass)


# --- Space --------------------------------------------------------------------------------------


@pytest.fixture
def places(publish):
    return {
        "biscay": publish("Bay of Biscay", boxes=[(-6, 43.5, -1, 48)]),
        "fiji": publish("Fiji basin across the antimeridian", boxes=[(170, -25, -170, -10)]),
        "east179": publish("Station at 179°E", points=[(179.0, -15.0)]),
        "west179": publish("Station at 179°W", points=[(-179.0, -15.0)]),
        "greenwich": publish("Station at 0°", points=[(0.0, -15.0)]),
        "nowhere": publish("No extent"),
    }


def found(**params) -> set[str]:
    return set(titles(**params))


def test_a_box_finds_the_records_it_meets(places):
    assert found(bbox="-10,40,0,50") == {"Bay of Biscay"}
    assert found(bbox="-1,48,5,55") == {"Bay of Biscay"}  # a shared corner counts
    assert found(bbox="10,40,20,50") == set()
    assert found(bbox="-5,44,-4,45") == {"Bay of Biscay"}  # inside the record's box


def test_a_record_across_the_antimeridian_is_found_from_either_side(places):
    assert found(bbox="174,-20,176,-18") == {"Fiji basin across the antimeridian"}
    assert found(bbox="-176,-20,-174,-18") == {"Fiji basin across the antimeridian"}
    assert "Fiji basin across the antimeridian" not in found(bbox="-20,-20,20,-18")
    assert "Fiji basin across the antimeridian" not in found(bbox="100,-20,160,-18")


def test_a_query_box_across_the_antimeridian_finds_both_sides_and_not_greenwich(places):
    assert found(bbox="178,-16,-178,-14") == {
        "Station at 179°E",
        "Station at 179°W",
        "Fiji basin across the antimeridian",
    }
    assert found(bbox="178.5,-16,179.5,-14") == {"Station at 179°E", "Fiji basin across the antimeridian"}


def test_points_and_the_whole_world(places):
    assert found(bbox="-1,-16,1,-14") == {"Station at 0°"}
    assert found(bbox="-180,-90,180,90") == {t.title for k, t in places.items() if k != "nowhere"}


def test_a_box_finds_exactly_the_records_meeting_it_wherever_their_edges_fall(publish):
    """Records and query boxes with edges on ±180°, ±90° and round degrees, just either side of
    them, points, boxes across the antimeridian and an ocean-wide box: each search's records, with
    words and without, are those whose stored extent meets the box (edges touching count), worked
    out here one record at a time, on both databases."""
    from repository.models import Record
    from repository.search import BBox

    shapes = {
        "corner": [(0, 0, 10, 10)],
        "just-past": [(10.000001, -10, 19.999999, -0.000001)],
        "date-line": [(170, 80, -170, 90)],
        "south-pole": [(-180, -90, 180, -80)],
        "edge-180": [(175, 0, 180, 5)],
        "ocean": [(-80, -60, 20, 70)],
    }
    for name, boxes in shapes.items():
        publish(name, boxes=boxes)
    for lon, lat in [(-180, 0), (180, 45), (10, 10), (-0.000001, 89.999999), (0, -90)]:
        publish(f"point {lon} {lat}", points=[(lon, lat)])
    records = list(Record.objects.filter(search_latest=True))

    def meets(r, box: BBox) -> bool:
        if r.search_south is None or r.search_south > box.north or r.search_north < box.south:
            return False
        spans = [(r.search_west, r.search_east)] + (
            [(r.search_west2, r.search_east2)] if r.search_west2 is not None else []
        )
        return any(w <= q_east and e >= q_west for w, e in spans for q_west, q_east in box.longitude_ranges())

    edges = [-180, -170.5, -10, -0.000001, 0, 10, 19.999999, 20, 170, 179.9, 180]
    lats = [-90, -80, -10, 0, 10, 45, 80, 90]
    searched = 0
    for west in edges:
        for east in edges[::3]:
            for south, north in zip(lats, lats[2:], strict=False):
                box = BBox(west=west, south=south, east=east, north=north)
                expected = {r.title for r in records if meets(r, box)}
                assert found(bbox=box.as_param(), size=100) == expected, box
                # with words (each record's abstract says "at sea"), the box filters what they find
                assert found(q="sea", bbox=box.as_param(), size=100) == expected, box
                searched += 1
    assert searched > 100


def test_the_extent_of_several_shapes_is_their_union(publish):
    publish("Two sites", boxes=[(-6, 43, -5, 44)], points=[(10.0, 60.0)])
    assert found(bbox="-5.5,43.5,-5.2,43.8") == {"Two sites"}
    assert found(bbox="9,59,11,61") == {"Two sites"}
    assert found(bbox="0,50,2,52") == {"Two sites"}  # between them, inside the union


@pytest.mark.parametrize(
    ("bbox", "problem"),
    [
        ("10,20,30", "bbox"),
        ("a,b,c,d", "bbox"),
        ("0,50,10,40", "bbox"),
        ("0,-95,10,0", "bbox"),
        ("190,0,200,10", "bbox"),
    ],
)
def test_a_bad_box_is_refused_against_the_box(bbox, problem):
    with pytest.raises(ValidationFailed) as caught:
        parse_query({"bbox": bbox})
    assert {p["field"] for p in caught.value.problems} == {problem}


def test_the_four_coordinates_of_the_page_form_a_box_and_are_all_needed(places):
    assert {
        h.record.title for h in search(parse_query({"west": "-10", "south": "40", "east": "0", "north": "50"})).hits
    } == {"Bay of Biscay"}
    # as people type them: a decimal comma, a typographic minus
    assert parse_query({"west": "\u22126,5", "south": "43,5", "east": "-1", "north": "48"}).bbox.west == -6.5
    with pytest.raises(ValidationFailed) as caught:
        parse_query({"west": "-10", "south": "40"})
    assert caught.value.problems[0]["field"] == "bbox"


# --- Time ---------------------------------------------------------------------------------------


@pytest.fixture
def periods(publish):
    return {
        "2019": publish("Survey 2019", period=("2019-03-01", "2019-09-30")),
        "2020s": publish("Survey 2020-2022", period=("2020-01-01", "2022-12-31")),
        "ongoing": publish("Ongoing mooring since 2021", period=("2021-06-01", None)),
        "none": publish("No period"),
    }


def test_a_period_finds_the_records_collected_during_it(periods):
    assert found(start="2019-01-01", end="2019-12-31") == {"Survey 2019"}
    assert found(start="2019-09-30", end="2019-09-30") == {"Survey 2019"}  # the last day counts
    assert found(start="2021-01-01", end="2021-12-31") == {"Survey 2020-2022", "Ongoing mooring since 2021"}
    assert found(start="2030-01-01") == {"Ongoing mooring since 2021"}  # ongoing: no end
    assert found(end="2019-06-01") == {"Survey 2019"}
    assert found(start="2023-01-01", end="2024-01-01") == {"Ongoing mooring since 2021"}
    assert "No period" not in found(start="1900-01-01")


def test_a_collected_date_range_stands_for_a_missing_temporal_extent(depositor, communities):
    from repository.metadata import MetadataDocument
    from repository.services import pid_mint, record_publish
    from tests.factories import complete_metadata

    data = complete_metadata("Dated by its collection dates")  # "dates": 2024-04-25/2024-05-30, Collected
    record_publish(
        pid=pid_mint(),
        document=MetadataDocument.model_validate(data),
        community=communities["ocean"],
        owner=depositor,
        files=[],
    )
    assert found(start="2024-05-01", end="2024-05-02") == {"Dated by its collection dates"}
    assert found(start="2024-06-01") == set()


def test_an_end_before_the_start_is_refused_against_the_end():
    with pytest.raises(ValidationFailed) as caught:
        parse_query({"start": "2020-01-02", "end": "2020-01-01"})
    assert [p["field"] for p in caught.value.problems] == ["end"]


# --- Together -----------------------------------------------------------------------------------


def test_text_facets_box_and_time_combine(publish):
    publish(
        "Temperature in Biscay 2020",
        boxes=[(-6, 43, -1, 48)],
        period=("2020-01-01", "2020-12-31"),
        keywords=[("Sea water temperature", TEMP)],
    )
    publish(
        "Temperature in Biscay 2010",
        boxes=[(-6, 43, -1, 48)],
        period=("2010-01-01", "2010-12-31"),
        keywords=[("Sea water temperature", TEMP)],
    )
    publish(
        "Temperature in Fiji 2020",
        boxes=[(170, -25, -170, -10)],
        period=("2020-01-01", "2020-12-31"),
        keywords=[("Sea water temperature", TEMP)],
    )
    publish(
        "Temperature in Biscay 2020, atmosphere",
        community="atmosphere",
        boxes=[(-6, 43, -1, 48)],
        period=("2020-01-01", "2020-12-31"),
        keywords=[("Sea water temperature", TEMP)],
    )
    publish(
        "Salinity in Biscay 2020",
        boxes=[(-6, 43, -1, 48)],
        period=("2020-01-01", "2020-12-31"),
        keywords=[("Salinity", PSAL)],
    )
    result = search(
        parse_query(
            {
                "q": "temperature",
                "keyword": [TEMP],
                "community": ["ocean"],
                "bbox": "-10,40,0,50",
                "start": "2020-06-01",
                "end": "2020-06-30",
            }
        )
    )
    assert [h.record.title for h in result.hits] == ["Temperature in Biscay 2020"]
    assert result.total == 1
    assert counts(result, "community") == {"ocean": 1, "atmosphere": 1}


def _answers_as_in_one_step(queries: list[dict], monkeypatch) -> list[tuple]:
    """Each query's total, hit titles in order and facet counts as search answers it, asserted to
    be those of one step (repository.search._phrase_apart off: the phrase matched on the tsvector
    with everything else)."""
    from repository import search as search_module

    real = search_module._phrase_apart

    def answer(params, *, apart: bool):
        monkeypatch.setattr(search_module, "_phrase_apart", real if apart else (lambda query: False))
        result = search(parse_query(params))
        return (
            result.total,
            [h.record.title for h in result.hits],
            {facet: [(v.value, v.count) for v in values] for facet, values in result.facets.items()},
        )

    answers = [answer(q, apart=True) for q in queries]
    assert answers == [answer(q, apart=False) for q in queries]
    monkeypatch.setattr(search_module, "_phrase_apart", real)
    return answers


def test_a_phrase_checked_after_the_index_area_and_facets_finds_what_one_step_finds(publish, monkeypatch):
    """PostgreSQL matches a quoted phrase in two steps (repository.search._phrase_apart): its words
    through the index with the area and period, then the phrase on the records left that count
    somewhere. The hits, their order, the total and every facet's counts are those of one step
    (on SQLite, run by test_syntax_on_sqlite.py, the same records in one step)."""
    from django.db import connection

    from repository import search as search_module

    for n, (title, community, licence, box) in enumerate(
        [
            ("Sea water temperature in Biscay", "ocean", "CC-BY-4.0", (-6, 43, -1, 48)),
            ("Temperature of sea water in Biscay", "ocean", "CC-BY-4.0", (-6, 43, -1, 48)),  # the words, not the phrase
            ("Sea water temperature over the shelf", "atmosphere", "CC0-1.0", (-6, 43, -1, 48)),
            ("Sea water temperature at Fiji", "ocean", "CC-BY-4.0", (170, -25, -170, -10)),
            ("Sea water temperature, Brest mooring", "ocean", "CC0-1.0", (-5, 48, -4, 49)),
            ("Water temperature of the sea, Brest", "atmosphere", "CC0-1.0", (-5, 48, -4, 49)),
        ]
    ):
        publish(title, community=community, licence=licence, boxes=[box], published=date(2020, 1, 1 + n))
    queries = [
        {"q": '"sea water temperature"', "community": ["ocean"], "licence": ["CC-BY-4.0"], "bbox": "-10,40,0,50"},
        {"q": '"sea water temperature"', "community": ["ocean", "atmosphere"], "licence": ["CC0-1.0"]},
        {"q": '"sea water temperature" brest', "licence": ["CC0-1.0"]},
        {"q": '"sea water" -"water temperature of"'},  # a phrase under a minus: not loosened
        {"q": "sea-water temperature", "community": ["ocean"]},
        {"q": '"water temperature"', "sort": "title"},
    ]

    # The two steps are PostgreSQL's; SQLite (FTS5) answers in one, and must find the same records.
    assert all(search_module._phrase_apart(parse_query(q)) for q in queries) == (connection.vendor == "postgresql")
    answers = _answers_as_in_one_step(queries, monkeypatch)
    assert answers[0][1] == ["Sea water temperature in Biscay"]
    assert answers[1][0] == 2 and dict(answers[1][2]["community"]) == {"ocean": 1, "atmosphere": 1}
    assert answers[2][1] == ["Sea water temperature, Brest mooring"]


def test_a_two_word_phrase_is_found_through_its_pairs_as_through_the_words_positions(publish, moderator, monkeypatch):
    """PostgreSQL answers a query that is one phrase of two or three words (in both languages it is
    read in) through the index of each record's pairs and runs of three following words
    (`search_pairs`, migrations 0010 and 0012), with no tsvector read; other phrases as before. The
    same records, order, total and facets as the words' positions give in one step, and a withdrawn
    record's pairs are gone with its words."""
    from django.db import connection

    from repository import search as search_module
    from repository.services import record_withdraw

    publish("Water column nutrients", keywords=[("Nitrate", None)], published=date(2020, 1, 1))
    publish("Column of water samples", community="atmosphere", published=date(2020, 1, 2))  # not in that order
    publish("Nutrients in the water", keywords=[("Column profiles", None)], published=date(2020, 1, 3))
    publish("Water-column chlorophyll", published=date(2020, 1, 4))
    gone = publish("Water column, withdrawn", published=date(2020, 1, 5))
    record_withdraw(record=gone, actor=moderator, reason="duplicate", note="")
    # both pairs of "sea water temperature", never the three words in a row
    publish("Sea water and water temperature", published=date(2020, 1, 6))
    publish("Sea water temperature at the mooring", published=date(2020, 1, 7))
    queries = [
        {"q": '"water column"'},
        {"q": '"Water Column"', "community": ["ocean", "atmosphere"], "sort": "oldest"},
        {"q": '"column water"'},
        {"q": '"water of column"'},  # a common word inside: positions two apart, checked on the tsvector
        {"q": '"water column" nitrate'},  # a phrase and a word: checked on the tsvector
        {"q": "water-column"},
        {"q": '"sea water temperature"'},  # three words: their run of three
        {"q": '"water column nutrients"', "sort": "title"},
        {"q": '"sea water temperature mooring"'},  # four words: checked on the tsvector
    ]

    answers = _answers_as_in_one_step(queries, monkeypatch)
    assert "Water column nutrients" in answers[0][1] and "Column of water samples" not in answers[0][1]
    assert "Water column, withdrawn" not in answers[0][1]
    assert set(answers[0][1]) == set(answers[1][1])  # any case, either order
    assert answers[4][1] == ["Water column nutrients"]
    assert answers[6][1] == ["Sea water temperature at the mooring"]
    assert answers[7][1] == ["Water column nutrients"]
    assert answers[8][1] == []
    if connection.vendor == "postgresql":
        # which queries the pairs answer, as PostgreSQL decides it when it plans the statement
        with connection.cursor() as cursor:
            taken = []
            for q in queries:
                cursor.execute(f"SELECT {search_module._IS_PAIRS_SQL}", [search_module._websearch_text(q["q"])] * 2)
                taken.append(cursor.fetchone()[0])
            cursor.execute("SELECT search_pairs IS NULL FROM repository_record WHERE id = %s", [gone.pk])
            assert cursor.fetchone()[0]
        # a hyphenated word is a run of three: the compound, then its parts (`water-column water column`)
        assert taken == [True, True, True, False, False, True, True, True, False]


# --- What is searchable -------------------------------------------------------------------------


def test_withdrawn_records_are_not_found(publish, moderator):
    from repository.services import record_withdraw

    kept = publish("Kept temperature record")
    gone = publish("Withdrawn temperature record", keywords=[("Gone", None)])
    record_withdraw(record=gone, actor=moderator, reason="duplicate", note="")
    result = search(parse_query({"q": "temperature"}))
    assert [h.record.pk for h in result.hits] == [kept.pk]
    assert "Gone" not in counts(search(parse_query({})), "keyword")
    gone.refresh_from_db()
    assert gone.search_vector is None and gone.search_keywords == [] and not gone.search_latest


def test_only_the_latest_version_of_a_dataset_is_shown(publish, depositor, moderator, communities):
    from repository.metadata import MetadataDocument
    from repository.services import pid_mint, record_publish
    from tests.search.conftest import metadata

    first = publish("Mooring, version 1")
    pid = pid_mint(concept=first.concept)
    second = record_publish(
        pid=pid,
        document=MetadataDocument.model_validate(metadata("Mooring, version 2")),
        community=communities["ocean"],
        owner=depositor,
        files=[],
    )
    assert titles(q="mooring") == ["Mooring, version 2"]
    from repository.services import record_withdraw

    # The community's moderator withdraws it (nobody withdraws a record they deposited).
    record_withdraw(record=second, actor=moderator, reason="data_error", note="")
    assert titles(q="mooring") == ["Mooring, version 1"]  # the previous version is shown again
    first.refresh_from_db()
    assert first.search_latest


def test_a_lifted_embargo_reindexes_the_record(publish):
    from repository.indexing import record_index
    from repository.models import Record
    from repository.services import record_lift_embargo

    record = publish("Embargoed data")
    Record.objects.filter(pk=record.pk).update(search_vector=None, search_latest=False, embargo_until=date(2020, 1, 1))
    record.refresh_from_db()
    assert titles(q="embargoed") == []
    assert record_lift_embargo(record=record, today=date(2020, 1, 2))
    assert titles(q="embargoed") == ["Embargoed data"]
    record_index(record=record)  # idempotent
    assert titles(q="embargoed") == ["Embargoed data"]


def test_reindexing_rebuilds_every_record(publish):
    from django.core.management import call_command

    from repository.models import Record

    publish("Current meter data")
    publish("Tide gauge data")
    Record.objects.update(search_vector=None, search_latest=False, search_creators=[])
    assert titles(q="data") == []
    call_command("estran_reindex", verbosity=0)
    assert set(titles(q="data")) == {"Current meter data", "Tide gauge data"}
    assert search(parse_query({})).facets["creator"][0].count == 2


# --- Sorting and pages --------------------------------------------------------------------------


def test_sorting_by_date_and_title(publish):
    publish("Bravo", published=date(2023, 1, 1))
    publish("alpha", published=date(2021, 1, 1))
    publish("Charlie", published=date(2024, 1, 1))
    assert titles() == ["Charlie", "Bravo", "alpha"]  # newest first without words
    assert titles(sort="oldest") == ["alpha", "Bravo", "Charlie"]
    assert titles(sort="title") == ["alpha", "Bravo", "Charlie"]
    assert titles(sort="relevance") == ["Charlie", "Bravo", "alpha"]  # no words: newest


def test_pages_split_the_hits_and_the_total_stays(publish):
    for i in range(7):
        publish(f"Buoy {i}", published=date(2020, 1, 1 + i))
    pages = [search(parse_query({"size": 3, "page": page})) for page in (1, 2, 3, 4)]
    assert [[h.record.title for h in p.hits] for p in pages[:3]] == [
        ["Buoy 6", "Buoy 5", "Buoy 4"],
        ["Buoy 3", "Buoy 2", "Buoy 1"],
        ["Buoy 0"],
    ]
    assert [p.total for p in pages] == [7, 7, 7, 7]
    assert pages[0].pages == 3 and pages[3].hits == []
    assert pages[1].first_rank == 4


def test_paging_stops_at_ten_thousand_hits():
    parse_query({"page": 100, "size": 100})
    with pytest.raises(ValidationFailed) as caught:
        parse_query({"page": 101, "size": 100})
    assert caught.value.problems[0]["field"] == "page"


def test_the_number_of_queries_does_not_grow_with_the_records(publish, django_assert_max_num_queries):
    for i in range(3):
        publish(f"Few {i}", keywords=[(f"k{i}", None)], creators=[f"C{i}, A"])
    with django_assert_max_num_queries(9) as few:  # communities, hits, snippets, six facets
        assert len(search(parse_query({"q": "few", "community": ["ocean"]})).hits) == 3
    for i in range(25):
        publish(f"Many {i}", keywords=[(f"k{i}", None), ("shared", None)], creators=[f"C{i}, A", "Shared, B"])
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(search(parse_query({"q": "many", "community": ["ocean"], "size": 25})).hits) == 25


def test_a_browse_is_cached_until_a_record_changes(publish, moderator, django_assert_max_num_queries):
    from repository.services import record_withdraw

    first = publish("First buoy")
    assert search(parse_query({"community": ["ocean"]})).total == 1  # computed, then kept
    with django_assert_max_num_queries(3):  # communities, the latest change, the page's records
        assert search(parse_query({"community": ["ocean"]})).total == 1
    publish("Second buoy")
    assert search(parse_query({"community": ["ocean"]})).total == 2
    record_withdraw(record=first, actor=moderator, reason="duplicate", note="")
    assert [h.record.title for h in search(parse_query({"community": ["ocean"]})).hits] == ["Second buoy"]
