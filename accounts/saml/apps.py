"""allauth SAML "apps" built on the fly from `IdentityProvider` rows.

allauth configures SAML per organization (a `SocialApp` with `settings.idp`). A federation has
thousands of IdPs but the SP must have one entityID and one ACS URL, registered once. So every IdP
gets an unsaved `SocialApp` whose `client_id` is the one organization slug (hence one ACS URL,
`/accounts/saml/federation/acs/`) and whose `provider_id` is `saml-<idp slug>` (hence social
accounts namespaced per IdP). Which IdP a request is about:

- sign-in: `/accounts/saml/<idp slug>/login/` (the discovery page links there);
- the ACS: the Issuer of the response, read before verification only to pick the trust anchor —
  python3-saml then checks the signature against that IdP's certificates and the Issuer itself;
- a stored social account or a serialized login: its `saml-<slug>` or the slug.
"""

from __future__ import annotations

import base64
import json

from django.conf import settings
from django.urls import resolve
from django.urls.exceptions import Resolver404

from .keys import certificate_body, sp_entity_id, sp_key_pair

PROVIDER_PREFIX = "saml-"


def _advanced() -> dict:
    key, cert = sp_key_pair()
    return {
        "strict": True,
        "authn_request_signed": True,
        "want_assertion_signed": True,
        # Most IdPs sign the assertion and not the message; the assertion is what we trust.
        "want_message_signed": False,
        "want_assertion_encrypted": settings.SAML_WANT_ASSERTIONS_ENCRYPTED,
        "want_attribute_statement": False,  # a missing identifier gets our own clear message
        "want_name_id": False,
        "reject_deprecated_algorithm": True,
        # Only our own URLs are checked with this; development and test hosts are single labels.
        "allow_single_label_domains": True,
        "reject_idp_initiated_sso": True,
        "x509cert": certificate_body(cert),
        "private_key": key,
    }


def build_app(idp, *, certificate: str | None = None):
    """The allauth app of one IdP. `certificate` picks one of its signing certificates (during a
    key rollover the IdP has two, and python3-saml trusts one at a time)."""
    from allauth.socialaccount.models import SocialApp

    certificates = list(idp.signing_certificates or [])
    cert = certificate if certificate in certificates else (certificates[0] if certificates else "")
    app = SocialApp(
        provider="saml",
        provider_id=idp.provider_id,
        name=idp.display_name(),
        client_id=settings.SAML_ORGANIZATION_SLUG,
        settings={
            "idp": {"entity_id": idp.entity_id, "sso_url": idp.sso_url, "x509cert": cert},
            "sp": {"entity_id": sp_entity_id()},
            "advanced": _advanced(),
        },
    )
    app.identity_provider = idp
    return app


def build_placeholder_app():
    """The app for requests about the SP alone (allauth's metadata and logout URLs)."""
    from allauth.socialaccount.models import SocialApp

    _key, cert = sp_key_pair()
    return SocialApp(
        provider="saml",
        name=settings.SITE_NAME,
        client_id=settings.SAML_ORGANIZATION_SLUG,
        settings={
            "idp": {
                "entity_id": "urn:estran:saml:no-idp",
                "sso_url": settings.SITE_URL,
                "x509cert": certificate_body(cert),
            },
            "sp": {"entity_id": sp_entity_id()},
            "advanced": _advanced(),
        },
    )


def peek_response(request) -> tuple[str | None, str | None]:
    """(Issuer, signing certificate in KeyInfo) of the SAML response that allauth's ACS view
    stored for its finish view; neither is trusted, both only select among registered IdPs."""
    from allauth.socialaccount.sessions import LoginSession
    from django.http import QueryDict
    from onelogin.saml2.constants import OneLogin_Saml2_Constants
    from onelogin.saml2.xml_utils import OneLogin_Saml2_XML

    stored = LoginSession(request, "saml_acs_session", "saml-acs-session").store.get("request")
    if not stored:
        return None, None
    try:
        post = QueryDict(json.loads(stored)["POST"])
        document = OneLogin_Saml2_XML.to_etree(base64.b64decode(post.get("SAMLResponse", "")))
    except Exception:  # noqa: BLE001 - garbage is refused later, by python3-saml, with its reason
        return None, None
    issuer = None
    for path in ("/samlp:Response/saml:Issuer", "/samlp:Response/saml:Assertion/saml:Issuer"):
        nodes = OneLogin_Saml2_XML.query(document, path)
        if nodes and (nodes[0].text or "").strip():
            issuer = nodes[0].text.strip()
            break
    nodes = document.xpath(
        "//ds:Signature/ds:KeyInfo/ds:X509Data/ds:X509Certificate",
        namespaces=OneLogin_Saml2_Constants.NSMAP,
    )
    certificate = certificate_body(nodes[0].text) if nodes and nodes[0].text else None
    return issuer, certificate


def url_name(request) -> str | None:
    match = getattr(request, "resolver_match", None)
    if match is None:
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return None
    return match.url_name


def federation_app(request, *, provider: str, client_id: str | None):
    """The app for this request, None when it is not about the federation (other providers,
    or a SAML SocialApp configured by hand), or raises `UnknownIdentityProvider`."""
    from accounts.models import IdentityProvider

    if provider.startswith(PROVIDER_PREFIX):
        # A stored account of an IdP that later left the federation still names its institution.
        idp = IdentityProvider.objects.filter(slug=provider[len(PROVIDER_PREFIX) :]).first()
        return build_app(idp) if idp is not None else None
    if provider != "saml" or not client_id:
        return None
    if client_id != settings.SAML_ORGANIZATION_SLUG:
        idp = IdentityProvider.objects.active().filter(slug=client_id).first()
        return build_app(idp) if idp is not None else None
    if request is not None and url_name(request) == "saml_finish_acs":
        issuer, certificate = peek_response(request)
        idp = IdentityProvider.objects.active().filter(entity_id=issuer).first() if issuer else None
        if idp is None:
            raise UnknownIdentityProvider(issuer or "")
        return build_app(idp, certificate=certificate)
    return build_placeholder_app()


class UnknownIdentityProvider(Exception):
    def __init__(self, entity_id: str):
        super().__init__(entity_id)
        self.entity_id = entity_id
