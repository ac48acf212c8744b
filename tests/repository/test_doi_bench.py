"""The DOI benchmark (bench/doi/run.py) runs end to end on 8 deposits, so that it cannot rot: real
workers and beat, PostgreSQL, Redis, the DataCite test server failing 20 % of requests (`make
bench-check`: 20 deposits)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import BENCH_FULL, require_service

pytestmark = pytest.mark.worker

ROOT = Path(__file__).resolve().parents[2]
DEPOSITS = 20 if BENCH_FULL else 8


def test_the_doi_benchmark_runs_and_finds_one_doi_per_record(tmp_path, settings):
    require_service("Redis", settings.CELERY_BROKER_URL)
    db = settings.DATABASES["default"]
    require_service("PostgreSQL", f"postgres://{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}")
    out = tmp_path / "doi.json"
    finished = subprocess.run(
        [
            sys.executable,
            "bench/doi/run.py",
            "--deposits",
            str(DEPOSITS),
            "--retry-base",
            "1",
            "--retry-max",
            "2",
            "--latency",
            "0",
            "--database",
            f"{db['NAME']}_doi_bench",
            "--timeout",
            "120",
            "--json",
            str(out),
        ],
        cwd=ROOT,
        timeout=300,
        capture_output=True,
        text=True,
    )
    assert finished.returncode == 0, finished.stdout[-3000:] + finished.stderr[-3000:]
    figures = json.loads(out.read_text())
    assert figures["records"] == figures["dois_at_datacite"] == DEPOSITS
    assert figures["dois_per_record"] == {"1": DEPOSITS}
    assert figures["lost"] == figures["duplicates_or_orphans"] == figures["reconciliation_drift"] == 0
    assert figures["datacite_requests"]["failed_500"] > 0  # failures were injected
