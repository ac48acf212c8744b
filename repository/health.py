"""Repository's parts of /healthz (registered in core.hooks by RepositoryConfig.ready)."""

from __future__ import annotations

from django.conf import settings
from django.db.models import Min
from django.db.models.functions import Coalesce
from django.utils import timezone

from repository.models import PersistentIdentifier
from repository.storage import get_store


def check_storage() -> dict:
    store = get_store()
    store.check()
    return {"backend": store.name}


def report_doi_outbox() -> dict:
    pending = PersistentIdentifier.objects.filter(sync=PersistentIdentifier.Sync.pending)
    # Pending since it last became so (a DOI reserved a month ago and published now is new work).
    oldest = pending.aggregate(oldest=Min(Coalesce("pending_since", "created")))["oldest"]
    return {
        "provider": settings.DOI_PROVIDER,
        "pending": pending.count(),
        "rejected": PersistentIdentifier.objects.filter(sync=PersistentIdentifier.Sync.rejected).count(),
        "oldest_pending_seconds": int((timezone.now() - oldest).total_seconds()) if oldest else 0,
    }
