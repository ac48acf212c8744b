"""The landing-page benchmark (bench/landing/run.py) runs end to end on a few hundred records, so
that it cannot rot: its own PostgreSQL database, gunicorn on loopback, every target measured."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import require_service

ROOT = Path(__file__).resolve().parents[2]


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
            "300",
            "--hot",
            "60",
            "--seconds",
            "1",
            "--rounds",
            "1",
            "--warm-up",
            "0.5",
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
    assert figures["published_records"] == 300 and figures["hot_records"] == 60
    for target in ("trivial", "landing", "same_size_bytes", "one_query_same_size", "landing_first_views"):
        assert figures[target]["requests"] > 0 and figures[target]["errors"] == 0, target
    assert set(figures["landing"]["statuses"]) == {"200"}
    assert 0 < figures["ratio"] < 2 and figures["landing_page_bytes_median"] > 10_000
