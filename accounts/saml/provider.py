"""allauth's SAML provider, for the IdPs of the federation: eduPerson / SAML subject-id attribute
mapping, scope checks, replay protection, and what an institution tells us about the user.

Installed through `SOCIALACCOUNT_PROVIDERS["saml"]["provider_class"]`; a SAML SocialApp configured
by hand (without an `IdentityProvider` row) keeps allauth's own behaviour."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime

from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.providers.saml.provider import SAMLProvider
from django.conf import settings
from django.core.cache import caches
from django.core.exceptions import PermissionDenied
from onelogin.saml2.constants import OneLogin_Saml2_Constants

from .errors import log, refusal

# Clock skew tolerated on Conditions' NotBefore / NotOnOrAfter (python3-saml reads this constant).
OneLogin_Saml2_Constants.ALLOWED_CLOCK_DRIFT = settings.SAML_CLOCK_SKEW_SECONDS

PERSISTENT = "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"

# Each attribute by its SAML 2 name (urn:oid, as the REFEDS / eduGAIN profiles send them) and
# its older SAML 1 name, which some IdPs still use.
SUBJECT_ID = ("urn:oasis:names:tc:SAML:attribute:subject-id",)
PAIRWISE_ID = ("urn:oasis:names:tc:SAML:attribute:pairwise-id",)
EDUPERSON_UNIQUE_ID = (
    "urn:oid:1.3.6.1.4.1.5923.1.1.1.13",
    "urn:mace:dir:attribute-def:eduPersonUniqueId",
)
EPPN = ("urn:oid:1.3.6.1.4.1.5923.1.1.1.6", "urn:mace:dir:attribute-def:eduPersonPrincipalName")
MAIL = ("urn:oid:0.9.2342.19200300.100.1.3", "urn:mace:dir:attribute-def:mail")
DISPLAY_NAME = ("urn:oid:2.16.840.1.113730.3.1.241", "urn:mace:dir:attribute-def:displayName")
GIVEN_NAME = ("urn:oid:2.5.4.42", "urn:mace:dir:attribute-def:givenName")
SURNAME = ("urn:oid:2.5.4.4", "urn:mace:dir:attribute-def:sn")
HOME_ORGANIZATION = (
    "urn:oid:1.3.6.1.4.1.25178.1.2.9",
    "urn:mace:terena.org:attribute-def:schacHomeOrganization",
)
ORCID = ("urn:oid:1.3.6.1.4.1.5923.1.1.1.16", "urn:mace:dir:attribute-def:eduPersonOrcid")

# The user identifier, best first. All are scoped (value@scope).
IDENTIFIERS = (SUBJECT_ID, PAIRWISE_ID, EDUPERSON_UNIQUE_ID, EPPN)


def first_value(attributes: dict, names: tuple[str, ...]) -> str:
    for name in names:
        for value in attributes.get(name) or []:
            if isinstance(value, str) and value.strip():
                return value.strip()
    return ""


def scope_allowed(scope: str, scopes: list[dict]) -> bool:
    """Whether `scope` is one the IdP's metadata declares (shibmd:Scope, literal or regexp)."""
    scope = scope.lower()
    for declared in scopes:
        value = str(declared.get("value", ""))
        if declared.get("regexp"):
            try:
                if re.fullmatch(value, scope, flags=re.IGNORECASE):
                    return True
            except re.error:
                continue
        elif value.lower() == scope:
            return True
    return False


def domain_in_scopes(domain: str, scopes: list[dict]) -> bool:
    """`domain` is a declared literal scope or one of its subdomains."""
    domain = domain.lower()
    for declared in scopes:
        value = str(declared.get("value", "")).lower()
        if value and not declared.get("regexp") and (domain == value or domain.endswith("." + value)):
            return True
    return False


def normalized_orcid(value: str) -> str:
    """An ORCID iD (bare or as https://orcid.org/…) with a valid check digit, or ''."""
    import idutils  # noqa: PLC0415 - 0.4 s of regular expressions compiled at import: on first use

    value = (value or "").strip()
    if not value or not idutils.is_orcid(value):
        return ""
    return idutils.normalize_orcid(value)


