"""What a record contributes to search (`repository.indexing`): the extent as one or two boxes that
never cross the antimeridian, the collection period, keywords, creators, facets."""

from __future__ import annotations

from datetime import date

import pytest

from repository.indexing import covering_arc, search_columns
from tests.search.conftest import metadata


def columns(**kwargs):
    return search_columns(
        title="T", metadata=metadata("T", **kwargs), publication_date=date(2024, 5, 1), published=True
    )


def extent(c) -> tuple:
    return (c.west, c.east, c.west2, c.east2, c.south, c.north)


# Intervals are (start, length) on a 0–360 circle starting at the antimeridian (start = longitude + 180).
@pytest.mark.parametrize(
    ("intervals", "arc"),
    [
        ([(350, 20)], (170.0, -170.0)),  # 170°E..170°W, crossing
        ([(170, 20)], (-10.0, 10.0)),
        ([(0, 0)], (-180.0, -180.0)),
        ([(174, 5), (186, 0)], (-6.0, 6.0)),
        ([(359, 0), (1, 0)], (179.0, -179.0)),  # 179°E and 179°W: 2° wide, not 358°
        ([(0, 360)], (-180.0, 180.0)),
        ([(10, 100), (200, 100)], (20.0, -70.0)),  # -170..-70 and 20..120: the 90° gap is left out
    ],
)
def test_the_covering_arc_is_the_complement_of_the_largest_gap(intervals, arc):
    assert covering_arc(intervals) == arc


def test_a_box_across_the_antimeridian_is_stored_as_two_boxes():
    assert extent(columns(boxes=[(170, -25, -170, -10)])) == (170.0, 180.0, -180.0, -170.0, -25.0, -10.0)


def test_a_plain_box_and_points_make_one_box():
    assert extent(columns(boxes=[(-6, 43.5, -1, 48)], points=[(2.0, 50.0)])) == (-6.0, 2.0, None, None, 43.5, 50.0)


def test_points_on_both_sides_of_the_antimeridian_make_a_narrow_box():
    assert extent(columns(points=[(179.0, 1.0), (-179.0, -1.0)])) == (179.0, 180.0, -180.0, -179.0, -1.0, 1.0)


def test_a_polygon_across_the_antimeridian():
    data = metadata("T")
    data["geo_locations"] = [
        {
            "polygon": [
                {"longitude": 175, "latitude": -10},
                {"longitude": -175, "latitude": -10},
                {"longitude": -175, "latitude": -20},
                {"longitude": 175, "latitude": -10},
            ]
        }
    ]
    c = search_columns(title="T", metadata=data, publication_date=None, published=True)
    assert extent(c) == (175.0, 180.0, -180.0, -175.0, -20.0, -10.0)


def test_no_extent_and_no_period_leave_the_columns_empty():
    c = columns()
    assert extent(c) == (None,) * 6
    assert (c.start, c.end) == (None, None)


def test_periods_from_the_temporal_extent_or_the_collection_dates():
    assert (columns(period=("2020-01-01", "2020-06-30")).start, columns(period=("2020-01-01", None)).end) == (
        date(2020, 1, 1),
        None,
    )
    data = metadata("T")
    data["dates"] = [{"date": "2019-03/2019", "date_type": "Collected"}]
    c = search_columns(title="T", metadata=data, publication_date=None, published=True)
    assert (c.start, c.end) == (date(2019, 3, 1), date(2019, 12, 31))
    data["dates"] = [{"date": "2019-03-02/", "date_type": "Coverage"}]
    c = search_columns(title="T", metadata=data, publication_date=None, published=True)
    assert (c.start, c.end) == (date(2019, 3, 2), None)


def test_keywords_creators_and_facets():
    c = columns(
        keywords=[("Temperature", "http://ex.org/T"), ("Free word", None), ("Temperature", "http://ex.org/T")],
        creators=["Le Goff, Anne", "Martin, Paul"],
        licence="CC0-1.0",
        resource_type="Model",
        french_title="Titre en français",
    )
    assert c.keywords == ["http://ex.org/T", "Free word"]
    assert c.keyword_labels == ["Temperature", "Free word"]
    assert c.creators == ["Le Goff, Anne", "Martin, Paul"]
    assert (c.licence, c.resource_type, c.year) == ("CC0-1.0", "Model", 2024)
    assert "Titre en français" in c.title_text


def test_a_withdrawn_record_has_nothing_to_search():
    c = search_columns(title="T", metadata=metadata("T"), publication_date=date(2024, 1, 1), published=False)
    assert not c.indexed and c.keywords == [] and c.abstract == ""
