"""The import of a federation's metadata aggregate (an md:EntitiesDescriptor signed by the
federation operator): fetch, verify the XML signature and validUntil, register every IdP.

Nothing of an aggregate is used before its signature is verified against the configured
certificate, and the whole aggregate is refused (the previous IdPs stay in force) when the
signature, its scope or its validity is wrong. The IdPs are then written in one transaction."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import requests
import xmlsec
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from lxml import etree

from accounts.models import FederationImport, IdentityProvider, IdentityProviderKeyword
from core.logging import get_logger

from .discovery import keywords_for
from .keys import certificate_body, read_pem

log = get_logger(__name__)

MD = "urn:oasis:names:tc:SAML:2.0:metadata"
DS = "http://www.w3.org/2000/09/xmldsig#"
MDUI = "urn:oasis:names:tc:SAML:metadata:ui"
SHIBMD = "urn:mace:shibboleth:metadata:1.0"
MDATTR = "urn:oasis:names:tc:SAML:metadata:attribute"
SAML = "urn:oasis:names:tc:SAML:2.0:assertion"
NS = {"md": MD, "ds": DS, "mdui": MDUI, "shibmd": SHIBMD, "mdattr": MDATTR, "saml": SAML}
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
PROTOCOL = "urn:oasis:names:tc:SAML:2.0:protocol"
HTTP_REDIRECT = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
ENTITY_CATEGORY = "http://macedir.org/entity-category"
HIDE_FROM_DISCOVERY = "http://refeds.org/category/hide-from-discovery"

# What an aggregate's signature may use: RSA / ECDSA with SHA-2, and only the transforms of an
# enveloped signature over the whole document (any other transform could leave content unsigned).
SIGNATURE_METHODS = {
    "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
    "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384",
    "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512",
    "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256",
    "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384",
    "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha512",
}
DIGEST_METHODS = {
    "http://www.w3.org/2001/04/xmlenc#sha256",
    "http://www.w3.org/2001/04/xmldsig-more#sha384",
    "http://www.w3.org/2001/04/xmlenc#sha512",
}
TRANSFORMS = {
    "http://www.w3.org/2000/09/xmldsig#enveloped-signature",
    "http://www.w3.org/2001/10/xml-exc-c14n#",
    "http://www.w3.org/2001/10/xml-exc-c14n#WithComments",
    "http://www.w3.org/TR/2001/REC-xml-c14n-20010315",
}

Progress = Callable[[str, int, int], None]  # (stage, done, total)


class FederationMetadataError(Exception):
    """The aggregate is refused; the message says why, for the operator."""

    retryable = False


class FederationFetchError(FederationMetadataError):
    """The aggregate could not be downloaded (network, timeout, HTTP error): worth trying again."""

    retryable = True


@dataclass
class IdPEntry:
    entity_id: str
    name_en: str
    name_fr: str
    logo_url: str
    scopes: list[dict]
    sso_url: str
    signing_certificates: list[str]
    hide_from_discovery: bool = False
    keywords: set[str] = field(default_factory=set)


# ---- fetching -------------------------------------------------------------------------------


def fetch(url: str, *, timeout: float | None = None, progress: Progress | None = None) -> bytes:
    """The aggregate's bytes. `timeout` bounds the connection and each read (an aggregate is tens
    of megabytes: the whole download may take longer)."""
    timeout = timeout or settings.SAML_FEDERATION_TIMEOUT
    try:
        with requests.get(
            url, timeout=timeout, stream=True, headers={"Accept": "application/samlmetadata+xml"}
        ) as response:
            response.raise_for_status()
            total = int(response.headers.get("Content-Length") or 0)
            chunks, done = [], 0
            for chunk in response.iter_content(chunk_size=1 << 20):
                chunks.append(chunk)
                done += len(chunk)
                if progress:
                    progress("download", done, total)
            return b"".join(chunks)
    except requests.RequestException as exc:
        raise FederationFetchError(f"Could not fetch {url}: {exc}") from exc


# ---- verifying ------------------------------------------------------------------------------


def parse(data: bytes) -> etree._Element:
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=True,
        remove_comments=False,
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise FederationMetadataError(f"The metadata is not well-formed XML: {exc}") from exc
    if root.tag != f"{{{MD}}}EntitiesDescriptor":
        raise FederationMetadataError("The metadata is not an aggregate (md:EntitiesDescriptor).")
    return root


def verify_signature(root: etree._Element, certificate_pem: str) -> None:
    """Verify the enveloped signature of the aggregate's root with the federation's certificate,
    and that this signature covers the whole document."""
    signatures = root.findall(f"{{{DS}}}Signature")
    if len(signatures) != 1:
        raise FederationMetadataError("The aggregate is not signed (no ds:Signature on its root element).")
    signature = signatures[0]
    references = signature.findall(f"{{{DS}}}SignedInfo/{{{DS}}}Reference")
    if len(references) != 1:
        raise FederationMetadataError("The signature must have exactly one reference.")
    uri = references[0].get("URI", "")
    root_id = root.get("ID")
    if uri != "" and not (root_id and uri == f"#{root_id}"):
        raise FederationMetadataError("The signature does not cover the aggregate's root element.")
    if root_id and len(root.xpath("//*[@ID=$id]", id=root_id)) != 1:
        raise FederationMetadataError("The aggregate's ID is not unique.")
    method = signature.find(f"{{{DS}}}SignedInfo/{{{DS}}}SignatureMethod")
    digest = references[0].find(f"{{{DS}}}DigestMethod")
    if method is None or method.get("Algorithm") not in SIGNATURE_METHODS:
        raise FederationMetadataError("The signature algorithm is not accepted (RSA or ECDSA with SHA-2 only).")
    if digest is None or digest.get("Algorithm") not in DIGEST_METHODS:
        raise FederationMetadataError("The digest algorithm is not accepted (SHA-2 only).")
    transforms = [t.get("Algorithm") for t in references[0].iterfind(f"{{{DS}}}Transforms/{{{DS}}}Transform")]
    if any(t not in TRANSFORMS for t in transforms):
        raise FederationMetadataError("The signature uses a transform that is not accepted.")
    try:
        key = xmlsec.Key.from_memory(certificate_pem.encode(), xmlsec.constants.KeyDataFormatCertPem)
    except xmlsec.Error as exc:
        raise FederationMetadataError(f"The configured federation certificate cannot be read: {exc}") from exc
    xmlsec.tree.add_ids(root, ["ID"])
    context = xmlsec.SignatureContext()
    context.key = key
    try:
        context.verify(signature)
    except xmlsec.Error as exc:
        raise FederationMetadataError("The aggregate's signature is not valid for the configured certificate.") from exc


def parse_instant(value: str) -> datetime:
    value = value.strip()
    if value.endswith("Z"):
        value = value[:-1] + "+00:00"
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def check_validity(root: etree._Element, *, now: datetime | None = None) -> datetime:
    now = now or timezone.now()
    valid_until = root.get("validUntil")
    if not valid_until:
        raise FederationMetadataError("The aggregate has no validUntil: it could be replayed forever.")
    try:
        until = parse_instant(valid_until)
    except ValueError as exc:
        raise FederationMetadataError(f"The aggregate's validUntil is not a date: {valid_until!r}.") from exc
    if until <= now:
        raise FederationMetadataError(f"The aggregate expired on {until.isoformat()} (validUntil).")
    max_days = settings.SAML_FEDERATION_MAX_VALIDITY_DAYS
    if max_days and until > now + timedelta(days=max_days):
        raise FederationMetadataError(
            f"The aggregate's validUntil ({until.isoformat()}) is more than {max_days} days away."
        )
    return until


# ---- reading the IdPs -----------------------------------------------------------------------


def _text(element) -> str:
    return " ".join((element.text or "").split()) if element is not None else ""


def _by_language(elements) -> dict[str, str]:
    names: dict[str, str] = {}
    for element in elements:
        language = (element.get(XML_LANG) or "").lower()[:2]
        text = _text(element)
        if text:
            names.setdefault(language, text)
    return names


def read_idp(entity: etree._Element, *, now: datetime) -> IdPEntry | None:
    """The IdP described by an md:EntityDescriptor, or None when it is not a usable SAML 2 IdP."""
    entity_id = (entity.get("entityID") or "").strip()
    if not entity_id or len(entity_id) > 1024:
        return None
    valid_until = entity.get("validUntil")
    if valid_until:
        try:
            if parse_instant(valid_until) <= now:
                return None
        except ValueError:
            return None
    idp = next(
        (
            d
            for d in entity.iterfind(f"{{{MD}}}IDPSSODescriptor")
            if PROTOCOL in (d.get("protocolSupportEnumeration") or "")
        ),
        None,
    )
    if idp is None:
        return None
    sso_url = next(
        (
            s.get("Location", "")
            for s in idp.iterfind(f"{{{MD}}}SingleSignOnService")
            if s.get("Binding") == HTTP_REDIRECT
        ),
        "",
    )
    certificates = []
    for key in idp.iterfind(f"{{{MD}}}KeyDescriptor"):
        if key.get("use") in (None, "", "signing"):
            for cert in key.iterfind(f".//{{{DS}}}X509Certificate"):
                body = certificate_body(cert.text or "")
                if body and body not in certificates:
                    certificates.append(body)
    if not sso_url.startswith(("https://", "http://")) or len(sso_url) > 1000 or not certificates:
        return None
    names = _by_language(idp.iterfind(f"{{{MD}}}Extensions/{{{MDUI}}}UIInfo/{{{MDUI}}}DisplayName"))
    if not names:
        names = _by_language(entity.iterfind(f"{{{MD}}}Organization/{{{MD}}}OrganizationDisplayName"))
    name_en = names.get("en") or next(iter(names.values()), "") or entity_id
    name_fr = names.get("fr", "")
    logo_url = ""
    for logo in idp.iterfind(f"{{{MD}}}Extensions/{{{MDUI}}}UIInfo/{{{MDUI}}}Logo"):
        url = _text(logo)
        if url.startswith(("https://", "http://")) and len(url) <= 1000:
            logo_url = url
            break
    scopes = []
    for scope in [
        *idp.iterfind(f"{{{MD}}}Extensions/{{{SHIBMD}}}Scope"),
        *entity.iterfind(f"{{{MD}}}Extensions/{{{SHIBMD}}}Scope"),
    ]:
        value = _text(scope)
        item = {"value": value, "regexp": (scope.get("regexp") or "false").lower() in ("true", "1")}
        if value and item not in scopes:
            scopes.append(item)
    categories = entity.xpath(
        "md:Extensions/mdattr:EntityAttributes/saml:Attribute[@Name=$name]/saml:AttributeValue/text()",
        namespaces=NS,
        name=ENTITY_CATEGORY,
    )
    entry = IdPEntry(
        entity_id=entity_id,
        name_en=name_en[:300],
        name_fr=name_fr[:300],
        logo_url=logo_url,
        scopes=scopes,
        sso_url=sso_url,
        signing_certificates=certificates,
        hide_from_discovery=HIDE_FROM_DISCOVERY in [c.strip() for c in categories],
    )
    entry.keywords = keywords_for(
        names=[*names.values(), name_en],
        scopes=scopes,
        entity_id=entity_id,
        sso_url=sso_url,
    )
    return entry


def read_idps(root: etree._Element, *, now: datetime | None = None) -> tuple[list[IdPEntry], int]:
    """(the usable IdPs, how many entities were skipped: SPs are not counted)."""
    now = now or timezone.now()
    entries, skipped, seen = [], 0, set()
    for entity in root.iter(f"{{{MD}}}EntityDescriptor"):
        if entity.find(f"{{{MD}}}IDPSSODescriptor") is None:
            continue
        entry = read_idp(entity, now=now)
        if entry is None or entry.entity_id in seen:
            skipped += 1
            continue
        seen.add(entry.entity_id)
        entries.append(entry)
    return entries, skipped


def slug_for(entity_id: str) -> str:
    """A stable, readable slug: the entityID's host and path, and a hash that keeps it unique."""
    parts = urlsplit(entity_id)
    readable = slugify(f"{parts.hostname or ''} {parts.path}" if parts.hostname else entity_id)[:60].strip("-")
    digest = hashlib.sha256(entity_id.encode()).hexdigest()[:8]
    return f"{readable}-{digest}" if readable else digest


