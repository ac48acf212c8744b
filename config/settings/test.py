"""The test suite: the real services (PostgreSQL, Redis) unless DATABASE_URL / CELERY_BROKER_URL
say otherwise, fast password hashing, mail kept in memory."""

import os

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/estran")
os.environ.setdefault("CELERY_BROKER_URL", "redis://127.0.0.1:6379/15")
# Each test session has its own queue, so that a worker never takes another session's tasks; under
# pytest-xdist each process has its own too (they inherit the first process's environment, and each
# has its own test database: a task taken by another process's worker would be looked for there).
os.environ.setdefault("CELERY_TASK_DEFAULT_QUEUE", f"estran-test-{os.getpid()}")
if os.environ.get("PYTEST_XDIST_WORKER"):
    os.environ["CELERY_TASK_DEFAULT_QUEUE"] += f"-{os.environ['PYTEST_XDIST_WORKER']}"
os.environ.setdefault("LOCAL_STORAGE_ROOT", os.path.join(os.path.dirname(__file__), "..", "..", "var", "test-storage"))

from .base import *

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
