"""ORCID sign-in through allauth's real ORCID provider code, against a local server that speaks
ORCID's OAuth 2 and record API (tests/fakes/orcid_server.py): the login view redirects to the
server's authorize URL, the consent is given there over HTTP, and the callback comes back through
Django's test client with the code and state. Also: iDs typed by hand (unverified, check digit),
and the depositor offered as the first creator of a new deposit."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.urls import reverse

from config.settings.auth import orcid_provider_settings
from tests.fakes.orcid_server import Employment, FakeOrcid, Person

CLIENT_ID = "APP-ESTRANTEST0001"
SECRET = "orcid-test-secret"
CALLBACK = "http://testserver/accounts/orcid/login/callback/"
SOFIA = "0000-0002-1825-0097"
YANN = "0000-0001-5109-3700"
IFREMER = "https://ror.org/044jxhp58"
CNRS = "https://ror.org/02feahw73"


@pytest.fixture(scope="module")
def orcid_server():
    server = FakeOrcid(client_id=CLIENT_ID, client_secret=SECRET, redirect_uris=[CALLBACK])
    server.start()
    yield server
    server.stop()


@pytest.fixture
def orcid(orcid_server, settings, db):
    """The ORCID server, emptied, with this process's allauth settings pointing at it (allauth reads
    SOCIALACCOUNT_PROVIDERS at each request, so the `settings` fixture is enough)."""
    orcid_server.reset()
    settings.SOCIALACCOUNT_PROVIDERS = {
        **settings.SOCIALACCOUNT_PROVIDERS,
        "orcid": orcid_provider_settings(base_url=orcid_server.url, client_id=CLIENT_ID, secret=SECRET),
    }
    settings.SOCIALACCOUNT_REQUESTS_TIMEOUT = 5
    cache.clear()  # allauth's rate limits
    return orcid_server


@pytest.fixture
def sofia(orcid):
    return orcid.add_person(
        Person(
            orcid=SOFIA,
            given_names="Sofia",
            family_name="Garcia",
            email="sofia.garcia@ifremer.fr",
            employments=[
                Employment(
                    "Université de Bretagne Occidentale",
                    ror="https://ror.org/01b8h3982",
                    start=(2012, 9),
                    end=(2018, 8),
                ),
                Employment("Ifremer", ror=IFREMER, start=(2018, 9), role="Oceanographer"),
            ],
        )
    )


def start_sign_in(client, *, process: str = "login") -> str:
    """Press "Sign in with ORCID": allauth's login view answers with ORCID's authorize URL."""
    response = client.post(f"{reverse('orcid_login')}?process={process}")
    assert response.status_code == 302, response.content[:500]
    return response["Location"]


def approve(authorize_url: str) -> str:
    """What the person's browser does at ORCID: open the authorize page, press "Authorize access".
    Returns where ORCID sends the browser back (Estran's callback with code and state)."""
    page = requests.get(authorize_url, timeout=5)
    assert page.status_code == 200, page.text
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page.text))
    fields = {name: unescape(value) for name, value in fields.items()}
    base = authorize_url.split("/oauth/authorize")[0]
    answer = requests.post(
        f"{base}/oauth/authorize", data={**fields, "user_oauth_approval": "true"}, allow_redirects=False, timeout=5
    )
    assert answer.status_code == 302, answer.text
    return answer.headers["Location"]


