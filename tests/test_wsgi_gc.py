"""The web process's entry point keeps what it loaded out of the garbage collector's full passes
(config/wsgi.py), in a process of its own as gunicorn's worker imports it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_loaded_application_is_frozen_for_the_garbage_collector():
    probe = "import gc, config.wsgi; print(gc.get_freeze_count())"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    answer = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert answer.returncode == 0, answer.stderr
    assert int(answer.stdout.strip().splitlines()[-1]) > 10_000  # Django and the apps' objects
