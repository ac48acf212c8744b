"""A SAML 2 identity provider for the tests, built with pysaml2 and Debian's xmlsec1, so that the
real SP code (allauth + python3-saml) verifies real signatures. No Django here.

- `FakeIdP` reads a signed AuthnRequest (HTTP-Redirect binding, signature checked against the SP
  metadata it was given) and answers with a SAML Response for the HTTP-POST binding, whose
  assertion it signs with its own key (generated at test time). Knobs: the attributes, the
  NameID, another audience, an expired assertion, tampering after signing, signing with another
  key, encrypting the assertion to the SP.
- `FakeIdPServer` serves one over HTTP: `GET /sso` answers with a page that posts the response
  back to the SP at once (what a browser sees after signing in at an institution).
- `federation_aggregate` makes a federation's metadata aggregate of several IdPs, signed by a
  federation key with xmlsec1 (optionally tampered with after signing, or already expired).
"""

from __future__ import annotations

import base64
import html
import shutil
import subprocess
import tempfile
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from lxml import etree

from tests.fakes.loopback import LoopbackServer

XMLSEC1 = shutil.which("xmlsec1") or "/usr/bin/xmlsec1"

MD = "urn:oasis:names:tc:SAML:2.0:metadata"
DS = "http://www.w3.org/2000/09/xmldsig#"
MDUI = "urn:oasis:names:tc:SAML:metadata:ui"
SHIBMD = "urn:mace:shibboleth:metadata:1.0"
MDATTR = "urn:oasis:names:tc:SAML:metadata:attribute"
SAML = "urn:oasis:names:tc:SAML:2.0:assertion"
SAMLP = "urn:oasis:names:tc:SAML:2.0:protocol"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
HTTP_REDIRECT = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
PERSISTENT = "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"
TRANSIENT = "urn:oasis:names:tc:SAML:2.0:nameid-format:transient"
RSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
SHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"
EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"
ENVELOPED = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"


# ---- keys ----------------------------------------------------------------------------------


@dataclass
class KeyPair:
    key_path: Path
    cert_path: Path

    @property
    def cert_pem(self) -> str:
        return self.cert_path.read_text()

    @property
    def cert_body(self) -> str:
        return "".join(line for line in self.cert_pem.splitlines() if "-----" not in line)


