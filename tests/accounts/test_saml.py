"""Signing in with an institution (SAML 2): the test IdP (pysaml2 + xmlsec1) answers the real
signed AuthnRequest of allauth / python3-saml with a real signed response, which the test client
posts to allauth's ACS. Good sign-ins, every refusal (each on a clear page, with no session), the
attribute mapping, and the SP metadata."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.fakes.saml_idp import FakeIdP

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.filterwarnings("ignore:CFB has been moved:cryptography.utils.CryptographyDeprecationWarning"),
]

SITE = "http://testserver"
IDP_ENTITY = "https://idp.univ-test.example/idp/shibboleth"
SSO_URL = "https://idp.univ-test.example/idp/profile/SAML2/Redirect/SSO"


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = SITE


@pytest.fixture(scope="module")
def idp_keys(tmp_path_factory):
    return tmp_path_factory.mktemp("saml-idp")


def browser() -> Client:
    """A test client that sends a Host header, as browsers do (python3-saml reads it)."""
    return Client(HTTP_HOST="testserver")


def sp_metadata() -> bytes:
    response = browser().get("/saml/metadata")
    assert response.status_code == 200
    return response.content


def register(fake: FakeIdP):
    """The IdP's row, as the federation import writes it from the IdP's metadata."""
    from accounts.models import FederationImport, IdentityProvider
    from accounts.saml.federation import read_idp, register_idps

    entry = read_idp(fake.entity_descriptor(), now=timezone.now())
    record = FederationImport.objects.create(federation="test", source="test")
    register_idps(entries=[entry], federation="test", record=record)
    return IdentityProvider.objects.get(entity_id=fake.entity_id)


@pytest.fixture
def fake_idp(idp_keys, settings):
    fake = FakeIdP(entity_id=IDP_ENTITY, sso_url=SSO_URL, workdir=idp_keys)
    fake.trust_sp(sp_metadata())
    fake.row = register(fake)
    return fake


def start(client: Client, idp, *, next_url: str = "/account/") -> str:
    """Choose the institution on the discovery page: the redirect to the IdP, with the request."""
    response = client.post(reverse("accounts:saml-signin"), {"idp": idp.slug, "next": next_url})
    assert response.status_code == 302, response.content[:500]
    assert response["Location"].startswith(SSO_URL + "?SAMLRequest=")
    return response["Location"]


def post_to_acs(client: Client, acs_url: str, fields: dict):
    """What the browser does with the IdP's auto-posting form, then allauth's hop to its finish view."""
    response = client.post(urlsplit(acs_url).path, fields)
    assert response.status_code == 302
    return client.get(response["Location"])


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def assert_refused(response, reason: str, client: Client) -> None:
    assert response.status_code == 403, response.content[:800]
    assert f'data-reason="{reason}"' in response.content.decode()
    assert "Signing in with your institution did not work" in response.content.decode()
    assert not signed_in(client)


# ---- a good sign-in ------------------------------------------------------------------------


def test_an_institution_user_signs_in_and_gets_an_account_with_the_released_attributes(fake_idp):
    from allauth.account.models import EmailAddress
    from allauth.socialaccount.models import SocialAccount

    client = browser()
    url = start(client, fake_idp.row)
    acs_url, fields = fake_idp.sign_in(url)
    assert urlsplit(acs_url).path == "/accounts/saml/federation/acs/"
    response = post_to_acs(client, acs_url, fields)

    assert response.status_code == 302 and response["Location"] == "/account/"
    assert signed_in(client)
    account = SocialAccount.objects.get()
    assert account.provider == f"saml-{fake_idp.row.slug}"
    assert account.uid == "ana.lopez@univ-test.example"  # subject-id first
    assert account.extra_data["idp"] == IDP_ENTITY
    user = account.user
    assert str(user.pk) == client.session["_auth_user_id"]
    assert (user.email, user.first_name, user.last_name) == (
        "ana.lopez@univ-test.example",
        "Ana",
        "López",
    )
    assert user.display_name == "Ana López"
    assert user.affiliation == "University of Testing"  # schacHomeOrganization names the IdP
    assert user.orcid == ""
    # The address is in the institution's scope: verified by the institution.
    assert EmailAddress.objects.get(user=user).verified

    page = client.get("/account/")
    assert "University of Testing" in page.content.decode()


def test_the_same_person_signing_in_again_gets_the_same_account(fake_idp):
    from django.contrib.auth import get_user_model

    for _ in range(2):
        client = browser()
        post_to_acs(client, *fake_idp.sign_in(start(client, fake_idp.row)))
        assert signed_in(client)
    assert get_user_model().objects.count() == 1


def test_an_encrypted_assertion_is_decrypted_with_the_sp_key(fake_idp):
    from accounts.saml.keys import sp_key_pair

    client = browser()
    acs_url, fields = fake_idp.sign_in(start(client, fake_idp.row), encrypt_to=sp_key_pair()[1])
    assert b"EncryptedAssertion" in __import__("base64").b64decode(fields["SAMLResponse"])
    response = post_to_acs(client, acs_url, fields)
    assert response.status_code == 302
    assert signed_in(client)


def test_with_encryption_required_a_clear_assertion_is_refused(fake_idp, settings):
    settings.SAML_WANT_ASSERTIONS_ENCRYPTED = True
    client = browser()
    response = post_to_acs(client, *fake_idp.sign_in(start(client, fake_idp.row)))
    assert_refused(response, "encryption", client)


# ---- refusals ------------------------------------------------------------------------------


def test_a_response_tampered_with_after_signing_is_refused(fake_idp):
    client = browser()
    response = post_to_acs(client, *fake_idp.sign_in(start(client, fake_idp.row), tamper=True))
    assert_refused(response, "signature", client)
    assert "does not carry a valid signature" in response.content.decode()


def test_a_response_signed_with_another_key_is_refused(fake_idp):
    client = browser()
    response = post_to_acs(client, *fake_idp.sign_in(start(client, fake_idp.row), sign_with_other_key=True))
    assert_refused(response, "signature", client)


def test_an_expired_assertion_is_refused(fake_idp):
    client = browser()
    response = post_to_acs(client, *fake_idp.sign_in(start(client, fake_idp.row), expired=True))
    assert_refused(response, "expired", client)
    assert "has expired" in response.content.decode()


def test_an_idp_clock_slightly_ahead_is_tolerated_and_far_ahead_refused(fake_idp, settings):
    from datetime import timedelta

    from onelogin.saml2.constants import OneLogin_Saml2_Constants

    assert OneLogin_Saml2_Constants.ALLOWED_CLOCK_DRIFT == settings.SAML_CLOCK_SKEW_SECONDS == 180
    client = browser()
    post_to_acs(client, *fake_idp.sign_in(start(client, fake_idp.row), clock_ahead=timedelta(seconds=90)))
    assert signed_in(client)

    client = browser()
    response = post_to_acs(client, *fake_idp.sign_in(start(client, fake_idp.row), clock_ahead=timedelta(minutes=10)))
    assert_refused(response, "clock", client)


def test_a_replayed_response_is_refused(fake_idp):
    client = browser()
    acs_url, fields = fake_idp.sign_in(start(client, fake_idp.row))
    post_to_acs(client, acs_url, fields)
    assert signed_in(client)

    # The same response, posted again (by whoever captured it): refused, nobody signed in.
    attacker = browser()
    response = post_to_acs(attacker, acs_url, fields)
    assert_refused(response, "replay", attacker)
    assert "already been used" in response.content.decode()


def test_a_replayed_response_in_the_same_browser_is_refused_too(fake_idp):
    client = browser()
    acs_url, fields = fake_idp.sign_in(start(client, fake_idp.row))
    post_to_acs(client, acs_url, fields)
    client.post(reverse("account_logout"))
    assert not signed_in(client)
    response = post_to_acs(client, acs_url, fields)
    assert_refused(response, "replay", client)


def test_an_assertion_for_another_audience_is_refused(fake_idp):
    client = browser()
    url = start(client, fake_idp.row)
    response = post_to_acs(client, *fake_idp.sign_in(url, audience="https://other-service.example/shibboleth"))
    assert_refused(response, "audience", client)
    assert "meant for another service" in response.content.decode()


def test_a_response_from_an_unknown_idp_is_refused(fake_idp, idp_keys):
    stranger = FakeIdP(
        entity_id="https://idp.stranger.example/idp",
        sso_url=SSO_URL,
        workdir=idp_keys,
        name_en="Stranger University",
        scopes=["stranger.example"],
    )
    stranger.trust_sp(sp_metadata())
    client = browser()
    request = fake_idp.parse_request(start(client, fake_idp.row))
    response = post_to_acs(client, request.acs_url, stranger.respond(request))
    assert_refused(response, "unknown_idp", client)
    assert "https://idp.stranger.example/idp" in response.content.decode()


def test_an_idp_cannot_speak_for_a_registered_idp_by_copying_its_entity_id(fake_idp, idp_keys):
    """Another IdP puts the registered IdP's entityID as Issuer: its key is not trusted for it."""
    impostor = FakeIdP(entity_id="https://idp.impostor.example/idp", sso_url=SSO_URL, workdir=idp_keys)
    impostor.trust_sp(sp_metadata())
    client = browser()
    request = fake_idp.parse_request(start(client, fake_idp.row))
    response = post_to_acs(client, request.acs_url, impostor.respond(request, issuer=IDP_ENTITY))
    assert_refused(response, "signature", client)


