"""Cross-cutting endpoints: the health check."""

from __future__ import annotations

import os
import time
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from kombu import Connection

from core import hooks

from .checks import per_process_caches


def _check_database() -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"vendor": connection.vendor}


def _check_broker() -> dict:
    if settings.BROKER_IS_FILESYSTEM:
        folder = Path(settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"])
        folder.mkdir(parents=True, exist_ok=True)
        if not os.access(folder, os.W_OK):
            raise OSError(f"broker folder {folder} is not writable")
        return {"transport": "filesystem"}
    with Connection(settings.CELERY_BROKER_URL, connect_timeout=settings.CELERY_BROKER_CONNECTION_TIMEOUT) as conn:
        conn.ensure_connection(max_retries=1, timeout=settings.CELERY_BROKER_CONNECTION_TIMEOUT)
        return {"transport": conn.transport.driver_type}


def _check_cache() -> dict:
    """A value written and read back; and, where production requires it, a cache shared by every
    process (rate limits and SAML replay protection hold only then)."""
    key = f"healthz:{os.getpid()}:{time.monotonic_ns()}"
    cache.set(key, "1", 30)
    kept = cache.get(key) == "1"
    cache.delete(key)
    if not kept:
        raise OSError("the cache did not keep a value")
    per_process = per_process_caches()
    if per_process and settings.REQUIRE_SHARED_CACHE:
        raise OSError(f"per-process cache ({', '.join(per_process)}): set CACHE_URL to a shared cache")
    return {"backend": type(cache).__name__, "shared": not per_process}


CHECKS = {"database": _check_database, "broker": _check_broker, "cache": _check_cache}


@never_cache
def healthz(request):
    """Database, broker, cache and the checks the apps register (storage), each `ok` or `error`
    with the reason; HTTP 503 if one is down (or, in production, if the cache is per-process).
    The reports the apps register (the DOI outbox) are shown to operators but never make it fail."""
    report, healthy = {}, True
    for name, check in {**CHECKS, **hooks.health_checks}.items():
        started = time.monotonic()
        try:
            detail = check()
            report[name] = {"status": "ok", **detail}
        except Exception as exc:  # noqa: BLE001 - any failure is the answer
            healthy = False
            report[name] = {"status": "error", "error": f"{type(exc).__name__}: {exc}"[:300]}
        report[name]["ms"] = round((time.monotonic() - started) * 1000, 1)
    for name, report_of in hooks.health_reports.items():
        try:
            report[name] = report_of()
        except Exception as exc:  # noqa: BLE001
            report[name] = {"status": "error", "error": str(exc)[:300]}
    return JsonResponse({"status": "ok" if healthy else "error", "checks": report}, status=200 if healthy else 503)
