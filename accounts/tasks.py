"""Celery tasks of accounts: the daily import of the SAML federation's metadata."""

from celery import shared_task
from django.conf import settings

from accounts.saml.federation import federation_import


@shared_task(name="accounts.saml.import_federation", bind=True, max_retries=3)
def import_federation_task(self) -> dict:
    """Scheduled by beat when SAML_FEDERATION_METADATA_URL is set. A refused aggregate is recorded
    (FederationImport, with its reason) and logged, and the previous IdPs stay in force; a failed
    download is tried again half an hour later, three times."""
    if not settings.SAML_FEDERATION_METADATA_URL:
        return {"status": "skipped", "reason": "SAML_FEDERATION_METADATA_URL is not set"}
    record = federation_import(source=settings.SAML_FEDERATION_METADATA_URL)
    if getattr(record, "retryable", False) and self.request.retries < self.max_retries:
        raise self.retry(countdown=1800)
    return {
        "status": record.status,
        "reason": record.reason,
        "created": record.created,
        "updated": record.updated,
        "deactivated": record.deactivated,
    }