def make_key_pair(folder: Path, name: str, *, common_name: str | None = None) -> KeyPair:
    """An RSA 2048 key and its self-signed certificate, as PEM files in `folder`."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    folder.mkdir(parents=True, exist_ok=True)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, (common_name or name)[:64])])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=365))
        .sign(key, hashes.SHA256())
    )
    pair = KeyPair(folder / f"{name}-key.pem", folder / f"{name}-cert.pem")
    pair.key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
    )
    pair.cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return pair


def xmlsec1_sign(xml: bytes, *, key: KeyPair, id_node: str) -> bytes:
    """Sign the ds:Signature template(s) in `xml` with xmlsec1, IDs taken from `ID` on `id_node`
    (e.g. `urn:oasis:names:tc:SAML:2.0:assertion:Assertion`)."""
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "in.xml"
        source.write_bytes(xml)
        result = subprocess.run(
            [
                XMLSEC1,
                "--sign",
                "--privkey-pem",
                f"{key.key_path},{key.cert_path}",
                "--id-attr:ID",
                id_node,
                "--output",
                str(Path(folder) / "out.xml"),
                str(source),
            ],
            capture_output=True,
            timeout=60,
        )
        if result.returncode != 0:
            raise RuntimeError(f"xmlsec1 --sign failed: {result.stderr.decode(errors='replace')}")
        return (Path(folder) / "out.xml").read_bytes()


def signature_template(reference_id: str, cert_body: str) -> etree._Element:
    """An enveloped ds:Signature (RSA-SHA256, exclusive c14n) over the element with `reference_id`."""
    E = lambda tag, **attrs: etree.Element(f"{{{DS}}}{tag}", attrs, nsmap={"ds": DS})  # noqa: E731
    signature = E("Signature")
    signed_info = etree.SubElement(signature, f"{{{DS}}}SignedInfo")
    etree.SubElement(signed_info, f"{{{DS}}}CanonicalizationMethod", Algorithm=EXC_C14N)
    etree.SubElement(signed_info, f"{{{DS}}}SignatureMethod", Algorithm=RSA_SHA256)
    reference = etree.SubElement(signed_info, f"{{{DS}}}Reference", URI=f"#{reference_id}")
    transforms = etree.SubElement(reference, f"{{{DS}}}Transforms")
    etree.SubElement(transforms, f"{{{DS}}}Transform", Algorithm=ENVELOPED)
    etree.SubElement(transforms, f"{{{DS}}}Transform", Algorithm=EXC_C14N)
    etree.SubElement(reference, f"{{{DS}}}DigestMethod", Algorithm=SHA256)
    etree.SubElement(reference, f"{{{DS}}}DigestValue")
    etree.SubElement(signature, f"{{{DS}}}SignatureValue")
    x509 = etree.SubElement(etree.SubElement(signature, f"{{{DS}}}KeyInfo"), f"{{{DS}}}X509Data")
    etree.SubElement(x509, f"{{{DS}}}X509Certificate").text = cert_body
    return signature


def _instant(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# ---- the identity provider -----------------------------------------------------------------


@dataclass
class AuthnRequestInfo:
    id: str
    acs_url: str
    sp_entity_id: str
    relay_state: str | None


DEFAULT_ATTRIBUTES = {
    "subject-id": ["ana.lopez@univ-test.example"],
    "eduPersonPrincipalName": ["alopez@univ-test.example"],
    "mail": ["ana.lopez@univ-test.example"],
    "displayName": ["Ana López"],
    "givenName": ["Ana"],
    "sn": ["López"],
    "schacHomeOrganization": ["univ-test.example"],
}


@dataclass
class FakeIdP:
    """`FakeIdP(entity_id=…, sso_url=…, workdir=…)`, then `trust_sp(sp_metadata)` before
    answering requests. `metadata()` is its md:EntityDescriptor, for aggregates and IdP rows."""

    entity_id: str
    sso_url: str
    workdir: Path
    name_en: str = "University of Testing"
    name_fr: str = "Université de Test"
    scopes: list[str] = field(default_factory=lambda: ["univ-test.example"])
    logo_url: str = ""
    hide_from_discovery: bool = False

    def __post_init__(self):
        slug = uuid.uuid5(uuid.NAMESPACE_URL, self.entity_id).hex[:8]
        self.keys = make_key_pair(self.workdir, f"idp-{slug}", common_name=self.entity_id)
        self.other_keys = make_key_pair(self.workdir, f"rogue-{slug}", common_name=self.entity_id)
        self.server = None
        self.issued: list[bytes] = []

    # ---- what the federation publishes about it --------------------------

    def entity_descriptor(self) -> etree._Element:
        nsmap = {"md": MD, "ds": DS, "mdui": MDUI, "shibmd": SHIBMD, "mdattr": MDATTR, "saml": SAML}
        entity = etree.Element(f"{{{MD}}}EntityDescriptor", {"entityID": self.entity_id}, nsmap=nsmap)
        if self.hide_from_discovery:
            attributes = etree.SubElement(
                etree.SubElement(entity, f"{{{MD}}}Extensions"), f"{{{MDATTR}}}EntityAttributes"
            )
            attribute = etree.SubElement(
                attributes,
                f"{{{SAML}}}Attribute",
                Name="http://macedir.org/entity-category",
                NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:uri",
            )
            etree.SubElement(
                attribute, f"{{{SAML}}}AttributeValue"
            ).text = "http://refeds.org/category/hide-from-discovery"
        idp = etree.SubElement(entity, f"{{{MD}}}IDPSSODescriptor", protocolSupportEnumeration=SAMLP)
        extensions = etree.SubElement(idp, f"{{{MD}}}Extensions")
        for scope in self.scopes:
            etree.SubElement(extensions, f"{{{SHIBMD}}}Scope", regexp="false").text = scope
        ui = etree.SubElement(extensions, f"{{{MDUI}}}UIInfo")
        for lang, name in (("en", self.name_en), ("fr", self.name_fr)):
            if name:
                etree.SubElement(ui, f"{{{MDUI}}}DisplayName").text = name
                ui[-1].set(XML_LANG, lang)
        if self.logo_url:
            etree.SubElement(ui, f"{{{MDUI}}}Logo", height="64", width="64").text = self.logo_url
        key = etree.SubElement(idp, f"{{{MD}}}KeyDescriptor", use="signing")
        x509 = etree.SubElement(etree.SubElement(key, f"{{{DS}}}KeyInfo"), f"{{{DS}}}X509Data")
        etree.SubElement(x509, f"{{{DS}}}X509Certificate").text = self.keys.cert_body
        etree.SubElement(idp, f"{{{MD}}}NameIDFormat").text = PERSISTENT
        etree.SubElement(idp, f"{{{MD}}}SingleSignOnService", Binding=HTTP_REDIRECT, Location=self.sso_url)
        return entity

    def metadata(self) -> bytes:
        return etree.tostring(self.entity_descriptor(), xml_declaration=True, encoding="UTF-8")

    # ---- speaking SAML ---------------------------------------------------

    def trust_sp(self, sp_metadata: bytes) -> None:
        """Load the SP's metadata (its ACS, its signing certificate) into a pysaml2 IdP."""
        from saml2 import BINDING_HTTP_REDIRECT
        from saml2.config import IdPConfig
        from saml2.saml import NAME_FORMAT_URI
        from saml2.server import Server

        config = IdPConfig()
        config.load(
            {
                "entityid": self.entity_id,
                "xmlsec_binary": XMLSEC1,
                "key_file": str(self.keys.key_path),
                "cert_file": str(self.keys.cert_path),
                "metadata": {"inline": [sp_metadata.decode()]},
                "delete_tmpfiles": True,
                "service": {
                    "idp": {
                        "endpoints": {"single_sign_on_service": [(self.sso_url, BINDING_HTTP_REDIRECT)]},
                        "want_authn_requests_signed": True,
                        "name_id_format": [PERSISTENT, TRANSIENT],
                        "policy": {
                            "default": {
                                "lifetime": {"minutes": 5},
                                "name_form": NAME_FORMAT_URI,
                                "attribute_restrictions": None,
                                "fail_on_missing_requested": False,
                            }
                        },
                    }
                },
            }
        )
        self.server = Server(config=config)

    def parse_request(self, url: str) -> AuthnRequestInfo:
        """Read the AuthnRequest of a redirect URL; pysaml2 checks its signature against the SP's
        metadata (and refuses an unsigned one)."""
        from saml2 import BINDING_HTTP_REDIRECT

        assert self.server is not None, "trust_sp() first"
        query = {k: v[0] for k, v in parse_qs(urlsplit(url).query, keep_blank_values=True).items()}
        if "Signature" not in query:
            raise ValueError("The AuthnRequest is not signed.")
        request = self.server.parse_authn_request(
            query["SAMLRequest"],
            BINDING_HTTP_REDIRECT,
            relay_state=query.get("RelayState"),
            sigalg=query.get("SigAlg"),
            signature=query.get("Signature"),
        )
        if request is None:
            raise ValueError("The AuthnRequest could not be read.")
        message = request.message
        return AuthnRequestInfo(
            id=message.id,
            acs_url=message.assertion_consumer_service_url,
            sp_entity_id=message.issuer.text,
            relay_state=query.get("RelayState"),
        )

    def respond(
        self,
        request: AuthnRequestInfo,
        *,
        attributes: dict[str, list[str]] | None = None,
        name_id: str | None = None,
        name_id_format: str = PERSISTENT,
        audience: str | None = None,
        expired: bool = False,
        clock_ahead: timedelta | None = None,
        tamper: bool = False,
        sign_with_other_key: bool = False,
        encrypt_to: str | None = None,
        issuer: str | None = None,
    ) -> dict[str, str]:
        """The form fields (`SAMLResponse`, `RelayState`) to post to `request.acs_url`.

        `attributes` by pysaml2's friendly names (sent with their urn:oid names), `expired` puts
        every NotOnOrAfter an hour back, `clock_ahead` puts NotBefore in the future, `tamper`
        changes an attribute value after signing, `sign_with_other_key` signs with a key the
        federation does not list, `encrypt_to` (a PEM certificate) encrypts the signed assertion,
        `issuer` claims another entityID."""
        from saml2.saml import NameID

        assert self.server is not None, "trust_sp() first"
        identity = DEFAULT_ATTRIBUTES if attributes is None else attributes
        xml = self.server.create_authn_response(
            identity=identity,
            in_response_to=request.id,
            destination=request.acs_url,
            sp_entity_id=request.sp_entity_id,
            name_id=NameID(
                format=name_id_format,
                text=name_id or uuid.uuid4().hex,
                name_qualifier=self.entity_id,
                sp_name_qualifier=request.sp_entity_id,
            ),
            authn={
                "class_ref": "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport",
                "authn_auth": self.entity_id,
            },
            sign_response=False,
            sign_assertion=False,
        )
        document = etree.fromstring(str(xml).encode())
        assertion = document.find(f"{{{SAML}}}Assertion")
        ns = {"saml": SAML}
        if audience is not None:
            for node in assertion.iterfind("saml:Conditions/saml:AudienceRestriction/saml:Audience", ns):
                node.text = audience
        if expired:
            past = datetime.now(UTC) - timedelta(hours=1)
            assertion.find("saml:Conditions", ns).set("NotBefore", _instant(past - timedelta(minutes=5)))
            assertion.find("saml:Conditions", ns).set("NotOnOrAfter", _instant(past))
            for node in assertion.iterfind("saml:Subject/saml:SubjectConfirmation/saml:SubjectConfirmationData", ns):
                node.set("NotOnOrAfter", _instant(past))
        if clock_ahead is not None:
            # The IdP's clock runs ahead: its assertion is "not yet valid" by the SP's clock.
            conditions = assertion.find("saml:Conditions", ns)
            conditions.set("NotBefore", _instant(datetime.now(UTC) + clock_ahead))
        if issuer is not None:
            for node in document.iter(f"{{{SAML}}}Issuer"):
                node.text = issuer
        keys = self.other_keys if sign_with_other_key else self.keys
        # The signature goes right after the assertion's Issuer (the schema's order).
        assertion.insert(1, signature_template(assertion.get("ID"), keys.cert_body))
        signed = xmlsec1_sign(etree.tostring(document), key=keys, id_node=f"{SAML}:Assertion")
        if tamper:
            signed = self._tamper(signed)
        if encrypt_to:
            signed = self._encrypt(signed, encrypt_to)
        self.issued.append(signed)
        fields = {"SAMLResponse": base64.b64encode(signed).decode()}
        if request.relay_state is not None:
            fields["RelayState"] = request.relay_state
        return fields

    def sign_in(self, url: str, **knobs) -> tuple[str, dict[str, str]]:
        """(ACS URL, form fields) answering the AuthnRequest of a redirect `url`."""
        request = self.parse_request(url)
        return request.acs_url, self.respond(request, **knobs)

    @staticmethod
    def _tamper(signed: bytes) -> bytes:
        """Change an attribute value after signing (the digest no longer matches)."""
        document = etree.fromstring(signed)
        values = document.findall(f".//{{{SAML}}}AttributeValue")
        assert values, "nothing to tamper with"
        for value in values:
            if value.text and "@" in value.text:
                value.text = "mallory@univ-test.example"
                break
        else:
            values[0].text = (values[0].text or "") + "-tampered"
        return etree.tostring(document)

    def _encrypt(self, signed: bytes, cert_pem: str) -> bytes:
        """Encrypt the signed assertion to the SP's certificate (AES-256-CBC, key wrapped with
        RSA-OAEP), as an IdP does when the SP publishes an encryption key."""
        from saml2.sigver import pre_encryption_part

        assert self.server is not None
        document = etree.fromstring(signed)
        assertion = document.find(f"{{{SAML}}}Assertion")
        template = str(
            pre_encryption_part(
                msg_enc="http://www.w3.org/2001/04/xmlenc#aes256-cbc",
                encrypted_key_id=f"EK_{uuid.uuid4().hex}",
                encrypted_data_id=f"ED_{uuid.uuid4().hex}",
            )
        )
        wrapper = etree.SubElement(document, f"{{{SAML}}}EncryptedAssertion")
        wrapper.append(etree.fromstring(template))
        with tempfile.TemporaryDirectory() as folder:
            folder = Path(folder)
            (folder / "template.xml").write_bytes(etree.tostring(wrapper[0]))
            (folder / "assertion.xml").write_bytes(etree.tostring(assertion))
            (folder / "cert.pem").write_text(cert_pem)
            result = subprocess.run(
                [
                    XMLSEC1,
                    "--encrypt",
                    "--pubkey-cert-pem",
                    str(folder / "cert.pem"),
                    "--session-key",
                    "aes-256",
                    "--xml-data",
                    str(folder / "assertion.xml"),
                    "--node-xpath",
                    "/*",
                    "--output",
                    str(folder / "out.xml"),
                    str(folder / "template.xml"),
                ],
                capture_output=True,
                timeout=60,
            )
            if result.returncode != 0:
                raise RuntimeError(f"xmlsec1 --encrypt failed: {result.stderr.decode(errors='replace')}")
            encrypted = etree.fromstring((folder / "out.xml").read_bytes())
        wrapper.remove(wrapper[0])
        wrapper.append(encrypted)
        document.remove(assertion)
        return etree.tostring(document)


