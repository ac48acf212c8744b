"""The search page `/search`: a plain GET form (it works without JavaScript), facets with counts,
the area and time filters, results, pages, errors beside their field, English and French, the same
for every role, and a bounded number of queries."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.utils import translation

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "depositor", "other_depositor", "moderator", "other_moderator", "admin")


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def records(publish):
    return [
        publish(
            "Temperature in the Bay of Biscay",
            abstract="Sea temperature from 120 CTD casts in spring.",
            creators=["Le Goff, Anne", "Martin, Paul"],
            boxes=[(-6, 43, -1, 48)],
            published=date(2024, 1, 1),
        ),
        publish(
            "Aerosols over Fiji",
            community="atmosphere",
            boxes=[(170, -25, -170, -10)],
            period=("2021-01-01", None),
            published=date(2023, 1, 1),
        ),
    ]


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


@pytest.mark.parametrize("role", ROLES)
def test_every_role_sees_the_same_search_page(role, request, client, records):
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))
    response = client.get("/search", {"q": "temperature"})
    assert response.status_code == 200
    page = text(response)
    assert "1 record" in page
    assert f'href="/records/{records[0].pk}"' in page and "Aerosols over Fiji" not in page


def test_the_results_show_title_creators_year_community_type_and_snippet(client, records):
    page = text(client.get("/search", {"q": "temperature"}))
    assert "Temperature in the Bay of Biscay</a>" in page
    assert "Le Goff, Anne; Martin, Paul" in page
    assert '<span class="hit-year">2024</span>' in page
    assert '<span class="hit-community">Ocean</span>' in page
    assert '<span class="hit-type">Dataset</span>' in page
    assert "<mark>temperature</mark>" in page.lower()


def test_the_form_carries_every_filter_and_facets_are_checkboxes_with_counts(client, records):
    page = text(
        client.get(
            "/search",
            {
                "community": "atmosphere",
                "west": "160",
                "south": "-30",
                "east": "-160",
                "north": "0",
                "start": "2020-01-01",
                "sort": "title",
            },
        )
    )
    assert "Aerosols over Fiji" in page and "Temperature in the Bay" not in page
    assert re.search(r'<input type="checkbox" name="community" value="atmosphere" id="[^"]+" checked>', page)
    assert (
        re.search(r'<input type="checkbox" name="community" value="ocean" id="[^"]+">', page) is None
    )  # not in the box
    assert 'name="west" value="160"' in page and 'name="east" value="-160"' in page
    assert 'name="start" value="2020-01-01"' in page
    assert '<option value="title" selected>' in page
    for label in ("Words to find", "West longitude", "South latitude", "From", "To", "Sort by", "Community"):
        assert label in page
    # each filter in use can be removed on its own
    assert 'href="?west=160' not in page
    assert re.search(r'<a class="chip" href="\?bbox=160%2C-30%2C-160%2C0&amp;start=2020-01-01&amp;sort=title">', page)


def test_a_page_without_filters_lists_everything_with_counts(client, records):
    page = text(client.get("/search"))
    assert "2 records" in page
    assert re.search(
        r'value="ocean" id="facet-community-\d+"> <label for="facet-community-\d+">'
        r'<span class="facet-label">Ocean</span> <span class="facet-count">\(1',
        page,
    )


def test_bad_values_are_shown_beside_their_field(client, records):
    response = client.get(
        "/search", {"west": "10", "south": "x", "east": "20", "north": "30", "start": "2021-01-01", "end": "2020-01-01"}
    )
    assert response.status_code == 400
    page = text(response)
    assert 'role="alert"' in page
    assert 'id="f-bbox-error"><li>Give every side of the box in decimal degrees, e.g. -4.5.</li>' in page
    assert 'id="f-end-error"><li>The end date is before the start date.</li>' in page
    assert 'name="south" value="x"' in page  # what was typed stays


def test_pages_link_to_each_other(client, publish):
    for i in range(25):
        publish(f"Buoy {i:02}", published=date(2020, 1, 1 + i))
    page = text(client.get("/search"))
    assert "25 records" in page and "Showing 1–20 of 25" in page
    assert '<a href="?page=2" rel="next">' in page
    second = text(client.get("/search", {"page": 2}))
    assert "Buoy 00" in second and "Buoy 24" not in second
    assert '<a href="?page=2" aria-current="page">' in second
    assert '<a href="?" rel="prev">' in second
    assert "There is no such page" in text(client.get("/search", {"page": 9}))


def test_the_page_is_in_french_too(client, records):
    page = text(client.get("/search", {"q": "température"}, HTTP_ACCEPT_LANGUAGE="fr"))
    assert "Rechercher des jeux de données" in page
    assert "Mots à trouver" in page and "Période de collecte" in page and "Longitude ouest" in page
    assert "1 jeu de données" in page


def test_the_header_and_the_home_page_link_to_the_search(client, records):
    home = text(client.get("/"))
    assert '<a href="/search">Search</a>' in home
    assert 'action="/search"' in home
    assert '<a href="/search" aria-current="page">Search</a>' in text(client.get("/search"))


def test_the_search_page_runs_a_bounded_number_of_queries(client, publish, depositor, django_assert_max_num_queries):
    client.force_login(depositor)
    for i in range(3):
        publish(f"Few {i}", keywords=[(f"k{i}", None)])
    with django_assert_max_num_queries(20) as few:
        client.get("/search", {"q": "few"})
    for i in range(30):
        publish(f"Few more {i}", keywords=[(f"k{i}", None)], creators=[f"Person{i}, A"])
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert "20 of 33" in text(client.get("/search", {"q": "few"}))


def test_the_licence_filter_and_its_chip_name_the_licence(client, records):
    """The licence is named as the landing page names it, not by its SPDX identifier, in the facet
    and in the chip of the filter in use; a licence Estran does not know keeps its identifier."""
    from repository.search_views import licence_label

    page = text(client.get("/search", {"licence": "CC-BY-4.0"}))
    title = "Creative Commons Attribution 4.0 International"
    assert re.search(rf'value="CC-BY-4.0" id="[^"]+" checked> <label [^>]+><span class="facet-label">{title}<', page)
    assert re.search(rf'<a class="chip" href="[^"]*"><span class="chip-facet">Licence:</span> {title} <', page)
    assert licence_label("LicenseRef-unknown") == "LicenseRef-unknown"
