"""The local demo DOI provider: DOIs under DataCite's test prefix 10.5072, never registered
anywhere (every page that shows one says so); it keeps the state a registration agency would.
Its `get` answers from our own table: reconciliation has nothing to compare with and finds no drift."""

from __future__ import annotations

from django.conf import settings

from repository.models import PersistentIdentifier

from .base import DOIProvider, DOIState, RemoteDOI


class LocalDOIProvider(DOIProvider):
    name = "local"
    is_demo = True

    @property
    def prefix(self) -> str:
        return settings.LOCAL_DOI_PREFIX

    def reserve(self, *, doi: str, xml: bytes) -> DOIState | None:
        return DOIState.draft

    def register(self, *, doi: str, url: str, xml: bytes) -> DOIState | None:
        return DOIState.findable

    def update(self, *, doi: str, url: str, xml: bytes) -> None:
        return None

    def hide(self, *, doi: str, url: str | None = None, xml: bytes | None = None) -> DOIState | None:
        return DOIState.registered

    def delete(self, *, doi: str) -> None:
        return None

    def get(self, *, doi: str) -> RemoteDOI | None:
        pid = PersistentIdentifier.objects.filter(doi=doi).first()
        if pid is None or pid.state in (DOIState.none, DOIState.deleted):
            return None
        return RemoteDOI(doi=doi, state=DOIState(pid.state), url=pid.url or None, xml=None)
