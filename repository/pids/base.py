"""The DOI provider interface, chosen from settings (`DOI_PROVIDER`), and DOI minting.

A provider knows a DOI registration agency, never our models: it receives a DOI, a landing-page URL
and the DataCite XML. Every method is idempotent (PUT semantics), so a retried task is safe.
Failures are one of two errors: `RetryableError` (timeouts, connection errors, 5xx, 429) and
`RejectedError` (4xx: the agency refuses what we sent; retrying would not help).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

import base32_lib
from django.conf import settings
from django.utils.module_loading import import_string


class DOIState(str, Enum):
    """DataCite's states for a DOI, plus `none` (never sent to the agency) and `deleted` (a draft
    the agency deleted at our request; the DOI is never minted again)."""

    none = "none"
    draft = "draft"
    registered = "registered"
    findable = "findable"
    deleted = "deleted"


# States the agency keeps forever: a DOI in one of them can never be deleted.
PERMANENT_STATES = frozenset({DOIState.registered.value, DOIState.findable.value})


class ProviderError(Exception):
    def __init__(self, message: str, *, status: int | None = None, retry_after: float | None = None):
        super().__init__(message)
        self.message = message
        self.status = status
        self.retry_after = retry_after


class RetryableError(ProviderError):
    """The agency could not be reached or failed; the same call may succeed later."""


class RejectedError(ProviderError):
    """The agency refused the request; the message says why. Not retried."""


@dataclass(frozen=True)
class RemoteDOI:
    doi: str
    state: DOIState
    url: str | None
    xml: bytes | None


class DOIProvider:
    """Base class: `reserve` (draft), `register` (findable), `update`, `hide` (registered), `delete`
    (drafts only) and `get`.

    `reserve`, `register` and `hide` return the state the agency answered with when it says (None
    when it does not), so that the caller records what the agency confirmed, not what it asked for.
    `hide` takes the landing page and metadata too: a withdrawn record's DOI is hidden with its
    final metadata, and a DOI that never left the draft state is registered (hidden) at once."""

    name: str = ""
    is_demo: bool = False

    @property
    def prefix(self) -> str:
        raise NotImplementedError

    def reserve(self, *, doi: str, xml: bytes) -> DOIState | None:
        raise NotImplementedError

    def register(self, *, doi: str, url: str, xml: bytes) -> DOIState | None:
        raise NotImplementedError

    def update(self, *, doi: str, url: str, xml: bytes) -> None:
        raise NotImplementedError

    def hide(self, *, doi: str, url: str | None = None, xml: bytes | None = None) -> DOIState | None:
        raise NotImplementedError

    def delete(self, *, doi: str) -> None:
        raise NotImplementedError

    def get(self, *, doi: str) -> RemoteDOI | None:
        raise NotImplementedError

    def mint(self) -> str:
        """A new DOI: the prefix and an opaque suffix whose last two characters are a checksum
        (Crockford base32, as InvenioRDM does), so a mistyped DOI is recognised."""
        return f"{self.prefix}/estran.{base32_lib.generate(length=10, split_every=5, checksum=True)}"


def suffix_is_valid(doi: str) -> bool:
    _, _, suffix = doi.partition("/")
    if not suffix.startswith("estran."):
        return False
    try:
        base32_lib.decode(suffix.removeprefix("estran."), checksum=True)
    except ValueError:
        return False
    return True


def get_provider(name: str | None = None) -> DOIProvider:
    name = name or settings.DOI_PROVIDER
    try:
        path = settings.DOI_PROVIDERS[name]
    except KeyError:
        raise ValueError(f"Unknown DOI_PROVIDER {name!r}; choose one of {sorted(settings.DOI_PROVIDERS)}.") from None
    return import_string(path)()