# ---- registering ----------------------------------------------------------------------------


FIELDS = [
    "name_en",
    "name_fr",
    "logo_url",
    "scopes",
    "sso_url",
    "signing_certificates",
    "hide_from_discovery",
    "federation",
    "active",
]


@transaction.atomic
def register_idps(*, entries: list[IdPEntry], federation: str, record, progress: Progress | None = None) -> None:
    """Create, update and reactivate the aggregate's IdPs; deactivate the federation's IdPs it no
    longer lists (their accounts stay; they can no longer sign in)."""
    existing = {
        idp.entity_id: idp
        for idp in IdentityProvider.objects.filter(entity_id__in=[e.entity_id for e in entries]).prefetch_related(
            "keywords"
        )
    }
    to_create, to_update, keywords_changed = [], [], []
    for done, entry in enumerate(entries, start=1):
        idp = existing.get(entry.entity_id)
        values = {
            "name_en": entry.name_en,
            "name_fr": entry.name_fr,
            "logo_url": entry.logo_url,
            "scopes": entry.scopes,
            "sso_url": entry.sso_url,
            "signing_certificates": entry.signing_certificates,
            "hide_from_discovery": entry.hide_from_discovery,
            "federation": federation,
            "active": True,
        }
        if idp is None:
            idp = IdentityProvider(
                entity_id=entry.entity_id,
                slug=slug_for(entry.entity_id),
                last_import=record,
                **values,
            )
            to_create.append((idp, entry.keywords))
        else:
            if any(getattr(idp, name) != value for name, value in values.items()):
                for name, value in values.items():
                    setattr(idp, name, value)
                idp.last_import = record
                idp.updated_at = timezone.now()  # bulk_update does not apply auto_now
                to_update.append(idp)
            if {k.term for k in idp.keywords.all()} != entry.keywords:
                keywords_changed.append((idp, entry.keywords))
        if progress and (done % 500 == 0 or done == len(entries)):
            progress("register", done, len(entries))
    IdentityProvider.objects.bulk_create([idp for idp, _ in to_create], batch_size=500)
    IdentityProvider.objects.bulk_update(to_update, [*FIELDS, "last_import", "updated_at"], batch_size=500)
    IdentityProviderKeyword.objects.filter(identity_provider__in=[idp for idp, _ in keywords_changed]).delete()
    created_ids = dict(
        IdentityProvider.objects.filter(entity_id__in=[idp.entity_id for idp, _ in to_create]).values_list(
            "entity_id", "pk"
        )
    )
    keyword_rows = [
        IdentityProviderKeyword(identity_provider_id=created_ids.get(idp.entity_id, idp.pk), term=term)
        for idp, terms in [*to_create, *keywords_changed]
        for term in sorted(terms)
    ]
    IdentityProviderKeyword.objects.bulk_create(keyword_rows, batch_size=2000)
    seen = [e.entity_id for e in entries]
    record.deactivated = (
        IdentityProvider.objects.filter(federation=federation, active=True)
        .exclude(entity_id__in=seen)
        .update(active=False)
    )
    record.created, record.updated = len(to_create), len(to_update)


