"""bench/search/run.py, run small so that it cannot rot (the real figures: bench/README.md): 500
records and 10 queries (`make bench-check`: 1,500 and 20, and once more on a PostgreSQL server of its
own with the settings of README's *Search at scale*, `--own-postgres`)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tests.conftest import BENCH_FULL

ROOT = Path(__file__).resolve().parents[2]
RECORDS, QUERIES = (1500, 20) if BENCH_FULL else (500, 10)


@pytest.mark.parametrize("own_postgres", [False, True] if BENCH_FULL else [False])
def test_the_search_benchmark_runs(tmp_path, own_postgres, request):
    from django.conf import settings

    db = settings.DATABASES["default"]
    if not db["ENGINE"].endswith("postgresql"):
        pytest.skip("the benchmark runs on PostgreSQL")
    url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}_bench_search"
    out = tmp_path / "bench.json"
    # the server runs as `postgres` (the tests as root): its directory where that user can reach it
    pgdata = Path(tempfile.gettempdir()) / f"estran-bench-pg-{os.getpid()}"
    request.addfinalizer(lambda: shutil.rmtree(pgdata, ignore_errors=True))
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
            *(["--own-postgres", str(pgdata)] if own_postgres else []),
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
    assert "the 100 ms p95 goal" in done.stderr and "the 200 ms p99 goal" in done.stderr
    assert report["postgres_settings"]["jit"] in ("on", "off")
    if own_postgres:
        assert report["postgres_settings"]["shared_buffers"] == "6GB"
