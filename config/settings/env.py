"""The one environment reader every settings module uses."""

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"
env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)