def come_back(client, callback_url: str):
    parts = urlsplit(callback_url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == CALLBACK
    return client.get(f"{parts.path}?{parts.query}")


def sign_in_with_orcid(client):
    return come_back(client, approve(start_sign_in(client)))


def signed_in_user(client):
    user_id = client.session.get("_auth_user_id")
    return get_user_model().objects.get(pk=user_id) if user_id else None


# --- sign-in and sign-up ------------------------------------------------------------------------


def test_the_sign_in_page_offers_sign_in_with_orcid(client, orcid):
    page = client.get(reverse("account_login")).content.decode()
    assert "Sign in with ORCID" in page
    assert f'action="{reverse("orcid_login")}?process=login"' in page


def test_the_orcid_button_speaks_french_and_links_an_identity_from_the_connections_page(client, depositor, orcid):
    page = client.get(reverse("account_login"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Se connecter avec ORCID" in page
    client.force_login(depositor)
    page = client.get(reverse("socialaccount_connections")).content.decode()
    assert "Link your ORCID iD" in page
    assert f'action="{reverse("orcid_login")}?process=connect"' in page


def test_orcid_sign_in_is_off_without_a_client_id(client, orcid, settings):
    settings.SOCIALACCOUNT_PROVIDERS = {
        **settings.SOCIALACCOUNT_PROVIDERS,
        "orcid": orcid_provider_settings(base_url=orcid.url, client_id="", secret=""),
    }
    assert "Sign in with ORCID" not in client.get(reverse("account_login")).content.decode()
    assert client.post(reverse("orcid_login")).status_code == 404
    assert client.get(reverse("orcid_callback"), {"code": "abc", "state": "x"}).status_code == 404


def test_the_authorize_redirect_asks_orcid_for_the_authenticate_scope_with_this_sites_callback(client, orcid):
    url = start_sign_in(client)
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == f"{orcid.url}/oauth/authorize"
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert query["client_id"] == CLIENT_ID
    assert query["response_type"] == "code"
    assert query["scope"] == "/authenticate"
    assert query["redirect_uri"] == CALLBACK
    assert query["state"]


def test_a_new_person_signs_up_with_orcid_and_gets_the_authenticated_id_name_and_affiliation(client, sofia, orcid):
    response = sign_in_with_orcid(client)

    assert response.status_code == 302 and response["Location"] == reverse("deposit:list")
    user = signed_in_user(client)
    assert user is not None
    assert user.orcid == SOFIA and user.orcid_authenticated is True
    assert (user.first_name, user.last_name, user.display_name) == ("Sofia", "Garcia", "Sofia Garcia")
    assert user.email == "sofia.garcia@ifremer.fr"
    # The current employment (not the ended one), with its ROR id.
    assert (user.affiliation, user.affiliation_ror) == ("Ifremer", IFREMER)
    assert not user.has_usable_password()
    account = user.socialaccount_set.get()
    assert (account.provider, account.uid) == ("orcid", SOFIA)

    # allauth's client exchanged the code with the client's credentials, then read the record
    # with the token it got.
    token_call = next(r for r in orcid.requests if r["path"] == "/oauth/token")
    assert token_call["status"] == 200
    assert token_call["form"]["client_id"] == CLIENT_ID
    assert token_call["form"]["grant_type"] == "authorization_code"
    assert token_call["form"]["redirect_uri"] == CALLBACK
    record_call = next(r for r in orcid.requests if r["path"] == f"/v3.0/{SOFIA}/record")
    assert record_call["status"] == 200
    assert record_call["authorization"].startswith("Bearer ")
    assert record_call["accept"] == "application/orcid+json"

    page = client.get(reverse("accounts:profile")).content.decode()
    assert SOFIA in page and ">authenticated<" in page and "unverified" not in page


def test_a_person_whose_email_is_private_gives_one_once_and_keeps_the_authenticated_id(
    client, orcid, mailoutbox, settings
):
    orcid.add_person(Person(orcid=YANN, given_names="Yann", family_name="Le Bihan"))  # no public e-mail

    response = sign_in_with_orcid(client)

    assert response.status_code == 302 and response["Location"] == reverse("socialaccount_signup")
    form = client.get(reverse("socialaccount_signup"))
    assert form.status_code == 200 and "ORCID" in form.content.decode()
    done = client.post(reverse("socialaccount_signup"), {"email": "yann.lebihan@example.org", "username": "ylebihan"})
    assert done.status_code == 302
    user = get_user_model().objects.get(username="ylebihan")
    assert user.orcid == YANN and user.orcid_authenticated is True
    assert (user.first_name, user.last_name) == ("Yann", "Le Bihan")
    assert user.socialaccount_set.get().uid == YANN
    if settings.ACCOUNT_EMAIL_VERIFICATION == "mandatory":
        # A typed address is not vouched for by ORCID: it is verified like a local account's.
        assert done["Location"] == reverse("account_email_verification_sent")
        assert mailoutbox and mailoutbox[-1].to == ["yann.lebihan@example.org"]
    else:
        assert signed_in_user(client) == user


def test_a_linked_account_signs_in_again_keeps_its_names_and_gets_the_new_affiliation(client, sofia, orcid):
    sign_in_with_orcid(client)
    user = signed_in_user(client)
    user.display_name = "S. Garcia"  # set by the person: ORCID does not overwrite it
    user.save(update_fields=["display_name"])
    client.logout()
    sofia.employments.append(Employment("CNRS", ror=CNRS, start=(2024, 1)))

    response = sign_in_with_orcid(client)

    assert response.status_code == 302 and response["Location"] == reverse("deposit:list")
    assert signed_in_user(client) == user
    assert get_user_model().objects.count() == 1
    user.refresh_from_db()
    assert user.orcid == SOFIA and user.orcid_authenticated
    assert user.display_name == "S. Garcia"
    assert (user.affiliation, user.affiliation_ror) == ("CNRS", CNRS)


def test_a_wrong_client_secret_gives_a_clear_page_and_no_session(client, sofia, orcid, settings):
    settings.SOCIALACCOUNT_PROVIDERS = {
        **settings.SOCIALACCOUNT_PROVIDERS,
        "orcid": orcid_provider_settings(base_url=orcid.url, client_id=CLIENT_ID, secret="not-the-secret"),
    }

    response = sign_in_with_orcid(client)

    assert response.status_code == 401
    page = response.content.decode()
    assert "Signing in with ORCID did not work" in page
    assert "ORCID did not confirm who you are" in page
    assert "You are not signed in." in page
    assert "_auth_user_id" not in client.session
    assert not get_user_model().objects.exists()
    assert [r["status"] for r in orcid.requests if r["path"] == "/oauth/token"] == [401]
    assert not any(r["path"].endswith("/record") for r in orcid.requests)


def test_an_authorization_code_is_good_once(client, sofia, orcid):
    callback = approve(start_sign_in(client))
    code = parse_qs(urlsplit(callback).query)["code"][0]
    come_back(client, callback)
    assert signed_in_user(client) is not None
    client.logout()

    # A new sign-in (a fresh state) carrying the code already used: ORCID refuses it.
    state = parse_qs(urlsplit(start_sign_in(client)).query)["state"][0]
    response = client.get(reverse("orcid_callback"), {"code": code, "state": state})

    assert response.status_code == 401
    assert "ORCID did not confirm who you are" in response.content.decode()
    assert "_auth_user_id" not in client.session
    token_calls = [r for r in orcid.requests if r["path"] == "/oauth/token"]
    assert [r["status"] for r in token_calls] == [200, 400]


def test_a_callback_that_this_browser_did_not_start_is_refused(client, sofia, orcid):
    other_browser = type(client)()
    callback = approve(start_sign_in(other_browser))

    response = come_back(client, callback)

    assert response.status_code == 401
    assert "was not started here" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert not any(r["path"] == "/oauth/token" for r in orcid.requests)


def test_denying_access_at_orcid_signs_no_one_in(client, sofia, orcid):
    authorize_url = start_sign_in(client)
    page = requests.get(authorize_url, timeout=5)
    fields = {k: unescape(v) for k, v in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page.text)}
    denied = requests.post(
        f"{orcid.url}/oauth/authorize",
        data={**fields, "user_oauth_approval": "false"},
        allow_redirects=False,
        timeout=5,
    )
    assert "error=access_denied" in denied.headers["Location"]

    response = come_back(client, denied.headers["Location"])

    assert response.status_code == 302 and response["Location"] == reverse("socialaccount_login_cancelled")
    assert "_auth_user_id" not in client.session


def test_orcid_not_answering_in_time_gives_a_clear_page(client, sofia, orcid, settings):
    callback = approve(start_sign_in(client))
    settings.SOCIALACCOUNT_REQUESTS_TIMEOUT = 0.5
    orcid.delay(2)

    response = come_back(client, callback)

    assert response.status_code == 401
    assert "ORCID could not be reached or did not answer in time" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_when_the_record_cannot_be_read_the_sign_in_still_succeeds_with_the_id_and_name(client, sofia, orcid, settings):
    orcid.fail_record(503)

    response = sign_in_with_orcid(client)

    # Without the record there is no e-mail address: the person is asked for one, once.
    assert response.status_code == 302 and response["Location"] == reverse("socialaccount_signup")
    done = client.post(reverse("socialaccount_signup"), {"email": "sofia@example.org", "username": "sgarcia"})
    assert done.status_code == 302
    user = get_user_model().objects.get(username="sgarcia")
    assert user.orcid == SOFIA and user.orcid_authenticated
    assert user.display_name == "Sofia Garcia"  # ORCID's published name, from the token response
    assert user.affiliation == ""


# --- iDs typed by hand ----------------------------------------------------------------------------


def test_a_hand_typed_id_is_stored_unverified_and_shown_so(client, depositor, orcid):
    client.force_login(depositor)

    response = client.post(reverse("accounts:orcid-update"), {"orcid": f"https://orcid.org/{SOFIA}"})

    assert response.status_code == 302
    depositor.refresh_from_db()
    assert depositor.orcid == SOFIA and depositor.orcid_authenticated is False
    page = client.get(reverse("accounts:profile")).content.decode()
    assert SOFIA in page and ">unverified<" in page and ">authenticated<" not in page
    assert "Authenticate your iD with ORCID" in page
    # Not offered in a new deposit: only the name is.
    client.post(reverse("deposit:create"), {"title": ""})
    from deposit.models import Deposit

    assert Deposit.objects.get(owner=depositor).metadata["creators"] == [
        {"name_type": "Personal", "family_name": "Depositor", "name": "Depositor"}
    ]


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("0000-0002-1825-0098", "check digit"),
        ("0000-0002-1825-009", "16 digits"),
        ("Garcia", "16 digits"),
    ],
)
def test_a_bad_orcid_id_is_refused_on_the_account_page(client, depositor, orcid, typed, message):
    client.force_login(depositor)

    response = client.post(reverse("accounts:orcid-update"), {"orcid": typed})

    assert response.status_code == 400
    assert message in response.content.decode()
    depositor.refresh_from_db()
    assert depositor.orcid == ""


