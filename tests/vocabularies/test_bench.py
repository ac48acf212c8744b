"""bench/thesaurus/run.py, run small so that it cannot rot (the real figures: bench/README.md): 1,000
concepts and 10 queries (`make bench-check`: 2,000 and 20)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import BENCH_FULL

from .conftest import ROOT

CONCEPTS, QUERIES = (2000, 20) if BENCH_FULL else (1000, 10)


def test_the_type_ahead_benchmark_runs(tmp_path):
    from django.conf import settings

    db = settings.DATABASES["default"]
    if not db["ENGINE"].endswith("postgresql"):
        pytest.skip("the benchmark runs on PostgreSQL")
    url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}_bench"
    out = tmp_path / "bench.json"
    env = {"PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", "/root"), "DATABASE_URL": url}
    done = subprocess.run(
        [
            sys.executable,
            "bench/thesaurus/run.py",
            "--concepts",
            str(CONCEPTS),
            "--queries",
            str(QUERIES),
            "--rounds",
            "1",
            "--demo-corpus",
            "--json",
            str(out),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["concepts"] >= CONCEPTS and report["overall"]["samples"] == QUERIES
    assert {"p50", "p95", "p99"} <= set(report["overall"])
    assert "meets the 50 ms p95 goal" in done.stderr or "MISSES" in done.stderr
