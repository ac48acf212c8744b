"""The cache (sign-in rate limits, SAML replay protection): Redis in production, memory otherwise.
Rate limits only hold across processes with a shared cache, so set CACHE_URL with several workers."""

from .env import env

CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://estran")}
# Production sets it: a per-process cache is then refused (core/checks.py) and /healthz says so.
REQUIRE_SHARED_CACHE = False