class FederationSAMLProvider(SAMLProvider):
    package = "allauth.socialaccount.providers.saml"  # allauth's URLs (acs, metadata, login…)

    @property
    def identity_provider(self):
        return getattr(self.app, "identity_provider", None)

    def serialize(self) -> dict:
        # The organization slug is shared by every IdP: a serialized login names its IdP instead.
        data = super().serialize()
        if self.identity_provider is not None:
            data["app.client_id"] = self.identity_provider.slug
        return data

    # ---- what the institution tells us -----------------------------------

    def extract_uid(self, data) -> str:
        idp = self.identity_provider
        if idp is None:
            return super().extract_uid(data)
        attributes = data.get_attributes()
        for names in IDENTIFIERS:
            value = first_value(attributes, names)
            if not value:
                continue
            _local, at, scope = value.rpartition("@")
            # Like a Shibboleth SP, drop an identifier scoped outside the IdP's declared scopes:
            # an IdP only speaks for its own users.
            if idp.scopes and not (at and scope_allowed(scope, idp.scopes)):
                log.warning(
                    "saml.identifier_out_of_scope",
                    idp=idp.entity_id,
                    attribute=names[0],
                    scope=scope,
                )
                continue
            return value
        if data.get_nameid_format() == PERSISTENT and data.get_nameid():
            return f"persistent:{data.get_nameid()}"
        raise ImmediateHttpResponse(refusal(self.request, "identifier", identity_provider=idp))

    def extract_common_fields(self, data) -> dict:
        idp = self.identity_provider
        if idp is None:
            return super().extract_common_fields(data)
        attributes = data.get_attributes()
        email = first_value(attributes, MAIL)
        fields = {
            "email": email,
            "first_name": first_value(attributes, GIVEN_NAME),
            "last_name": first_value(attributes, SURNAME),
            "name": first_value(attributes, DISPLAY_NAME),
        }
        # An address in the institution's own domain is as verified as its sign-in.
        if email and domain_in_scopes(email.rpartition("@")[2], idp.scopes or []):
            fields["email_verified"] = True
        return {key: value for key, value in fields.items() if value}

    def extract_extra_data(self, data) -> dict:
        idp = self.identity_provider
        if idp is None:
            return super().extract_extra_data(data)
        return {
            "idp": idp.entity_id,
            "name_id": data.get_nameid(),
            "name_id_format": data.get_nameid_format(),
            "attributes": data.get_attributes(),
        }

    def institution_profile(self, data) -> dict:
        """The researcher fields of an Estran user that this assertion fills."""
        idp = self.identity_provider
        attributes = data.get_attributes()
        given, surname = first_value(attributes, GIVEN_NAME), first_value(attributes, SURNAME)
        profile = {
            "display_name": first_value(attributes, DISPLAY_NAME) or " ".join(p for p in (given, surname) if p),
            "affiliation": "",
            "orcid": normalized_orcid(first_value(attributes, ORCID)),
        }
        home = first_value(attributes, HOME_ORGANIZATION).lower()
        if home and (not idp.scopes or domain_in_scopes(home, idp.scopes)):
            # schacHomeOrganization is a domain: the affiliation is the institution it names.
            profile["affiliation"] = idp.display_name("en")
        elif home:
            profile["affiliation"] = home
        return profile

    # ---- the sign-in -----------------------------------------------------

    def unstash_redirect_state(self, request, state_id):
        try:
            return super().unstash_redirect_state(request, state_id)
        except PermissionDenied:
            raise ImmediateHttpResponse(
                refusal(
                    request,
                    "state",
                    identity_provider=self.identity_provider,
                    detail=f"state {state_id}",
                )
            ) from None

    def sociallogin_from_response(self, request, response):
        idp = self.identity_provider
        if idp is None:
            return super().sociallogin_from_response(request, response)
        refuse_replay(request, response, idp)
        sociallogin = super().sociallogin_from_response(request, response)
        profile = self.institution_profile(response)
        user = sociallogin.user
        # A new account starts from what the institution says. The ORCID iD is the institution's
        # claim, not a proof from ORCID: it is kept as unverified (only an ORCID sign-in
        # authenticates an iD).
        user.display_name = profile["display_name"][:200]
        user.affiliation = profile["affiliation"][:300]
        if profile["orcid"]:
            user.orcid = profile["orcid"]
            user.orcid_authenticated = False
        log.info("saml.accepted", idp=idp.entity_id, assertion=response.get_last_assertion_id())
        return sociallogin


def refuse_replay(request, response, idp) -> None:
    """Each assertion is consumed once: its ID is remembered until it expires (python3-saml checks
    signatures and times, not reuse). `cache.add` is atomic, so two concurrent posts of one
    response cannot both pass."""
    assertion_id = response.get_last_assertion_id() or response.get_last_message_id()
    not_on_or_after = response.get_last_assertion_not_on_or_after()
    now = datetime.now(UTC).timestamp()
    expires = not_on_or_after or (now + 300)
    timeout = max(int(expires - now) + settings.SAML_CLOCK_SKEW_SECONDS, 60)
    key = "saml:assertion:" + hashlib.sha256(f"{idp.entity_id}\n{assertion_id}".encode()).hexdigest()
    if not caches[settings.SAML_REPLAY_CACHE].add(key, 1, timeout=timeout):
        raise ImmediateHttpResponse(
            refusal(request, "replay", identity_provider=idp, detail=f"assertion {assertion_id}")
        )
