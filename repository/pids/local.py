"""The local demo DOI provider: DOIs under DataCite's test prefix 10.5072, never registered
anywhere (every page that shows one says so); it keeps the state a registration agency would."""
from __future__ import annotations

from django.conf import settings

from .base import DOIProvider, DOIState, RemoteDOI


class LocalDOIProvider(DOIProvider):
    name = "local"
    is_demo = True

    @property
    def prefix(self) -> str:
        return settings.LOCAL_DOI_PREFIX

    def reserve(self, *, doi: str, xml: bytes) -> None:
        return None

    def register(self, *, doi: str, url: str, xml: bytes) -> None:
        return None

    def update(self, *, doi: str, url: str, xml: bytes) -> None:
        return None

    def hide(self, *, doi: str) -> None:
        return None

    def delete(self, *, doi: str) -> None:
        return None

    def get(self, *, doi: str) -> RemoteDOI | None:
        from repository.models import PersistentIdentifier

        pid = PersistentIdentifier.objects.filter(doi=doi).first()
        if pid is None:
            return None
        return RemoteDOI(doi=doi, state=DOIState(pid.state), url=pid.url or None, xml=None)
