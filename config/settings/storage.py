"""File storage: `local` (a folder, the embedded default) or `s3` (any S3 API), upload sessions'
clean-up and the fixity audit."""

from whitenoise.compress import Compressor

from .broker import CELERY_BEAT_SCHEDULE as _BROKER_BEAT_SCHEDULE
from .env import VAR_DIR, env

STORAGE_BACKEND = env("STORAGE_BACKEND", default="local")
LOCAL_STORAGE_ROOT = env.path("LOCAL_STORAGE_ROOT", default=VAR_DIR / "storage")
S3_ENDPOINT_URL = env("S3_ENDPOINT_URL", default=None)
S3_BUCKET = env("S3_BUCKET", default="estran")
S3_ACCESS_KEY_ID = env("S3_ACCESS_KEY_ID", default=None)
S3_SECRET_ACCESS_KEY = env("S3_SECRET_ACCESS_KEY", default=None)
S3_REGION = env("S3_REGION", default="us-east-1")
# `path` (MinIO, Ceph, local servers), `virtual` (AWS) or `auto`: path when S3_ENDPOINT_URL is set.
S3_ADDRESSING_STYLE = env("S3_ADDRESSING_STYLE", default="auto")
# Every S3 call has a timeout and a bounded number of attempts (retried with backoff by botocore).
S3_CONNECT_TIMEOUT = env.float("S3_CONNECT_TIMEOUT", default=5.0)
S3_READ_TIMEOUT = env.float("S3_READ_TIMEOUT", default=60.0)
S3_MAX_ATTEMPTS = env.int("S3_MAX_ATTEMPTS", default=3)

# Presigned part URLs (and the local backend's signed part URLs) stay valid this long.
UPLOAD_PART_URL_TTL_SECONDS = env.int("UPLOAD_PART_URL_TTL_SECONDS", default=6 * 3600)
# S3 refuses parts under 5 MiB (all but the last): keep this at 5 MiB or more with `s3`.
UPLOAD_MIN_PART_SIZE = env.int("UPLOAD_MIN_PART_SIZE", default=8 * 1024 * 1024)
# Files up to this size are verified in the completion request (reading back one part's worth
# costs less than a round trip through the worker, and the client gets the final state at once);
# larger ones are verified by the worker (`deposit.files.verify`) while the file is `verifying`.
UPLOAD_VERIFY_INLINE_MAX_SIZE = env.int("UPLOAD_VERIFY_INLINE_MAX_SIZE", default=8 * 1024 * 1024)
# The object store's requests a batch of files makes at once (opening, completing, reading back the
# small files): a batch of 500 files waits on 500 round trips, 8 at a time.
UPLOAD_BATCH_STORE_THREADS = env.int("UPLOAD_BATCH_STORE_THREADS", default=8)
# Files are read (NetCDF headers and suggestions) in a child process with these limits
# (repository/sandbox.py): address space in bytes, CPU seconds, wall-clock seconds. A hostile
# file then fails alone, "could not be read", instead of taking the web or worker process down.
FILE_PARSE_MEMORY_LIMIT = env.int("FILE_PARSE_MEMORY_LIMIT", default=1024**3)
FILE_PARSE_CPU_SECONDS = env.int("FILE_PARSE_CPU_SECONDS", default=20)
FILE_PARSE_TIMEOUT_SECONDS = env.float("FILE_PARSE_TIMEOUT_SECONDS", default=30.0)
# Unfinished uploads with no part received for this long are aborted (and their parts dropped).
UPLOAD_ABANDONED_HOURS = env.int("UPLOAD_ABANDONED_HOURS", default=48)
# Presigned download URLs (S3) are valid this long: enough to start a download, not to share it.
DOWNLOAD_URL_TTL_SECONDS = env.int("DOWNLOAD_URL_TTL_SECONDS", default=300)
# Each fixity-audit run re-reads at most this many files and this many bytes (oldest check first).
FIXITY_AUDIT_FILES = env.int("FIXITY_AUDIT_FILES", default=100)
FIXITY_AUDIT_BYTES = env.int("FIXITY_AUDIT_BYTES", default=20 * 1024**3)

STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(LOCAL_STORAGE_ROOT)},
    },
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Static files are compressed (gzip, Brotli) once, when collected, except what is already compressed
# and the source maps: only a browser's developer tools fetch those, and Brotli's best quality on
# the API documentation's 5 MB of them was most of `collectstatic`'s time (26 of 30 CPU seconds).
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = (*Compressor.SKIP_COMPRESS_EXTENSIONS, "map")

# Storage's periodic tasks join the broker module's schedule (base.py imports this module after it).
CELERY_BEAT_SCHEDULE = {
    **_BROKER_BEAT_SCHEDULE,
    "uploads-abort-abandoned": {
        "task": "deposit.uploads.abort_abandoned",
        "schedule": env.float("UPLOAD_ABANDONED_SWEEP_SECONDS", default=3600.0),
    },
    # Verifications lost on the way (a worker killed mid-task) are handed over again.
    "files-verify-stalled": {"task": "deposit.files.verify_stalled", "schedule": 600.0},
    "files-fixity-audit": {
        "task": "repository.files.fixity_audit",
        "schedule": env.float("FIXITY_AUDIT_INTERVAL_SECONDS", default=3600.0),
    },
}
