"""The seconds each test file took in a run of the suite (`tests/durations.json`), from which
`tests/conftest.py` orders the files longest first for pytest-xdist (`--dist loadfile` hands files
out in collection order: a long file handed out last keeps one process busy while the other idles).

Refresh it after tests are added or made faster (`make durations`): it reads pytest's
`--durations=0` report and keeps the files of 5 seconds or more (setup, call and teardown together).

    .venv/bin/python -m tests.durations durations.log > tests/durations.json
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from pathlib import Path

TABLE = Path(__file__).with_name("durations.json")
KEEP_SECONDS = 5
_LINE = re.compile(r"\s*([\d.]+)s (?:call|setup|teardown)\s+([^:\s]+)::")


def seconds_by_file(report: str) -> dict[str, int]:
    total: Counter[str] = Counter()
    for line in report.splitlines():
        if match := _LINE.match(line):
            total[match.group(2)] += float(match.group(1))
    return {path: round(seconds) for path, seconds in total.most_common() if seconds >= KEEP_SECONDS}


def load() -> dict[str, int]:
    return json.loads(TABLE.read_text()) if TABLE.is_file() else {}


if __name__ == "__main__":
    print(json.dumps(seconds_by_file(Path(sys.argv[1]).read_text()), indent=1))  # noqa: T201 - the script's output