def test_an_idp_removed_from_the_federation_can_no_longer_sign_in(fake_idp):
    client = browser()
    url = start(client, fake_idp.row)
    fake_idp.row.active = False
    fake_idp.row.save(update_fields=["active"])
    response = post_to_acs(client, *fake_idp.sign_in(url))
    assert_refused(response, "unknown_idp", client)


def test_an_unsolicited_response_is_refused(fake_idp):
    """IdP-initiated sign-in is off: a response that answers no request of this browser."""
    client = browser()
    request = fake_idp.parse_request(start(client, fake_idp.row))
    other = browser()
    response = post_to_acs(other, request.acs_url, fake_idp.respond(request))
    assert_refused(response, "state", other)


def test_the_discovery_hand_over_refuses_an_unknown_institution():
    client = browser()
    response = client.post(reverse("accounts:saml-signin"), {"idp": "nowhere-1234"})
    assert response.status_code == 400
    assert "not available for sign-in" in response.content.decode()
    assert not signed_in(client)


def test_the_authn_request_is_signed_and_names_the_sp(fake_idp):
    from urllib.parse import parse_qs

    from saml2.response import IncorrectlySigned

    client = browser()
    url = start(client, fake_idp.row)
    query = parse_qs(urlsplit(url).query)
    assert query["SigAlg"] == ["http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"]
    request = fake_idp.parse_request(url)  # pysaml2 checks the signature against our metadata
    assert request.sp_entity_id == f"{SITE}/saml/metadata"
    assert request.acs_url == f"{SITE}/accounts/saml/federation/acs/"
    # A request whose signature does not match is refused by the IdP.
    tampered = url.replace("Signature=", "Signature=AAAA")
    with pytest.raises(IncorrectlySigned):
        fake_idp.parse_request(tampered)


