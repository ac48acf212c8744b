"""bench/search/run.py, run small so that it cannot rot (the real figures: bench/README.md): 500
records and 10 queries (`make bench-check`: 1,500 and 20)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import BENCH_FULL

ROOT = Path(__file__).resolve().parents[2]
RECORDS, QUERIES = (1500, 20) if BENCH_FULL else (500, 10)


def test_the_search_benchmark_runs(tmp_path):
    from django.conf import settings

    db = settings.DATABASES["default"]
    if not db["ENGINE"].endswith("postgresql"):
        pytest.skip("the benchmark runs on PostgreSQL")
    url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}_bench_search"
    out = tmp_path / "bench.json"
    env = {"PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", "/root"), "DATABASE_URL": url}
    done = subprocess.run(
        [
            sys.executable,
            "bench/search/run.py",
            "--records",
            str(RECORDS),
            "--queries",
            str(QUERIES),
            "--rounds",
            "1",
            "--json",
            str(out),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["records"] >= RECORDS and report["searchable"] >= RECORDS
    for target in report["targets"].values():
        assert target["overall"]["samples"] == QUERIES
        assert {"p50", "p95", "p99"} <= set(target["overall"])
    assert "the 100 ms p95 goal" in done.stderr