def test_an_authenticated_id_is_not_replaced_by_hand(client, sofia, orcid):
    sign_in_with_orcid(client)

    response = client.post(reverse("accounts:orcid-update"), {"orcid": YANN})

    assert response.status_code == 400
    user = signed_in_user(client)
    assert user.orcid == SOFIA and user.orcid_authenticated


def test_linking_orcid_to_a_local_account_authenticates_its_id(client, depositor, sofia, orcid):
    depositor.orcid = YANN  # typed by hand, and wrong
    depositor.save(update_fields=["orcid"])
    signed_in = client.post(reverse("account_login"), {"login": "depositor", "password": "correct horse battery"})
    assert signed_in.status_code == 302

    authorize_url = start_sign_in(client, process="connect")
    response = come_back(client, approve(authorize_url))

    assert response.status_code == 302
    depositor.refresh_from_db()
    assert depositor.orcid == SOFIA and depositor.orcid_authenticated
    assert (depositor.affiliation, depositor.affiliation_ror) == ("Ifremer", IFREMER)
    assert depositor.display_name == "Depositor"  # kept
    account = depositor.socialaccount_set.get()
    assert account.uid == SOFIA
    assert signed_in_user(client) == depositor

    # Unlinked, the iD stays but as unverified: the person may now correct it by hand.
    unlinked = client.post(reverse("socialaccount_connections"), {"account": account.pk})
    assert unlinked.status_code == 302
    depositor.refresh_from_db()
    assert depositor.orcid == SOFIA and depositor.orcid_authenticated is False
    assert client.post(reverse("accounts:orcid-update"), {"orcid": YANN}).status_code == 302


