"""Institutional sign-in (eduGAIN / Renater, SAML 2): Estran is one service provider (SP) whose
identity providers (IdPs) come from a federation's signed metadata aggregate.

Every value comes from the environment (`SAML_*`, documented in the README). Keys and certificates
are PEM text or a path to a PEM file; with none configured, a self-signed SP key pair is generated
once into `var/saml/` (the embedded default and the tests)."""

from .broker import CELERY_BEAT_SCHEDULE
from .env import VAR_DIR, env

# The SP's entityID; empty means `<SITE_URL>/saml/metadata`, the URL of the SP metadata itself.
SAML_SP_ENTITY_ID = env("SAML_SP_ENTITY_ID", default="")
SAML_SP_PRIVATE_KEY = env("SAML_SP_PRIVATE_KEY", default="")
SAML_SP_CERTIFICATE = env("SAML_SP_CERTIFICATE", default="")
# A key pair announced ahead of a rollover: published in the metadata, used once it is current.
SAML_SP_NEXT_CERTIFICATE = env("SAML_SP_NEXT_CERTIFICATE", default="")
SAML_SP_KEY_DIR = env.path("SAML_SP_KEY_DIR", default=VAR_DIR / "saml")
# What the federation shows of the SP (mdui) and whom it contacts.
SAML_SP_DISPLAY_NAME_EN = env("SAML_SP_DISPLAY_NAME_EN", default="Estran research-data repository")
SAML_SP_DISPLAY_NAME_FR = env("SAML_SP_DISPLAY_NAME_FR", default="Entrepôt de données de recherche Estran")
SAML_SP_INFORMATION_URL = env("SAML_SP_INFORMATION_URL", default="")
SAML_SP_PRIVACY_URL = env("SAML_SP_PRIVACY_URL", default="")
SAML_SP_TECHNICAL_CONTACT = env("SAML_SP_TECHNICAL_CONTACT", default="")
SAML_SP_SUPPORT_CONTACT = env("SAML_SP_SUPPORT_CONTACT", default="")
SAML_SP_SECURITY_CONTACT = env("SAML_SP_SECURITY_CONTACT", default="")
SAML_SP_ORGANIZATION_NAME = env("SAML_SP_ORGANIZATION_NAME", default="Estran")
SAML_SP_ORGANIZATION_URL = env("SAML_SP_ORGANIZATION_URL", default="")

# Assertions must be signed (always). Encrypted assertions are decrypted whenever an IdP sends
# them (the metadata publishes an encryption key); set this to refuse unencrypted ones.
SAML_WANT_ASSERTIONS_ENCRYPTED = env.bool("SAML_WANT_ASSERTIONS_ENCRYPTED", default=False)
# Tolerated clock difference with the IdPs, in seconds (NotBefore / NotOnOrAfter checks).
SAML_CLOCK_SKEW_SECONDS = env.int("SAML_CLOCK_SKEW_SECONDS", default=180)
# The cache (alias in CACHES) that remembers consumed assertion IDs until they expire, refusing
# replays. Several web processes need a shared cache (Redis) for this to hold across them.
SAML_REPLAY_CACHE = env("SAML_REPLAY_CACHE", default="default")

# The federation's metadata aggregate, and the certificate its signature is checked against.
SAML_FEDERATION_METADATA_URL = env("SAML_FEDERATION_METADATA_URL", default="")
SAML_FEDERATION_CERT = env("SAML_FEDERATION_CERT", default="")
SAML_FEDERATION_TIMEOUT = env.float("SAML_FEDERATION_TIMEOUT", default=60.0)
# An aggregate whose validUntil is further away than this is refused (a replayed stale copy
# signed long ago cannot have a far future validUntil; 0 disables the check).
SAML_FEDERATION_MAX_VALIDITY_DAYS = env.int("SAML_FEDERATION_MAX_VALIDITY_DAYS", default=30)
SAML_FEDERATION_IMPORT_HOUR = env.int("SAML_FEDERATION_IMPORT_HOUR", default=3)

# allauth builds a SAML "organization" per IdP from the IdentityProvider table
# (accounts.saml.adapter); all of them share this slug, so the SP has one ACS URL.
SAML_ORGANIZATION_SLUG = "federation"
SAML_SOCIALACCOUNT_PROVIDER = {"provider_class": "accounts.saml.provider.FederationSAMLProvider"}

if SAML_FEDERATION_METADATA_URL:
    from celery.schedules import crontab

    CELERY_BEAT_SCHEDULE["saml-federation-import"] = {
        "task": "accounts.saml.import_federation",
        "schedule": crontab(minute=17, hour=SAML_FEDERATION_IMPORT_HOUR),
    }