def federation_import(
    *,
    source: str,
    data: bytes | None = None,
    certificate: str | None = None,
    timeout: float | None = None,
    progress: Progress | None = None,
):
    """Import the aggregate at `source` (a URL, or with `data` its bytes), verified against
    `certificate` (PEM, or a path; default `SAML_FEDERATION_CERT`). Returns the `FederationImport`
    record, failed with its reason when the aggregate was refused."""
    record = FederationImport.objects.create(federation="", source=source[:1000])
    record.retryable = False
    try:
        certificate_pem = read_pem(certificate if certificate is not None else settings.SAML_FEDERATION_CERT)
        if not certificate_pem:
            raise FederationMetadataError("No federation certificate is configured (SAML_FEDERATION_CERT).")
        if data is None:
            data = fetch(source, timeout=timeout, progress=progress)
        root = parse(data)
        verify_signature(root, certificate_pem)
        record.valid_until = check_validity(root)
        record.federation = (root.get("Name") or source)[:300]
        entries, record.skipped = read_idps(root)
        if not entries:
            raise FederationMetadataError("The aggregate lists no usable identity provider.")
        register_idps(entries=entries, federation=record.federation, record=record, progress=progress)
    except (FederationMetadataError, OSError) as exc:
        record.status = FederationImport.Status.FAILED
        record.reason = str(exc)
        record.retryable = getattr(exc, "retryable", False)
        log.warning("saml.federation_refused", source=source, reason=str(exc))
    except Exception as exc:
        record.status = FederationImport.Status.FAILED
        record.reason = f"{type(exc).__name__}: {exc}"
        record.finished_at = timezone.now()
        record.save()
        raise
    else:
        record.status = FederationImport.Status.SUCCEEDED
        log.info(
            "saml.federation_imported",
            source=source,
            federation=record.federation,
            created=record.created,
            updated=record.updated,
            deactivated=record.deactivated,
            skipped=record.skipped,
        )
    record.finished_at = timezone.now()
    record.save()
    return record
