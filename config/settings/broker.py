"""Celery: Redis in production and tests; with nothing configured, kombu's file-system transport,
which needs no server but still runs tasks in a real worker process."""

from pathlib import Path

from .env import VAR_DIR, env

CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="filesystem://")
BROKER_IS_FILESYSTEM = CELERY_BROKER_URL.startswith("filesystem://")
if BROKER_IS_FILESYSTEM:
    _broker_dir = Path(env("CELERY_BROKER_FOLDER", default=str(VAR_DIR / "broker")))
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
    for _folder in ("queue", "control"):
        (_broker_dir / _folder).mkdir(parents=True, exist_ok=True)
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_BROKER_CONNECTION_TIMEOUT = env.float("CELERY_BROKER_CONNECTION_TIMEOUT", default=5.0)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_TASK_DEFAULT_QUEUE", default="estran")
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True  # a worker killed mid-task leaves the message to be redelivered
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
from celery.schedules import crontab  # noqa: E402

from .pids import DOI_RECONCILE_HOUR, DOI_RECONCILE_WEEKDAY, EMBARGO_LIFT_MINUTE  # noqa: E402

CELERY_BEAT_SCHEDULE = {
    "pids-redrive": {"task": "repository.pids.redrive", "schedule": 300.0},
    # DOIs: compare every DOI with DataCite once a week; embargoes: lift the day's every day.
    "pids-reconcile": {
        "task": "repository.pids.reconcile",
        "schedule": crontab(minute=30, hour=DOI_RECONCILE_HOUR, day_of_week=DOI_RECONCILE_WEEKDAY),
    },
    "records-lift-embargoes": {
        "task": "repository.records.lift_embargoes",
        "schedule": crontab(minute=EMBARGO_LIFT_MINUTE, hour=0),
    },
}
