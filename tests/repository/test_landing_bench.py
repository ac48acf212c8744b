"""The landing-page benchmark (bench/landing/run.py) runs end to end on 100 records, half a second a
target, so that it cannot rot: its own PostgreSQL database, gunicorn on loopback, every target
measured (`make bench-check`: 300 records, a second a target)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import BENCH_FULL, require_service

ROOT = Path(__file__).resolve().parents[2]
RECORDS, HOT, SECONDS, WARM_UP = (300, 60, 1, 0.5) if BENCH_FULL else (100, 20, 0.5, 0.2)


def test_the_landing_benchmark_measures_every_target(tmp_path, settings):
    db = settings.DATABASES["default"]
    require_service("PostgreSQL", f"postgres://{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}")
    out = tmp_path / "landing.json"
    # A database of this test session's own (named after its test database), reseeded each time;
    # each web process keeps its own page cache (no Redis needed).
    finished = subprocess.run(
        [
            sys.executable,
            "bench/landing/run.py",
            "--records",
            str(RECORDS),
            "--hot",
            str(HOT),
            "--seconds",
            str(SECONDS),
            "--rounds",
            "1",
            "--warm-up",
            str(WARM_UP),
            "--clients",
            "2",
            "--reseed",
            "--cache-url",
            "locmemcache://",
            "--database",
            f"{db['NAME']}_landing_bench",
            "--database-server",
            f"postgres://{db['USER']}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}",
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
    assert figures["published_records"] == RECORDS and figures["hot_records"] == HOT
    for target in ("trivial", "landing", "same_size_bytes", "one_query_same_size", "landing_first_views"):
        assert figures[target]["requests"] > 0 and figures[target]["errors"] == 0, target
    assert set(figures["landing"]["statuses"]) == {"200"}
    assert 0 < figures["ratio"] < 2 and figures["landing_page_bytes_median"] > 10_000
