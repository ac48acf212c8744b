"""The harvesting benchmark (bench/oai/run.py) runs end to end on 100 records in pages of 20, so that
it cannot rot: its own PostgreSQL database, gunicorn on loopback, Sickle following every token
(`make bench-check`: 250 records in pages of 40)."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

from tests.conftest import BENCH_FULL, require_service

ROOT = Path(__file__).resolve().parents[2]
RECORDS, PAGE_SIZE = (250, 40) if BENCH_FULL else (100, 20)


def test_the_harvest_benchmark_harvests_every_record_once(tmp_path, settings):
    db = settings.DATABASES["default"]
    require_service("PostgreSQL", f"postgres://{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}")
    out = tmp_path / "oai.json"
    # A database of this test session's own (named after its test database), reseeded each time.
    finished = subprocess.run(
        [
            sys.executable,
            "bench/oai/run.py",
            "--records",
            str(RECORDS),
            "--page-size",
            str(PAGE_SIZE),
            "--reseed",
            "--database",
            f"{db['NAME']}_oai_bench",
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
    assert figures["records_harvested"] == RECORDS and figures["missed"] == figures["duplicates"] == 0
    assert figures["deleted_announced"] == RECORDS // 100  # 1 % withdrawn
    assert figures["pages"] == math.ceil(RECORDS / PAGE_SIZE)
    assert figures["records_per_second"] > 0 and figures["web_rss_mib"]["peak"] > 0
