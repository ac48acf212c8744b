"""The wizard's look-ups (accounts/lookups.py) against local servers that speak ORCID's public API
(`/v3.0/<iD>/person`, tests/fakes/orcid_server.py) and ROR's API v2 (`/v2/organizations?query=`,
tests/fakes/ror_server.py): names and organisations found, records not found, APIs failing or too
slow (a clear message, nothing cached), no call at all while a look-up is not configured, and the
cache answering the second time."""

from __future__ import annotations

import socket

import pytest
import requests
from django.core.cache import cache

from accounts import lookups
from core.errors import NotFound, ValidationFailed
from tests.fakes.orcid_server import Person, orcid_api, orcid_api_server  # noqa: F401 - fixtures
from tests.fakes.ror_server import CNRS, IFREMER, UBO, organisation, ror, ror_server  # noqa: F401 - fixtures

SOFIA = "0000-0002-1825-0097"
YANN = "0000-0001-5109-3700"
NOBODY = "0000-0002-9079-593X"  # a valid iD the server does not know


@pytest.fixture
def sofia(orcid_api):
    return orcid_api.add_person(Person(orcid=SOFIA, given_names="Sofia", family_name="Garcia"))


@pytest.fixture
def no_network(monkeypatch):
    """Any outgoing HTTP call fails the test."""

    def refuse(*args, **kwargs):
        raise AssertionError(f"a look-up reached out although it is not configured: {args} {kwargs}")

    monkeypatch.setattr(requests, "get", refuse)
    monkeypatch.setattr(requests.Session, "request", refuse)


def _closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


# --- ORCID ------------------------------------------------------------------------------------


def test_the_name_on_an_orcid_record_is_read_from_the_public_api_without_a_token(orcid_api, sofia):
    assert lookups.orcid_person(SOFIA) == {
        "orcid": SOFIA,
        "given_name": "Sofia",
        "family_name": "Garcia",
        "name": "Sofia Garcia",
    }
    [request] = orcid_api.requests
    assert request["path"] == f"/v3.0/{SOFIA}/person"
    assert request["accept"] == "application/json" and request["authorization"] is None


def test_the_published_credit_name_is_the_name_and_any_form_of_the_id_is_read(orcid_api):
    orcid_api.add_person(Person(orcid=YANN, given_names="Yann", family_name="Le Bihan", credit_name="Y. Le Bihan"))

    person = lookups.orcid_person(f"https://orcid.org/{YANN.replace('-', '')}")

    assert person == {"orcid": YANN, "given_name": "Yann", "family_name": "Le Bihan", "name": "Y. Le Bihan"}


def test_a_record_that_keeps_its_name_private_gives_empty_names(orcid_api):
    orcid_api.add_person(Person(orcid=YANN, given_names="Yann", family_name="Le Bihan", name_public=False))

    assert lookups.orcid_person(YANN) == {"orcid": YANN, "given_name": "", "family_name": "", "name": ""}


def test_an_id_orcid_does_not_know_is_not_found_with_a_message_naming_it(orcid_api):
    with pytest.raises(NotFound) as caught:
        lookups.orcid_person(NOBODY)

    assert caught.value.code == "orcid_not_found" and caught.value.field == "orcid"
    assert NOBODY in caught.value.message


def test_a_mistyped_id_is_refused_without_asking_orcid(orcid_api):
    with pytest.raises(ValidationFailed) as caught:
        lookups.orcid_person("0000-0002-1825-0098")

    assert "check digit" in caught.value.message
    assert orcid_api.requests == []


@pytest.mark.parametrize("fault", ["500", "503", "slow", "unreachable"])
def test_orcid_failing_or_too_slow_gives_a_clear_message_and_nothing_is_cached(orcid_api, sofia, settings, fault):
    if fault == "slow":
        settings.LOOKUP_TIMEOUT = 0.3
        orcid_api.delay(1.5)
    elif fault == "unreachable":
        settings.ORCID_API_URL = _closed_port_url() + "/v3.0"
    else:
        orcid_api.fail_record(int(fault))

    with pytest.raises(lookups.LookupUnavailable) as caught:
        lookups.orcid_person(SOFIA)

    assert caught.value.status_code == 503 and caught.value.code == "lookup_unavailable"
    assert "type the name yourself" in caught.value.message
    orcid_api.fail_record(None)
    orcid_api.delay(0)
    settings.ORCID_API_URL = f"{orcid_api.url}/v3.0"
    assert lookups.orcid_person(SOFIA)["family_name"] == "Garcia"  # the failure was not remembered


