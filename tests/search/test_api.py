"""`GET /api/records`: the search over the REST API, open to everyone, with hits, facets, the total
and links to the other pages; errors against the parameter at fault; described in OpenAPI."""

from __future__ import annotations

from datetime import date

import pytest

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "depositor", "other_depositor", "moderator", "other_moderator", "admin")


@pytest.fixture
def records(publish):
    return [
        publish(
            "Temperature in the Bay of Biscay",
            boxes=[(-6, 43, -1, 48)],
            period=("2020-01-01", "2020-12-31"),
            keywords=[("Sea water temperature", "http://vocab.nerc.ac.uk/collection/P02/current/TEMP/")],
            published=date(2024, 1, 1),
        ),
        publish(
            "Temperature around Fiji",
            boxes=[(170, -25, -170, -10)],
            period=("2021-01-01", None),
            community="atmosphere",
            licence="CC0-1.0",
            published=date(2023, 1, 1),
        ),
        publish("Seabirds of Ushant", points=[(-5.1, 48.45)], community="biodiversity", published=date(2022, 1, 1)),
    ]


@pytest.mark.parametrize("role", ROLES)
def test_everyone_searches_the_published_records(role, request, api_client, records):
    user = None if role == "anonymous" else request.getfixturevalue(role)
    response = api_client(user).get("/api/records", {"q": "temperature"})
    assert response.status_code == 200
    assert [hit["title"] for hit in response.json()["hits"]] == [
        "Temperature in the Bay of Biscay",
        "Temperature around Fiji",
    ]


def test_a_hit_describes_the_record(client, records):
    body = client.get("/api/records", {"bbox": "175,-20,179,-15"}).json()
    assert body["total"] == 1
    hit = body["hits"][0]
    record = records[1]
    assert hit == {
        "id": record.pk,
        "doi": record.doi,
        "title": "Temperature around Fiji",
        "creators": ["Le Goff, Anne"],
        "publication_year": 2023,
        "publication_date": "2023-01-01",
        "community": "atmosphere",
        "community_name": "Atmosphere",
        "resource_type": "Dataset",
        "licence": "CC0-1.0",
        "keywords": [],
        "extent": {"west": 170.0, "south": -25.0, "east": -170.0, "north": -10.0},
        "period": {"start": "2021-01-01", "end": None},
        "snippet": "Measurements made at sea.",
        "score": None,
        "landing_page": record.landing_url,
        "url": f"http://testserver/api/records/{record.pk}",
        "modified": hit["modified"],
    }


def test_facets_and_selected_values(client, records):
    body = client.get("/api/records?community=ocean&community=atmosphere&licence=CC-BY-4.0").json()
    assert [h["title"] for h in body["hits"]] == ["Temperature in the Bay of Biscay"]
    assert body["facets"]["community"] == [  # counted with the licence filter, not the communities'
        {"value": "biodiversity", "label": "Biodiversity", "count": 1, "selected": False},
        {"value": "ocean", "label": "Ocean", "count": 1, "selected": True},
    ]
    assert {v["value"]: v["count"] for v in body["facets"]["licence"]} == {"CC-BY-4.0": 1, "CC0-1.0": 1}
    assert set(body["facets"]) == {"community", "keyword", "resource_type", "licence", "year", "creator"}


def test_pages_and_their_links(client, records):
    body = client.get("/api/records", {"size": 2, "sort": "oldest"}).json()
    assert (body["total"], body["page"], body["size"], body["pages"]) == (3, 1, 2, 2)
    assert [h["title"] for h in body["hits"]] == ["Seabirds of Ushant", "Temperature around Fiji"]
    assert body["links"]["prev"] is None
    assert body["links"]["next"] == "http://testserver/api/records?sort=oldest&size=2&page=2"
    second = client.get(body["links"]["next"]).json()
    assert [h["title"] for h in second["hits"]] == ["Temperature in the Bay of Biscay"]
    assert second["links"]["next"] is None
    assert second["links"]["prev"] == "http://testserver/api/records?sort=oldest&size=2"


def test_time_and_box_across_the_antimeridian(client, records):
    assert [h["title"] for h in client.get("/api/records", {"bbox": "178,-30,-178,0"}).json()["hits"]] == [
        "Temperature around Fiji"
    ]
    assert [h["title"] for h in client.get("/api/records", {"start": "2030-01-01"}).json()["hits"]] == [
        "Temperature around Fiji"
    ]  # ongoing


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"bbox": "1,2,3"}, "bbox"),
        ({"bbox": "0,10,10,5"}, "bbox"),
        ({"start": "2020-02-01", "end": "2020-01-01"}, "end"),
        ({"start": "yesterday"}, "start"),
        ({"size": "many"}, "size"),
        ({"size": 500}, "size"),
        ({"page": 0}, "page"),
        ({"page": 600}, "page"),
        ({"sort": "random"}, "sort"),
        ({"year": "recent"}, "year"),
    ],
)
def test_a_bad_parameter_is_named(client, params, field):
    response = client.get("/api/records", params)
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid_request"
    assert field in [p["field"] for p in body["problems"]]


def test_the_search_is_described_in_openapi(client):
    spec = client.get("/api/openapi.json").json()
    operation = spec["paths"]["/api/records"]["get"]
    names = {p["name"] for p in operation["parameters"]}
    assert {
        "q",
        "community",
        "keyword",
        "resource_type",
        "licence",
        "year",
        "creator",
        "bbox",
        "start",
        "end",
        "sort",
        "page",
        "size",
    } <= names
    bbox = next(p for p in operation["parameters"] if p["name"] == "bbox")
    assert "antimeridian" in bbox["description"]
    assert "security" not in operation or operation["security"] in ([], [{}])