# ---- attribute mapping ---------------------------------------------------------------------


def sign_in_with(fake_idp, **knobs):
    from allauth.socialaccount.models import SocialAccount

    client = browser()
    response = post_to_acs(client, *fake_idp.sign_in(start(client, fake_idp.row), **knobs))
    account = SocialAccount.objects.filter(provider=fake_idp.row.provider_id).order_by("-pk").first()
    return client, response, account


BASE = {"mail": ["ana.lopez@univ-test.example"], "givenName": ["Ana"], "sn": ["López"]}


@pytest.mark.parametrize(
    ("released", "uid"),
    [
        (
            {
                "pairwise-id": ["x7f3@univ-test.example"],
                "eduPersonUniqueId": ["123@univ-test.example"],
                "eduPersonPrincipalName": ["alopez@univ-test.example"],
            },
            "x7f3@univ-test.example",
        ),
        (
            {
                "eduPersonUniqueId": ["123@univ-test.example"],
                "eduPersonPrincipalName": ["alopez@univ-test.example"],
            },
            "123@univ-test.example",
        ),
        ({"eduPersonPrincipalName": ["alopez@univ-test.example"]}, "alopez@univ-test.example"),
        # Out of the IdP's scope: dropped, the next identifier is used.
        (
            {
                "subject-id": ["ana@other-univ.example"],
                "eduPersonPrincipalName": ["alopez@univ-test.example"],
            },
            "alopez@univ-test.example",
        ),
    ],
)
def test_the_user_identifier_is_the_best_released_one(fake_idp, released, uid):
    client, _response, account = sign_in_with(fake_idp, attributes={**BASE, **released})
    assert signed_in(client)
    assert account.uid == uid


