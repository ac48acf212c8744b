"""The harvesting benchmark (bench/oai/run.py) runs end to end on a few hundred records, so that it
cannot rot: its own PostgreSQL database, gunicorn on loopback, Sickle following every token."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import require_service

ROOT = Path(__file__).resolve().parents[2]


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
            "250",
            "--page-size",
            "40",
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
    assert figures["records_harvested"] == 250 and figures["missed"] == figures["duplicates"] == 0
    assert figures["deleted_announced"] == 2  # 1 % withdrawn
    assert figures["pages"] == 7
    assert figures["records_per_second"] > 0 and figures["web_rss_mib"]["peak"] > 0
