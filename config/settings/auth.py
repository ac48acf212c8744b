"""Sign-in: django-allauth for local accounts (ORCID and SAML providers join here)."""

from .env import env

ACCOUNT_LOGIN_METHODS = {"email", "username"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "username*", "password1*", "password2*"]
# Local accounts prove their address before they can sign in (ORCID and SAML accounts come verified
# by their identity provider).
ACCOUNT_EMAIL_VERIFICATION = env("ACCOUNT_EMAIL_VERIFICATION", default="mandatory")
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_DEFAULT_HTTP_PROTOCOL = env("ACCOUNT_DEFAULT_HTTP_PROTOCOL", default="http")
# Failed sign-ins per IP and per account (allauth's own limiter, cache-backed).
ACCOUNT_RATE_LIMITS = {"login_failed": "10/m/ip,5/5m/key"}

# API tokens: lifetime in days when the client does not ask for one (0 = no expiry).
API_TOKEN_DEFAULT_DAYS = env.int("API_TOKEN_DEFAULT_DAYS", default=0)

# --- ORCID sign-in (allauth's ORCID provider, subclassed in accounts/orcid/) ---------------------
# ORCID_BASE_URL: https://orcid.org (production), https://sandbox.orcid.org, or a test server.
# ORCID_API_URL: where records are read; empty means the public API beside the site
# (https://pub.orcid.org/v3.0, https://pub.sandbox.orcid.org/v3.0, <test server>/v3.0).
# The provider is on only when ORCID_CLIENT_ID is set.
ORCID_BASE_URL = env("ORCID_BASE_URL", default="https://orcid.org").rstrip("/")
ORCID_API_URL = env("ORCID_API_URL", default="").rstrip("/")
ORCID_CLIENT_ID = env("ORCID_CLIENT_ID", default="")
ORCID_CLIENT_SECRET = env("ORCID_CLIENT_SECRET", default="")
# Seconds per call of allauth's outside requests (ORCID's token endpoint and record).
SOCIALACCOUNT_REQUESTS_TIMEOUT = env.int("ORCID_TIMEOUT", default=10)
SOCIALACCOUNT_ADAPTER = "accounts.adapters.SocialAccountAdapter"


def orcid_provider_settings(*, base_url: str, client_id: str, secret: str, api_url: str = "") -> dict:
    """allauth's `SOCIALACCOUNT_PROVIDERS["orcid"]`: Estran's provider class, where ORCID is, and
    the client as a settings-only app (no SocialApp row). Tests call it with their test server."""
    return {
        "provider_class": "accounts.orcid.provider.OrcidProvider",
        "BASE_URL": base_url.rstrip("/"),
        "API_URL": api_url.rstrip("/"),
        "SCOPE": ["/authenticate"],
        "APPS": [{"client_id": client_id, "secret": secret}] if client_id else [],
    }


ORCID_SOCIALACCOUNT_PROVIDER = orcid_provider_settings(
    base_url=ORCID_BASE_URL, api_url=ORCID_API_URL, client_id=ORCID_CLIENT_ID, secret=ORCID_CLIENT_SECRET
)

# --- Look-ups in the deposit wizard (accounts/lookups.py) -----------------------------------------
# The name on an ORCID record is read, when an ORCID iD is typed in the people step, from
# `<ORCID_API_URL>/<iD>/person`, only when ORCID_API_URL is set: sign-in's fallback (the API beside
# ORCID_BASE_URL) does not turn it on, so that nothing is asked of ORCID that was not configured.
# ROR_API_URL: the Research Organization Registry's API v2 (https://api.ror.org/v2), searched as
# an affiliation is typed; empty: affiliations and their ROR ids are typed by hand.
ROR_API_URL = env("ROR_API_URL", default="").rstrip("/")
# Seconds per look-up call (someone is typing: better no answer than a late one).
LOOKUP_TIMEOUT = env.float("LOOKUP_TIMEOUT", default=3.0)
# How long an answer is kept in the cache (names and organisations change seldom).
LOOKUP_CACHE_SECONDS = env.int("LOOKUP_CACHE_SECONDS", default=6 * 3600)
