"""django-csp's middleware, with connect-src widened to where the browser sends upload parts: the
S3 endpoint of presigned part URLs (read from the settings at each response, as the store reads
them), and the site's own address, which the local store's part URLs are built on."""

from __future__ import annotations

from urllib.parse import urlsplit

from csp.middleware import CSPMiddleware
from django.conf import settings


def _origin(url: str, *, host_prefix: str = "") -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{host_prefix}{parts.netloc}" if parts.scheme and parts.netloc else ""


def upload_origins() -> list[str]:
    origins = [_origin(settings.SITE_URL)]
    if settings.STORAGE_BACKEND == "s3":
        endpoint = settings.S3_ENDPOINT_URL
        style = settings.S3_ADDRESSING_STYLE
        if style == "auto":  # as repository.storage.S3ObjectStore decides
            style = "path" if endpoint else "virtual"
        if endpoint:
            origins.append(_origin(endpoint, host_prefix=f"{settings.S3_BUCKET}." if style == "virtual" else ""))
        else:
            bucket, region = settings.S3_BUCKET, settings.S3_REGION
            origins += (
                [f"https://{bucket}.s3.amazonaws.com", f"https://{bucket}.s3.{region}.amazonaws.com"]
                if style == "virtual"
                else ["https://s3.amazonaws.com", f"https://s3.{region}.amazonaws.com"]
            )
    return [o for o in origins if o]


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request, response, report_only=report_only)
        if not report_only:
            update = dict(parts.update or {})
            update["connect-src"] = [*update.get("connect-src", []), *upload_origins()]
            parts.update = update
        return parts
