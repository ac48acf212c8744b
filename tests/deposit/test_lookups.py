"""The people step's look-ups as the wizard's script and API clients call them: `GET
/deposits/lookup/orcid/<iD>`, `GET /deposits/lookup/ror?q=` (signed-in session) and `GET
/api/lookups/orcid/{iD}`, `GET /api/lookups/ror?q=` (token), against the local ORCID and ROR servers;
who may call them; and the people step offering them only when they are configured."""

from __future__ import annotations

import pytest
from django.urls import reverse

from deposit import services, wizard
from tests.fakes.orcid_server import Person, orcid_api, orcid_api_server  # noqa: F401 - fixtures
from tests.fakes.ror_server import IFREMER, ror, ror_server  # noqa: F401 - fixtures

SOFIA = "0000-0002-1825-0097"
NOBODY = "0000-0002-9079-593X"
SIGNED_IN = ["depositor", "other_depositor", "moderator", "other_moderator", "admin"]


def orcid_url(orcid: str) -> str:
    return reverse("deposit:lookup-orcid", kwargs={"orcid": orcid})


def ror_url(q: str) -> str:
    return f"{reverse('deposit:lookup-ror')}?q={q}"


@pytest.fixture
def sofia(orcid_api):
    return orcid_api.add_person(Person(orcid=SOFIA, given_names="Sofia", family_name="Garcia"))


@pytest.fixture
def people_page(client, depositor, communities):
    """The people step of a new draft of `depositor`, as HTML."""
    deposit = services.deposit_create(owner=depositor, metadata=wizard.initial_metadata(depositor))
    client.force_login(depositor)
    return lambda: client.get(reverse("deposit:wizard", kwargs={"pk": deposit.pk, "step": "people"})).content.decode()


# --- the wizard's endpoints -------------------------------------------------------------------


def test_the_name_on_an_orcid_record_comes_back_as_json(client, depositor, sofia):
    client.force_login(depositor)

    response = client.get(orcid_url(SOFIA))

    assert response.status_code == 200
    assert response.json() == {"orcid": SOFIA, "given_name": "Sofia", "family_name": "Garcia", "name": "Sofia Garcia"}


@pytest.mark.parametrize(
    ("orcid", "status", "code"),
    [
        (NOBODY, 404, "orcid_not_found"),
        ("0000-0002-1825-0098", 422, "ValidationFailed"),
    ],
)
def test_an_unknown_or_mistyped_id_is_answered_with_its_reason(client, depositor, orcid_api, orcid, status, code):
    client.force_login(depositor)

    response = client.get(orcid_url(orcid))

    assert response.status_code == status and response.json()["code"] == code
    assert response.json()["detail"]


def test_a_failing_orcid_answers_503_with_a_message(client, depositor, orcid_api, sofia):
    client.force_login(depositor)
    orcid_api.fail_record(502)

    response = client.get(orcid_url(SOFIA))

    assert response.status_code == 503
    assert response.json()["code"] == "lookup_unavailable" and "type the name yourself" in response.json()["detail"]


def test_the_message_is_in_french_for_a_french_browser(client, depositor, orcid_api):
    client.force_login(depositor)

    response = client.get(orcid_url(NOBODY), HTTP_ACCEPT_LANGUAGE="fr")

    assert response.status_code == 404 and "ORCID n’a aucune fiche" in response.json()["detail"]


def test_ror_organisations_come_back_as_json(client, depositor, ror):
    client.force_login(depositor)

    response = client.get(ror_url("ifremer"))

    assert response.status_code == 200
    [ifremer] = response.json()["results"]
    assert ifremer["id"] == IFREMER and ifremer["country"] == "France" and "IFREMER" in ifremer["aliases"]


def test_a_failing_ror_answers_503_with_a_message(client, depositor, ror):
    client.force_login(depositor)
    ror.fail(500)

    response = client.get(ror_url("ifremer"))

    assert response.status_code == 503 and "type the affiliation yourself" in response.json()["detail"]


def test_look_ups_not_configured_answer_404_without_reaching_out(client, depositor, settings, monkeypatch):
    import requests

    monkeypatch.setattr(requests, "get", lambda *a, **k: pytest.fail("a look-up reached out"))
    settings.ORCID_API_URL = settings.ROR_API_URL = ""
    client.force_login(depositor)

    for url in (orcid_url(SOFIA), ror_url("ifremer")):
        response = client.get(url)
        assert response.status_code == 404 and response.json()["code"] == "lookup_off"


@pytest.mark.parametrize("role", ["anonymous", *SIGNED_IN])
def test_any_signed_in_user_may_look_up_and_anonymous_visitors_are_sent_to_sign_in(
    client, role, request, sofia, ror, communities
):
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))

    for url in (orcid_url(SOFIA), ror_url("cnrs")):
        response = client.get(url)
        if role == "anonymous":
            assert response.status_code == 302 and "/accounts/login/" in response["Location"]
        else:
            assert response.status_code == 200


def test_the_look_ups_are_read_only(client, depositor, sofia):
    client.force_login(depositor)

    assert client.post(orcid_url(SOFIA)).status_code == 405


# --- the REST API -----------------------------------------------------------------------------


def test_the_api_looks_up_with_a_token(api_client, depositor, sofia, ror):
    api = api_client(depositor)

    person = api.get(f"/api/lookups/orcid/{SOFIA}")
    organisations = api.get("/api/lookups/ror", {"q": "ifremer"})

    assert person.status_code == 200 and person.json()["family_name"] == "Garcia"
    assert organisations.status_code == 200 and organisations.json()[0]["id"] == IFREMER


def test_the_api_answers_the_same_errors_and_wants_a_token(api_client, depositor, orcid_api, ror):
    api = api_client(depositor)
    ror.fail(503)

    assert api.get(f"/api/lookups/orcid/{NOBODY}").json()["code"] == "orcid_not_found"
    unavailable = api.get("/api/lookups/ror", {"q": "ifremer"})
    assert unavailable.status_code == 503 and unavailable.json()["code"] == "lookup_unavailable"
    assert api_client(None).get(f"/api/lookups/orcid/{SOFIA}").status_code == 401
    assert api_client(None).get("/api/lookups/ror", {"q": "ifremer"}).status_code == 401


# --- the people step --------------------------------------------------------------------------


def test_the_people_step_offers_the_look_ups_that_are_configured(people_page, orcid_api, ror):
    page = people_page()

    assert f'data-orcid-lookup="{reverse("deposit:lookup-orcid", kwargs={"orcid": "__orcid__"})}"' in page
    assert f'data-ror-lookup="{reverse("deposit:lookup-ror")}"' in page
    assert "the name is read from the ORCID record" in page
    assert "search the Research Organization Registry" in page


def test_the_people_step_explains_the_look_ups_in_french(client, people_page, orcid_api, ror):
    client.cookies["django_language"] = "fr"
    page = people_page()

    assert "puis le nom est lu sur la fiche ORCID" in page
    assert "chercher dans le registre des organismes de recherche" in page
    assert "Prendre le nom de la fiche ORCID : %(name)s" in page  # the script's strings


def test_without_look_ups_the_people_step_is_typed_by_hand(people_page, settings):
    settings.ORCID_API_URL = settings.ROR_API_URL = ""

    page = people_page()

    assert "data-orcid-lookup" not in page and "data-ror-lookup" not in page
    assert "ror.org lists research organisations" in page