def auto_post_page(acs_url: str, fields: dict[str, str]) -> str:
    """The page an IdP answers with: a form posted to the SP as soon as it loads."""
    inputs = "".join(
        f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">' for k, v in fields.items()
    )
    return (
        "<!DOCTYPE html><html><head><title>Test IdP</title></head>"
        '<body onload="document.forms[0].submit()">'
        f'<form method="post" action="{html.escape(acs_url)}">{inputs}'
        "<noscript><button type=submit>Continue</button></noscript></form></body></html>"
    )


class FakeIdPServer(LoopbackServer):
    """Serves a `FakeIdP` on loopback: `GET /sso?SAMLRequest=…` signs the (test) user in at once and
    answers with the auto-posting page; `GET /logo.png` is a tiny logo. `requests` records what
    was asked. `start()` first: the SSO URL (for the IdP's metadata) needs the port."""

    def __init__(self):
        super().__init__()
        self.idp: FakeIdP | None = None
        self.knobs: dict = {}
        self.requests: list[str] = []
        self.errors: list[str] = []

    name = "fake-saml-idp"
    url_suffix = "/"

    def _handler(self):
        return _make_handler(self)


# A 1×1 PNG, for logos that a browser may load.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


def _make_handler(server: FakeIdPServer):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):  # quiet
            pass

        def do_GET(self):
            path = urlsplit(self.path).path
            server.requests.append(self.path)
            if path == "/logo.png":
                self._reply(200, PNG, "image/png")
                return
            if path != "/sso" or server.idp is None:
                self._reply(404, b"not found", "text/plain")
                return
            try:
                acs_url, fields = server.idp.sign_in(self.path, **server.knobs)
            except Exception as exc:  # noqa: BLE001 - shown to the browser and recorded for the test
                server.errors.append(repr(exc))
                self._reply(400, f"The test IdP refused the request: {exc}".encode(), "text/plain")
                return
            self._reply(200, auto_post_page(acs_url, fields).encode(), "text/html; charset=utf-8")

        def _reply(self, status: int, body: bytes, content_type: str):
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return Handler


