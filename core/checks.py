"""Deployment checks (Django's system check framework): settings under which Estran would run but
not keep its promises. `manage.py check`, `migrate` and `runserver` refuse to go on when one fails;
/healthz reports the same (gunicorn itself runs no checks)."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, register

# Backends whose entries live in one process (or nowhere): a sign-in limit counted there is counted
# apart by every web process, and a SAML assertion replayed to another process looks new to it.
PER_PROCESS_BACKENDS = frozenset(
    {
        "django.core.cache.backends.locmem.LocMemCache",
        "django.core.cache.backends.dummy.DummyCache",
    }
)


def per_process_caches() -> list[str]:
    """The cache aliases that rate limits and SAML replay protection use whose entries stay in one
    process."""
    aliases = {"default", getattr(settings, "SAML_REPLAY_CACHE", "default")}
    return sorted(alias for alias in aliases if settings.CACHES.get(alias, {}).get("BACKEND") in PER_PROCESS_BACKENDS)


@register()
def shared_cache(app_configs, **kwargs) -> list[Error]:
    """Production (`REQUIRE_SHARED_CACHE`) runs several processes: its cache must be shared."""
    if not getattr(settings, "REQUIRE_SHARED_CACHE", False):
        return []
    return [
        Error(
            f"The cache '{alias}' ({settings.CACHES[alias]['BACKEND'].rsplit('.', 1)[-1]}) lives inside each "
            "process: sign-in rate limits and SAML replay protection would not hold across web processes.",
            hint="Set CACHE_URL to a cache every process shares, e.g. redis://redis:6379/1.",
            id="estran.E001",
        )
        for alias in per_process_caches()
    ]