def test_a_second_look_up_of_the_same_id_is_answered_by_the_cache(orcid_api, sofia):
    first = lookups.orcid_person(SOFIA)
    second = lookups.orcid_person(f"https://orcid.org/{SOFIA}")

    assert first == second
    assert len(orcid_api.requests) == 1


def test_the_cache_belongs_to_one_orcid_api(orcid_api, sofia, settings):
    lookups.orcid_person(SOFIA)
    settings.ORCID_API_URL = _closed_port_url() + "/v3.0"

    with pytest.raises(lookups.LookupUnavailable):
        lookups.orcid_person(SOFIA)


def test_an_unknown_id_is_remembered_briefly_only(orcid_api, monkeypatch):
    timeouts = []
    real_set = cache.set
    monkeypatch.setattr(
        cache, "set", lambda key, value, timeout=None: timeouts.append(timeout) or real_set(key, value, timeout)
    )

    with pytest.raises(NotFound):
        lookups.orcid_person(NOBODY)
    with pytest.raises(NotFound):
        lookups.orcid_person(NOBODY)

    assert len(orcid_api.requests) == 1 and timeouts == [lookups.NOT_FOUND_CACHE_SECONDS]


def test_without_orcid_api_url_nothing_is_asked(settings, no_network):
    settings.ORCID_API_URL = ""

    assert lookups.orcid_lookup_enabled() is False
    with pytest.raises(lookups.LookupOff) as caught:
        lookups.orcid_person(SOFIA)
    assert caught.value.status_code == 404 and caught.value.code == "lookup_off"


# --- ROR --------------------------------------------------------------------------------------


def test_typing_an_acronym_finds_the_organisation_with_its_ror_id_country_and_other_names(ror):
    [ifremer] = lookups.ror_search("ifremer")

    assert ifremer == {
        "id": IFREMER,
        "name": "Institut Français de Recherche pour l'Exploitation de la Mer",
        "country": "France",
        "aliases": ["French Research Institute for Exploitation of the Sea", "IFREMER"],
    }
    [request] = ror.requests
    assert request["path"] == "/v2/organizations" and request["query"] == {"query": "ifremer"}
    assert request["accept"] == "application/json" and request["user_agent"].startswith("Estran")


def test_names_are_found_whatever_their_case_and_accents_in_any_language(ror):
    assert [o["id"] for o in lookups.ror_search("universite de BRETAGNE")] == [UBO]
    assert [o["id"] for o in lookups.ror_search("Scientific Research")] == [CNRS]


def test_a_query_of_one_letter_asks_nothing_and_one_matching_nothing_finds_nothing(ror):
    assert lookups.ror_search(" i ") == []
    assert ror.requests == []
    assert lookups.ror_search("Woods Hole") == []
    assert len(ror.requests) == 1


def test_inactive_and_withdrawn_organisations_and_broken_records_are_left_out():
    withdrawn = organisation("https://ror.org/03wkt5x30", "Institut Fermé", status="withdrawn")
    usable = organisation("https://ror.org/0431v7h69", "Laboratoire Ouvert")

    assert lookups._organisation(withdrawn) is None
    assert lookups._organisation({"id": "not a ror id", "names": usable["names"]}) is None
    assert lookups._organisation({"id": usable["id"], "names": []}) is None
    assert lookups._organisation(usable)["name"] == "Laboratoire Ouvert"


@pytest.mark.parametrize("fault", ["500", "429", "slow", "unreachable", "wrong url"])
def test_ror_failing_or_too_slow_gives_a_clear_message_and_nothing_is_cached(ror, settings, fault):
    if fault == "slow":
        settings.LOOKUP_TIMEOUT = 0.3
        ror.delay(1.5)
    elif fault == "unreachable":
        settings.ROR_API_URL = _closed_port_url() + "/v2"
    elif fault == "wrong url":
        settings.ROR_API_URL = ror.url + "/v1"  # answers 404
    else:
        ror.fail(int(fault))

    with pytest.raises(lookups.LookupUnavailable) as caught:
        lookups.ror_search("ifremer")

    assert caught.value.status_code == 503 and "type the affiliation yourself" in caught.value.message
    ror.fail(None)
    ror.delay(0)
    settings.ROR_API_URL = ror.api_url
    assert [o["id"] for o in lookups.ror_search("ifremer")] == [IFREMER]


def test_the_same_search_again_is_answered_by_the_cache(ror):
    lookups.ror_search("Ifremer")
    lookups.ror_search("  ifremer ")

    assert len(ror.requests) == 1


def test_without_ror_api_url_nothing_is_asked(settings, no_network):
    settings.ROR_API_URL = ""

    assert lookups.ror_lookup_enabled() is False
    with pytest.raises(lookups.LookupOff):
        lookups.ror_search("ifremer")
