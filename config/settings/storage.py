"""File storage: `local` (a folder, the embedded default) or `s3` (any S3 API)."""
from .env import VAR_DIR, env

STORAGE_BACKEND = env("STORAGE_BACKEND", default="local")
LOCAL_STORAGE_ROOT = env.path("LOCAL_STORAGE_ROOT", default=VAR_DIR / "storage")
S3_ENDPOINT_URL = env("S3_ENDPOINT_URL", default=None)
S3_BUCKET = env("S3_BUCKET", default="estran")
S3_ACCESS_KEY_ID = env("S3_ACCESS_KEY_ID", default=None)
S3_SECRET_ACCESS_KEY = env("S3_SECRET_ACCESS_KEY", default=None)
S3_REGION = env("S3_REGION", default="us-east-1")
# Presigned part URLs (and the local backend's signed part URLs) stay valid this long.
UPLOAD_PART_URL_TTL_SECONDS = env.int("UPLOAD_PART_URL_TTL_SECONDS", default=6 * 3600)
UPLOAD_MIN_PART_SIZE = env.int("UPLOAD_MIN_PART_SIZE", default=8 * 1024 * 1024)

STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(LOCAL_STORAGE_ROOT)},
    },
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
