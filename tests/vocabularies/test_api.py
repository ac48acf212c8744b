"""The REST API of thesauri (public: vocabularies are public data) and the type-ahead page endpoint,
for every role."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

ROLES = ["anonymous", "depositor", "other_depositor", "moderator", "other_moderator", "admin"]


@pytest.fixture
def as_role(request, api_client):
    """`as_role(role)`: an API client for the role (a token) and a signed-in page client."""

    def make(role: str) -> tuple[Client, Client]:
        if role == "anonymous":
            return api_client(None), Client()
        user = request.getfixturevalue(role)
        pages = Client()
        pages.force_login(user)
        return api_client(user), pages

    return make


@pytest.mark.parametrize("role", ROLES)
def test_every_role_reads_thesauri_and_searches_concepts(db, demo, as_role, role):
    api, pages = as_role(role)
    listing = api.get("/api/vocabularies")
    assert listing.status_code == 200
    by_slug = {t["slug"]: t for t in listing.json()}
    assert set(by_slug) == {
        "nvs-p02",
        "nvs-l05",
        "nvs-c19",
        "gcmd-platforms",
        "iso19115-topic-categories",
        "inspire-themes",
    }
    assert by_slug["nvs-c19"]["concept_count"] == 99
    assert by_slug["gcmd-platforms"]["version"] == "9.1.5 (2020-07-20 16:21:36)"
    found = api.get("/api/vocabularies/concepts", {"q": "salinit", "lang": "fr", "thesaurus": "nvs-p02"})
    assert found.status_code == 200
    assert found.json()[0]["label"] == "Salinité de la colonne d'eau"
    page = pages.get(reverse("vocabularies:search"), {"q": "salinit", "lang": "fr", "thesaurus": "nvs-p02"})
    assert page.status_code == 200
    assert page.json()["results"] == found.json()


def test_the_api_refuses_unknown_thesauri_and_languages_with_the_field(db, demo, api_client):
    client = api_client(None)
    unknown = client.get("/api/vocabularies/concepts", {"q": "temp", "thesaurus": "nvs-p02,nvs-p99"})
    assert unknown.status_code == 422
    assert unknown.json()["problems"] == [{"field": "thesaurus", "message": "Unknown thesaurus: nvs-p99."}]
    language = client.get("/api/vocabularies/concepts", {"q": "temp", "lang": "de"})
    assert language.status_code == 422
    assert language.json()["problems"][0]["field"] == "lang"


def test_the_api_search_uses_the_picker_of_a_keyword_type(db, demo, api_client):
    found = api_client(None).get("/api/vocabularies/concepts", {"q": "ctd", "keyword_type": "instrument"}).json()
    assert found[0]["label"] == "CTD" and {c["thesaurus"]["slug"] for c in found} == {"nvs-l05"}


def test_the_openapi_description_lists_the_vocabulary_endpoints(db, api_client):
    paths = api_client(None).get("/api/openapi.json").json()["paths"]
    assert "/api/vocabularies" in paths and "/api/vocabularies/concepts" in paths
    assert not paths["/api/vocabularies/concepts"]["get"].get("security")


def test_only_get_is_allowed_on_the_search_page(db, client):
    assert client.post(reverse("vocabularies:search"), {"q": "t"}).status_code == 405