# --- the depositor as first creator -----------------------------------------------------------


def _people_step(client, deposit) -> str:
    return client.get(reverse("deposit:wizard", kwargs={"pk": deposit.pk, "step": "people"})).content.decode()


def _save_people(client, deposit, fields):
    from deposit.models import Deposit

    revision = Deposit.objects.values_list("revision", flat=True).get(pk=deposit.pk)
    return client.post(
        reverse("deposit:wizard-save", kwargs={"pk": deposit.pk}), {"step": "people", "revision": revision, **fields}
    )


def test_a_new_deposit_offers_the_orcid_signed_in_depositor_as_first_creator(client, sofia, orcid, communities):
    from deposit.models import Deposit

    sign_in_with_orcid(client)

    response = client.post(reverse("deposit:create"), {"title": "Glider section"})

    deposit = Deposit.objects.get()
    assert response.status_code == 302
    assert deposit.metadata["creators"] == [
        {
            "name_type": "Personal",
            "family_name": "Garcia",
            "given_name": "Sofia",
            "name": "Garcia, Sofia",
            "orcid": SOFIA,
            "affiliations": [{"name": "Ifremer", "ror": IFREMER}],
        }
    ]
    page = _people_step(client, deposit)
    assert 'value="Garcia"' in page and 'value="Sofia"' in page and f'value="{SOFIA}"' in page
    assert 'value="Ifremer"' in page and f'value="{IFREMER}"' in page


