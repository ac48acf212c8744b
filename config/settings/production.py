"""Production: secrets must come from the environment; cookies and redirects are hardened."""

from django.core.exceptions import ImproperlyConfigured

from .base import *
from .base import SECRET_KEY, SITE_URL, env

if SECRET_KEY.startswith("estran-embedded-default"):
    raise ImproperlyConfigured("SECRET_KEY must be set in production.")

DEBUG = False
_https = SITE_URL.startswith("https://")
SESSION_COOKIE_SECURE = _https
CSRF_COOKIE_SECURE = _https
# A site whose address is https is served only over https: http is redirected and browsers are
# told (HSTS, a year) never to try http again. Both are opt-out (SECURE_SSL_REDIRECT=false,
# SECURE_HSTS_SECONDS=0), for a site that must also answer on http.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=_https)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=365 * 24 * 3600 if _https else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
if not SECURE_HSTS_PRELOAD:
    # Preloading binds the registrable domain and every name under it, for months: a decision for
    # that domain's owner (SECURE_HSTS_PRELOAD=true), not a default; Django's reminder is silenced.
    SILENCED_SYSTEM_CHECKS = [*globals().get("SILENCED_SYSTEM_CHECKS", []), "security.W021"]
# Container health checks ask /healthz over plain http from inside: never redirected.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]


def _proxy_ssl_header(name: str) -> tuple[str, str] | None:
    """`X-Forwarded-Proto` or `HTTP_X_FORWARDED_PROTO` as Django's (META key, "https"). Trusting
    such a header lets any client claim https unless a proxy in front always overwrites it, so it
    is trusted only when the operator names it."""
    name = name.strip().upper().replace("-", "_")
    if not name:
        return None
    return (name if name.startswith("HTTP_") else f"HTTP_{name}", "https")


SECURE_PROXY_SSL_HEADER = _proxy_ssl_header(env("SECURE_PROXY_SSL_HEADER", default=""))
SECURE_CONTENT_TYPE_NOSNIFF = True
# Several web processes: sign-in rate limits and SAML replay protection need a cache they share
# (CACHE_URL); core.checks refuses to start on a per-process one and /healthz reports it.
REQUIRE_SHARED_CACHE = True
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if _https else "http"
