"""The SP's signing / decryption key pair, and PEM helpers shared with the federation import."""

from __future__ import annotations

import contextlib
import functools
import os
import re
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from core.logging import get_logger

log = get_logger(__name__)

PEM_CERT_RE = re.compile(r"-----BEGIN CERTIFICATE-----(.+?)-----END CERTIFICATE-----", re.S)


def read_pem(value: str) -> str:
    """A setting holding PEM text, or a path to a PEM file, as PEM text ('' when empty)."""
    value = (value or "").strip()
    if not value:
        return ""
    if "-----BEGIN" in value:
        # Environment files often carry PEM with literal "\n".
        return value.replace("\\n", "\n")
    return Path(value).expanduser().read_text()


def certificate_body(pem_or_b64: str) -> str:
    """The base64 DER of a certificate, without armour or whitespace (what SAML metadata and
    python3-saml hold)."""
    match = PEM_CERT_RE.search(pem_or_b64)
    body = match.group(1) if match else pem_or_b64
    return "".join(body.split())


def certificate_pem(pem_or_b64: str) -> str:
    body = certificate_body(pem_or_b64)
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    return "-----BEGIN CERTIFICATE-----\n" + "\n".join(lines) + "\n-----END CERTIFICATE-----\n"


def generate_key_pair(common_name: str, *, days: int = 3650) -> tuple[str, str]:
    """A new RSA 3072 key and a self-signed certificate, as PEM (SAML metadata carries certificates
    as key containers: federations do not require a CA)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name[:64])])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=days))
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    return key_pem, cert.public_bytes(serialization.Encoding.PEM).decode()


def _write_once(path: Path, text: str, mode: int) -> None:
    """Create `path` atomically unless another process got there first."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(text)
        os.chmod(tmp, mode)
        with contextlib.suppress(FileExistsError):
            os.link(tmp, path)
    finally:
        os.unlink(tmp)


@functools.cache
def _generated_pair(key_dir: str) -> tuple[str, str]:
    folder = Path(key_dir)
    key_path, cert_path = folder / "sp-key.pem", folder / "sp-cert.pem"
    if not (key_path.exists() and cert_path.exists()):
        # The key is written first and the certificate last: a certificate on disk always has its key.
        key_pem, cert_pem = generate_key_pair("Estran SAML service provider")
        log.warning("saml.sp_key_generated", folder=str(folder))
        _write_once(key_path, key_pem, 0o600)
        if key_path.read_text() == key_pem:
            _write_once(cert_path, cert_pem, 0o644)
    return key_path.read_text(), cert_path.read_text()


def sp_key_pair() -> tuple[str, str]:
    """(private key PEM, certificate PEM) of the SP, from `SAML_SP_PRIVATE_KEY` /
    `SAML_SP_CERTIFICATE`, or the pair generated once into `SAML_SP_KEY_DIR`."""
    key = read_pem(settings.SAML_SP_PRIVATE_KEY)
    cert = read_pem(settings.SAML_SP_CERTIFICATE)
    if key and cert:
        return key, cert
    if key or cert:
        raise ImproperlyConfigured("Set both SAML_SP_PRIVATE_KEY and SAML_SP_CERTIFICATE, or neither.")
    return _generated_pair(str(settings.SAML_SP_KEY_DIR))


def sp_next_certificate() -> str:
    return read_pem(settings.SAML_SP_NEXT_CERTIFICATE)


def sp_entity_id() -> str:
    return settings.SAML_SP_ENTITY_ID or f"{settings.SITE_URL}/saml/metadata"