def test_a_creator_with_affiliations_saves_them_with_their_ror_ids(client, depositor, communities):
    from deposit.models import Deposit

    client.force_login(depositor)
    client.post(reverse("deposit:create"), {"title": "Glider section", "community": "ocean"})
    deposit = Deposit.objects.get()
    response = _save_people(
        client,
        deposit,
        {
            "creators-0-name_type": "Personal",
            "creators-0-family_name": "Garcia",
            "creators-0-given_name": "Sofia",
            "creators-0-orcid": SOFIA,
            "creators-0-affiliations-0-name": "Ifremer",
            "creators-0-affiliations-0-ror": IFREMER.rsplit("/", 1)[1],
            "creators-0-affiliations-1-name": "LOPS",
            "creators-1-name_type": "Personal",
            "creators-1-family_name": "Martin",
            "creators-1-given_name": "Paul",
        },
    )

    assert response.status_code == 200
    first, second = Deposit.objects.get().metadata["creators"]
    assert first == {
        "name": "Garcia, Sofia",
        "name_type": "Personal",
        "family_name": "Garcia",
        "given_name": "Sofia",
        "orcid": SOFIA,
        "affiliations": [{"name": "Ifremer", "ror": IFREMER}, {"name": "LOPS"}],
    }
    assert second == {"name": "Martin, Paul", "name_type": "Personal", "family_name": "Martin", "given_name": "Paul"}
    page = _people_step(client, deposit)
    assert f'value="{IFREMER}"' in page and 'value="LOPS"' in page


def test_a_bad_orcid_id_in_the_creators_is_flagged_on_the_field_and_the_draft_is_saved(client, depositor, communities):
    from deposit.models import Deposit

    client.force_login(depositor)
    client.post(reverse("deposit:create"), {"title": "Glider section", "community": "ocean"})
    deposit = Deposit.objects.get()
    creators = {
        "creators-0-name_type": "Personal",
        "creators-0-family_name": "Garcia",
        "creators-0-orcid": SOFIA,
        "creators-1-name_type": "Personal",
        "creators-1-family_name": "Martin",
        "point_of_contact-name": "Sofia Garcia",
        "point_of_contact-email": "sofia@example.org",
    }
    response = _save_people(client, deposit, {**creators, "creators-1-orcid": "0000-0002-1825-0098"})

    assert Deposit.objects.get().metadata["creators"][1]["orcid"] == "0000-0002-1825-0098"  # saved: lenient
    [problem] = response.json()["problems"]
    assert problem["anchor"] == "f-creators-1-orcid" and "check digit" in problem["message"]
    page = _people_step(client, deposit)
    assert re.search(r'id="f-creators-1-orcid"[^>]*aria-invalid="true"', page)

    # Corrected, nothing is flagged any more.
    fixed = _save_people(client, deposit, {**creators, "creators-1-orcid": YANN})
    assert fixed.json()["problems"] == []
    assert "aria-invalid" not in _people_step(client, deposit)
