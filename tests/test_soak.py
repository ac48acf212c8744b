"""The soak of issue 13: Estran as `make run` starts it (Procfile.dev's web server and worker with
beat, SQLite, the file-system broker, the local store) and the same processes on the suite's
PostgreSQL and Redis, side by side, each used at once for a bounded time by 8 depositors (deposits
of 3 to 7 files of a few MiB in parallel parts, submitted, changes answered), 2 moderators (claim,
comment, request changes, approve) and 4 readers (search, landing pages, DOIs). Afterwards: no 5xx,
every file ready, every approved deposit published with its DOI findable, every e-mail the
notifications decided received exactly once by the mail server, no failed task and no "database is
locked".

`SOAK_SECONDS` sets how long new deposits are started (15 here); `make soak` runs it for longer,
one stack after the other, and bench/soak/run.py reports the figures (bench/README.md)."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import pytest

from bench.soak.run import soak
from bench.soak.scenario import Plan
from tests.conftest import require_service

# Timed: runs alone, after the parallel part of the suite (Makefile `test`).
pytestmark = pytest.mark.serial

SECONDS = float(os.environ.get("SOAK_SECONDS", "15"))


def _postgres_and_redis() -> tuple[str, str]:
    """The suite's PostgreSQL server (a database of the soak's own) and Redis."""
    from django.conf import settings

    db = settings.DATABASES["default"]
    host, port = db.get("HOST") or "127.0.0.1", db.get("PORT") or 5432
    require_service("PostgreSQL", f"postgres://{host}:{port}")
    require_service("Redis", settings.CELERY_BROKER_URL)
    user = db.get("USER") or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return (f"postgres://{user}{password}@{host}:{port}/{db['NAME']}_soak_{os.getpid()}", settings.CELERY_BROKER_URL)


def test_estran_holds_up_under_eight_depositors_two_moderators_and_four_readers_at_once(tmp_path):
    """Both stacks at once, side by side on the machine (each with its own database, broker, store,
    mail server and port): each holds up while the other loads the same cores, a harder test than
    one after the other, and half the wall time."""
    stacks = {"embedded": ("", ""), "postgres": _postgres_and_redis()}
    with ThreadPoolExecutor(max_workers=len(stacks)) as pool:
        running = {
            backend: pool.submit(
                soak,
                tmp_path / backend,
                backend=backend,
                plan=Plan(seconds=SECONDS),
                database_url=database_url,
                broker_url=broker_url,
                log=lambda message: None,
            )
            for backend, (database_url, broker_url) in stacks.items()
        }
        reports = {backend: future.result() for backend, future in running.items()}
    for backend, report in reports.items():
        assert report["problems"] == [], (backend, report)
        # It did something: deposits went all the way, with their files, through both decisions.
        assert report["deposits_published"] >= 8, (backend, report)
        assert report["deposits_published"] == report["deposits_started"], (backend, report)
        assert report["files"] == {"ready": report["files_uploaded"]}, (backend, report)
        assert report["changes_requested"] > 0, (backend, report)
        assert report["mails"] > report["deposits_published"], (backend, report)
        assert report["statuses"].get("202", 0) > 0, f"{backend}: no file went through the worker's verification"
