"""The search tests again on SQLite, the embedded default's database (the suite runs on
PostgreSQL): the words' syntax (`test_syntax.py`) and the rest of the search (`test_search.py`)
must give the same records on both. A pytest of its own, in a subprocess, with `DATABASE_URL`
pointing at SQLite; it fails, never skips, when a test there fails or skips."""

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MODULES = ["tests/search/test_syntax.py", "tests/search/test_search.py"]


def test_the_search_tests_pass_on_sqlite_too(tmp_path):
    report = tmp_path / "report.xml"
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'estran.sqlite3'}",
        "ESTRAN_TEST_VENDOR": "sqlite",  # test_syntax.py checks that it did run on SQLite
        "CI": "true",  # a service missing there fails instead of skipping
    }
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-m",
            "not browser",
            f"--junitxml={report}",
            *MODULES,
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=280,
    )
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:]
    suite = ET.parse(report).getroot().find("testsuite")
    counts = {name: int(suite.get(name)) for name in ("tests", "failures", "errors", "skipped")}
    assert counts["tests"] > 40 and counts["failures"] == counts["errors"] == counts["skipped"] == 0, counts
