"""The SP metadata that a federation registers: entityID, the one ACS URL, the signing and
encryption certificate, what the service asks for (attributes) and whom to contact.

Built here rather than by python3-saml, whose metadata publishes an encryption key only when
encryption is required, and carries no mdui names or requested attributes."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from lxml import etree

from .keys import certificate_body, sp_entity_id, sp_key_pair, sp_next_certificate
from .provider import (
    DISPLAY_NAME,
    EDUPERSON_UNIQUE_ID,
    EPPN,
    GIVEN_NAME,
    HOME_ORGANIZATION,
    MAIL,
    ORCID,
    PAIRWISE_ID,
    SUBJECT_ID,
    SURNAME,
)

MD = "urn:oasis:names:tc:SAML:2.0:metadata"
DS = "http://www.w3.org/2000/09/xmldsig#"
MDUI = "urn:oasis:names:tc:SAML:metadata:ui"
REMD = "http://refeds.org/metadata"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
PROTOCOL = "urn:oasis:names:tc:SAML:2.0:protocol"
HTTP_POST = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"
URI_FORMAT = "urn:oasis:names:tc:SAML:2.0:attrname-format:uri"

# (name, friendly name, required): what Estran asks institutions to release.
REQUESTED_ATTRIBUTES = [
    (SUBJECT_ID[0], "subject-id", False),
    (PAIRWISE_ID[0], "pairwise-id", False),
    (EDUPERSON_UNIQUE_ID[0], "eduPersonUniqueId", False),
    (EPPN[0], "eduPersonPrincipalName", False),
    (MAIL[0], "mail", True),
    (DISPLAY_NAME[0], "displayName", False),
    (GIVEN_NAME[0], "givenName", False),
    (SURNAME[0], "sn", False),
    (HOME_ORGANIZATION[0], "schacHomeOrganization", False),
    (ORCID[0], "eduPersonOrcid", False),
]


def acs_url() -> str:
    return settings.SITE_URL + reverse("saml_acs", args=[settings.SAML_ORGANIZATION_SLUG])


def _sub(parent, ns: str, tag: str, text: str | None = None, **attrs) -> etree._Element:
    element = etree.SubElement(parent, f"{{{ns}}}{tag}", {k: v for k, v in attrs.items() if v is not None})
    if text is not None:
        element.text = text
    return element


def _key_descriptor(parent, use: str, certificate: str) -> None:
    key = _sub(parent, MD, "KeyDescriptor", use=use)
    data = _sub(_sub(key, DS, "KeyInfo"), DS, "X509Data")
    _sub(data, DS, "X509Certificate", certificate_body(certificate))


def sp_metadata() -> bytes:
    _key, cert = sp_key_pair()
    certificates = [cert] + [c for c in [sp_next_certificate()] if c]
    root = etree.Element(f"{{{MD}}}EntityDescriptor", nsmap={"md": MD, "ds": DS, "mdui": MDUI, "remd": REMD})
    root.set("entityID", sp_entity_id())
    sp = _sub(
        root,
        MD,
        "SPSSODescriptor",
        AuthnRequestsSigned="true",
        WantAssertionsSigned="true",
        protocolSupportEnumeration=PROTOCOL,
    )
    ui = _sub(_sub(sp, MD, "Extensions"), MDUI, "UIInfo")
    for lang, name in (
        ("en", settings.SAML_SP_DISPLAY_NAME_EN),
        ("fr", settings.SAML_SP_DISPLAY_NAME_FR),
    ):
        _sub(ui, MDUI, "DisplayName", name).set(XML_LANG, lang)
    information_url = settings.SAML_SP_INFORMATION_URL or settings.SITE_URL + "/"
    for lang in ("en", "fr"):
        _sub(ui, MDUI, "InformationURL", information_url).set(XML_LANG, lang)
    if settings.SAML_SP_PRIVACY_URL:
        for lang in ("en", "fr"):
            _sub(ui, MDUI, "PrivacyStatementURL", settings.SAML_SP_PRIVACY_URL).set(XML_LANG, lang)
    for certificate in certificates:
        _key_descriptor(sp, "signing", certificate)
    for certificate in certificates:
        _key_descriptor(sp, "encryption", certificate)
    _sub(sp, MD, "NameIDFormat", "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent")
    _sub(
        sp,
        MD,
        "AssertionConsumerService",
        Binding=HTTP_POST,
        Location=acs_url(),
        index="1",
        isDefault="true",
    )
    service = _sub(sp, MD, "AttributeConsumingService", index="1", isDefault="true")
    for lang, name in (
        ("en", settings.SAML_SP_DISPLAY_NAME_EN),
        ("fr", settings.SAML_SP_DISPLAY_NAME_FR),
    ):
        _sub(service, MD, "ServiceName", name).set(XML_LANG, lang)
    for name, friendly, required in REQUESTED_ATTRIBUTES:
        _sub(
            service,
            MD,
            "RequestedAttribute",
            Name=name,
            FriendlyName=friendly,
            NameFormat=URI_FORMAT,
            isRequired="true" if required else "false",
        )
    organization = _sub(root, MD, "Organization")
    for tag, value in (
        ("OrganizationName", settings.SAML_SP_ORGANIZATION_NAME),
        ("OrganizationDisplayName", settings.SAML_SP_ORGANIZATION_NAME),
        ("OrganizationURL", settings.SAML_SP_ORGANIZATION_URL or settings.SITE_URL + "/"),
    ):
        _sub(organization, MD, tag, value).set(XML_LANG, "en")
    for kind, email in (
        ("technical", settings.SAML_SP_TECHNICAL_CONTACT),
        ("support", settings.SAML_SP_SUPPORT_CONTACT),
        ("security", settings.SAML_SP_SECURITY_CONTACT),
    ):
        if not email:
            continue
        if kind == "security":  # REFEDS' security contact, asked for by SIRTFI
            contact = _sub(root, MD, "ContactPerson", contactType="other")
            contact.set(f"{{{REMD}}}contactType", "http://refeds.org/metadata/contactType/security")
        else:
            contact = _sub(root, MD, "ContactPerson", contactType=kind)
        _sub(contact, MD, "EmailAddress", email if email.startswith("mailto:") else f"mailto:{email}")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