# ---- the federation --------------------------------------------------------------------------


def federation_aggregate(
    entities: list[FakeIdP | etree._Element | bytes],
    *,
    key: KeyPair,
    name: str = "https://federation.test/estran-test",
    valid_until: datetime | None = None,
    tamper: bool = False,
) -> bytes:
    """A federation's md:EntitiesDescriptor of `entities`, signed (enveloped, over its ID) with
    `key` by xmlsec1. `tamper` renames an IdP after signing."""
    valid_until = valid_until or datetime.now(UTC) + timedelta(days=5)
    aggregate_id = f"_{uuid.uuid4().hex}"
    nsmap = {"md": MD, "ds": DS, "mdui": MDUI, "shibmd": SHIBMD, "mdattr": MDATTR, "saml": SAML}
    root = etree.Element(
        f"{{{MD}}}EntitiesDescriptor",
        {"ID": aggregate_id, "Name": name, "validUntil": _instant(valid_until)},
        nsmap=nsmap,
    )
    root.append(signature_template(aggregate_id, key.cert_body))
    for entity in entities:
        if isinstance(entity, FakeIdP):
            entity = entity.entity_descriptor()
        elif isinstance(entity, bytes):
            entity = etree.fromstring(entity)
        root.append(entity)
    signed = xmlsec1_sign(
        etree.tostring(root, xml_declaration=True, encoding="UTF-8"),
        key=key,
        id_node=f"{MD}:EntitiesDescriptor",
    )
    if tamper:
        document = etree.fromstring(signed)
        name_node = document.find(f".//{{{MDUI}}}DisplayName")
        name_node.text = "Evil University"
        signed = etree.tostring(document, xml_declaration=True, encoding="UTF-8")
    return signed