def test_without_identifier_attributes_a_persistent_name_id_identifies_the_user(fake_idp):
    client, _response, account = sign_in_with(fake_idp, attributes=BASE, name_id="AbC123persistent")
    assert signed_in(client)
    assert account.uid == "persistent:AbC123persistent"


def test_without_any_stable_identifier_the_sign_in_is_refused_with_the_reason(fake_idp):
    client, response, account = sign_in_with(
        fake_idp,
        attributes=BASE,
        name_id_format="urn:oasis:names:tc:SAML:2.0:nameid-format:transient",
    )
    assert_refused(response, "identifier", client)
    assert account is None


def test_an_orcid_released_by_the_institution_is_kept_but_unverified(fake_idp):
    client, _response, account = sign_in_with(
        fake_idp,
        attributes={
            **BASE,
            "eduPersonPrincipalName": ["alopez@univ-test.example"],
            "eduPersonOrcid": ["https://orcid.org/0000-0002-1825-0097"],
        },
    )
    assert signed_in(client)
    assert account.user.orcid == "0000-0002-1825-0097"
    assert account.user.orcid_authenticated is False


def test_an_orcid_with_a_wrong_check_digit_is_ignored(fake_idp):
    _client, _response, account = sign_in_with(
        fake_idp,
        attributes={
            **BASE,
            "eduPersonPrincipalName": ["alopez@univ-test.example"],
            "eduPersonOrcid": ["0000-0002-1825-0098"],
        },
    )
    assert account.user.orcid == ""


def test_an_address_outside_the_institution_is_not_taken_as_verified(fake_idp):
    from allauth.account.models import EmailAddress

    sign_in_with(
        fake_idp,
        attributes={
            "eduPersonPrincipalName": ["alopez@univ-test.example"],
            "mail": ["ana@gmail.example"],
            "displayName": ["Ana López"],
        },
    )
    # Mandatory verification of addresses no institution vouches for: a mail is sent, no session yet.
    email = EmailAddress.objects.get(email="ana@gmail.example")
    assert not email.verified


# ---- the SP metadata -----------------------------------------------------------------------


def test_the_sp_metadata_is_valid_and_announces_signed_requests_and_assertions():
    from lxml import etree
    from onelogin.saml2.xml_utils import OneLogin_Saml2_XML

    from accounts.saml.keys import certificate_body, sp_key_pair

    response = browser().get("/saml/metadata")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/samlmetadata+xml"
    xml = response.content
    root = etree.fromstring(xml)
    assert root.get("entityID") == f"{SITE}/saml/metadata"
    sp = root.find("{urn:oasis:names:tc:SAML:2.0:metadata}SPSSODescriptor")
    assert sp.get("AuthnRequestsSigned") == "true"
    assert sp.get("WantAssertionsSigned") == "true"
    certificate = certificate_body(sp_key_pair()[1])
    uses = [
        k.get("use")
        for k in sp.iterfind("{urn:oasis:names:tc:SAML:2.0:metadata}KeyDescriptor")
        if certificate_body(k.findtext(".//{http://www.w3.org/2000/09/xmldsig#}X509Certificate")) == certificate
    ]
    assert sorted(uses) == ["encryption", "signing"]
    acs = sp.find("{urn:oasis:names:tc:SAML:2.0:metadata}AssertionConsumerService")
    assert acs.get("Location") == f"{SITE}/accounts/saml/federation/acs/"
    assert not isinstance(OneLogin_Saml2_XML.validate_xml(xml, "saml-schema-metadata-2.0.xsd"), str)


