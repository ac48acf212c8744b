"""A real `celery worker` process for the integration tests, on the test database and the session's
Redis queue: the one way the suite starts a worker (tests/conftest.py's `celery_worker` on local
storage, tests/fakes/s3_server.py's on the S3 server)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_database_url() -> str:
    from django.conf import settings

    db = settings.DATABASES["default"]
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@contextmanager
def celery_worker_process(
    *, queue: str, env: dict[str, str], log_dir: Path, concurrency: int = 4, name: str = "The Celery worker"
):
    """Start a worker consuming `queue` with this environment added, wait until it is ready (or
    fail with the end of its log), and stop it on exit. The process carries `queue` and `log_path`."""
    from django.conf import settings

    from tests.conftest import require_service

    require_service("Redis", settings.CELERY_BROKER_URL)
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": test_database_url(),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        **env,
    }
    log_path = log_dir / "worker.log"
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--pool",
                "threads",
                "--concurrency",
                str(concurrency),
                "-Q",
                queue,
                "--without-mingle",
                "--without-gossip",
                "-l",
                "info",
            ],
            cwd=ROOT,
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 60
            while "ready." not in log_path.read_text():
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"{name} did not start:\n{log_path.read_text()[-3000:]}")
                time.sleep(0.2)
            proc.queue, proc.log_path = queue, log_path
            yield proc
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