def test_allauths_own_metadata_url_describes_the_same_sp():
    from lxml import etree

    response = browser().get("/accounts/saml/federation/metadata/")
    assert response.status_code == 200
    root = etree.fromstring(response.content)
    assert root.get("entityID") == f"{SITE}/saml/metadata"
    assert 'AuthnRequestsSigned="true"' in response.content.decode()
    assert 'WantAssertionsSigned="true"' in response.content.decode()


def test_configured_sp_keys_are_used(settings, tmp_path):
    from accounts.saml.keys import certificate_body, sp_key_pair
    from tests.fakes.saml_idp import make_key_pair

    pair = make_key_pair(tmp_path, "sp")
    settings.SAML_SP_PRIVATE_KEY = str(pair.key_path)  # a path
    settings.SAML_SP_CERTIFICATE = pair.cert_pem  # PEM text
    assert certificate_body(sp_key_pair()[1]) == pair.cert_body
    assert pair.cert_body in browser().get("/saml/metadata").content.decode()


# ---- linking, and sign-up when the address is taken ----------------------------------------


def test_a_signed_in_user_links_their_institution_to_their_account(fake_idp, depositor):
    from allauth.socialaccount.models import SocialAccount

    client = browser()
    client.force_login(depositor)
    response = client.post(
        reverse("accounts:saml-signin"),
        {"idp": fake_idp.row.slug, "process": "connect", "next": "/account/"},
    )
    assert response.status_code == 302
    post_to_acs(client, *fake_idp.sign_in(response["Location"]))
    account = SocialAccount.objects.get(provider=fake_idp.row.provider_id)
    assert account.user == depositor
    # The connections page names the institution.
    assert "University of Testing" in client.get(reverse("socialaccount_connections")).content.decode()


def test_an_address_already_used_by_another_account_is_not_taken_over(fake_idp):
    """allauth (preventing account enumeration) does not attach the institution's login to the local
    account holding the address: the new account's address stays unverified and nobody is signed in."""
    from allauth.account.models import EmailAddress
    from django.contrib.auth import get_user_model

    from accounts.services import user_create

    local = user_create(username="ana_local", email="ana.lopez@univ-test.example", password="correct horse battery")
    client = browser()
    response = post_to_acs(client, *fake_idp.sign_in(start(client, fake_idp.row)))
    assert response.status_code == 302
    assert client.get(response["Location"]).status_code == 200
    assert not signed_in(client) or client.session["_auth_user_id"] != str(local.pk)
    assert not local.socialaccount_set.exists()
    others = get_user_model().objects.exclude(pk=local.pk)
    assert not EmailAddress.objects.filter(user__in=others, verified=True).exists()


def test_a_serialized_login_names_its_idp(fake_idp, rf):
    """A login waiting in the session (sign-up form, e-mail verification) finds its IdP again,
    although every IdP shares the organization slug."""
    from allauth.core import context
    from allauth.socialaccount.adapter import get_adapter
    from allauth.socialaccount.providers.base.provider import Provider

    request = rf.get("/")
    provider = get_adapter().get_provider(request, "saml", client_id=fake_idp.row.slug)
    assert provider.app.client_id == "federation" and provider.sub_id == fake_idp.row.provider_id
    with context.request_context(request):
        again = Provider.deserialize(provider.serialize())
    assert again.app.identity_provider == fake_idp.row
    assert again.name == "University of Testing"
