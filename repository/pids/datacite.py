"""The DataCite DOI provider: a thin REST client that knows HTTP and DataCite's vocabulary, and the
`DOIProvider` that maps our reserve / register / update / hide / delete onto it.

DataCite's states: a PUT without an event keeps (or creates) a *draft*; `publish` makes a DOI
*findable*; `hide` turns a findable DOI into *registered*; only drafts can be deleted. Every call
is a PUT of the full wanted state, so a retried task is safe.
"""

from __future__ import annotations

import base64
import json
import time
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import quote

from datacite.errors import HttpError
from datacite.request import DataCiteRequest
from django.conf import settings
from django.utils import timezone

from core.logging import get_logger
from repository.xml_validation import validate

from .base import DOIProvider, DOIState, RejectedError, RemoteDOI, RetryableError

log = get_logger(__name__)

JSONAPI = "application/vnd.api+json"


def _retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, (when - timezone.now()).total_seconds())


def _error_messages(response) -> list[str]:
    """DataCite's JSON:API `errors[]` as "source: title" lines, else the start of the body."""
    try:
        body = response.json()
    except ValueError:
        body = None
    messages = []
    if isinstance(body, dict) and isinstance(body.get("errors"), list):
        for error in body["errors"]:
            if not isinstance(error, dict):
                continue
            title = error.get("title") or error.get("detail") or ""
            source = error.get("source")
            if isinstance(source, dict):  # JSON:API proper: {"pointer": "/data/attributes/xml"}
                source = source.get("pointer") or source.get("parameter")
            messages.append(f"{source}: {title}" if source else str(title))
    if not messages:
        text = (response.text or "").strip()
        messages.append(text[:500] or f"HTTP {response.status_code}")
    return messages


class DataCiteClient:
    """The DataCite REST API (`/dois`), spoken through `datacite.request.DataCiteRequest`.

    The package's own error factory turns 422 and 429 into server errors, so responses are
    classified here: no answer, 5xx and 429 raise `RetryableError`; other 4xx `RejectedError`.
    """

    def __init__(self, *, api_url: str, username: str, password: str, timeout: float):
        self.api_url = api_url.rstrip("/") + "/"
        self.username = username
        self.timeout = timeout
        self._request = DataCiteRequest(
            base_url=self.api_url, username=username, password=password or "", timeout=timeout
        )

    @classmethod
    def from_settings(cls) -> DataCiteClient:
        return cls(
            api_url=settings.DATACITE_API_URL,
            username=settings.DATACITE_USERNAME,
            password=settings.DATACITE_PASSWORD,
            timeout=settings.DATACITE_TIMEOUT,
        )

    def _call(self, method: str, doi: str, body: dict | None = None, *, missing_ok: bool = False):
        path = "dois/" + quote(doi, safe="/")
        headers = {"Accept": JSONAPI}
        data = None
        if body is not None:
            headers["Content-Type"] = JSONAPI
            data = json.dumps(body)
        started = time.monotonic()
        try:
            response = self._request.request(path, method=method, body=data, headers=headers)
        except HttpError as exc:
            cause = exc.args[0] if exc.args else exc
            log.warning(
                "datacite.unreachable", method=method, doi=doi, error=type(cause).__name__, detail=str(cause)[:300]
            )
            raise RetryableError(f"DataCite could not be reached: {cause}") from exc
        status = response.status_code
        log.debug(
            "datacite.response", method=method, doi=doi, status=status, ms=round((time.monotonic() - started) * 1000)
        )
        if status < 300:
            return response
        if status == 404 and missing_ok:
            return None
        messages = _error_messages(response)
        if status == 429 or status >= 500:
            retry_after = _retry_after(response.headers.get("Retry-After"))
            log.warning(
                "datacite.retryable", method=method, doi=doi, status=status, retry_after=retry_after, errors=messages
            )
            raise RetryableError(
                f"DataCite answered {status}: " + "; ".join(messages), status=status, retry_after=retry_after
            )
        log.warning("datacite.rejected", method=method, doi=doi, status=status, errors=messages)
        raise RejectedError(f"DataCite refused the request ({status}): " + "; ".join(messages), status=status)

    def put_doi(self, doi: str, attributes: dict[str, Any]) -> dict[str, Any]:
        """Create or update a DOI; the attributes DataCite answered with."""
        body = {"data": {"id": doi, "type": "dois", "attributes": attributes}}
        response = self._call("PUT", doi, body)
        return _attributes(response)

    def get_doi(self, doi: str) -> dict[str, Any] | None:
        response = self._call("GET", doi, missing_ok=True)
        return None if response is None else _attributes(response)

    def delete_doi(self, doi: str) -> bool:
        """Delete a draft DOI; False if DataCite does not know it."""
        return self._call("DELETE", doi, missing_ok=True) is not None


def _attributes(response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    data = body.get("data") if isinstance(body, dict) else None
    return (data or {}).get("attributes") or {}


def _state(attributes: dict[str, Any]) -> DOIState | None:
    """The state DataCite answered with, when it said."""
    try:
        return DOIState(attributes.get("state")) if attributes.get("state") else None
    except ValueError:
        return None


def _b64(xml: bytes) -> str:
    return base64.b64encode(xml).decode("ascii")


class DataCiteDOIProvider(DOIProvider):
    name = "datacite"
    is_demo = False

    def __init__(self, client: DataCiteClient | None = None):
        self.client = client or DataCiteClient.from_settings()

    @property
    def prefix(self) -> str:
        return settings.DATACITE_PREFIX

    def _check(self, doi: str, xml: bytes) -> None:
        # DataCite would refuse invalid XML with a 422 anyway; refusing here costs no request and
        # names the line at fault.
        errors = validate(xml, "datacite-4.6")
        if errors:
            log.warning("doi.xml_invalid", doi=doi, errors=errors[:10])
            raise RejectedError("The DataCite XML is not valid against DataCite 4.6: " + "; ".join(errors))

    def reserve(self, *, doi: str, xml: bytes) -> DOIState | None:
        self._check(doi, xml)
        answered = self.client.put_doi(doi, {"doi": doi, "xml": _b64(xml)})
        log.info("doi.reserved", doi=doi, provider=self.name)
        return _state(answered)

    def register(self, *, doi: str, url: str, xml: bytes) -> DOIState | None:
        self._check(doi, xml)
        answered = self.client.put_doi(doi, {"doi": doi, "event": "publish", "url": url, "xml": _b64(xml)})
        log.info("doi.registered", doi=doi, url=url, provider=self.name)
        return _state(answered)

    def update(self, *, doi: str, url: str, xml: bytes) -> None:
        self._check(doi, xml)
        self.client.put_doi(doi, {"doi": doi, "url": url, "xml": _b64(xml)})
        log.info("doi.updated", doi=doi, url=url, provider=self.name)

    def hide(self, *, doi: str, url: str | None = None, xml: bytes | None = None) -> DOIState | None:
        attributes: dict[str, Any] = {"doi": doi, "event": "hide"}
        if url:
            attributes["url"] = url
        if xml is not None:
            self._check(doi, xml)
            attributes["xml"] = _b64(xml)
        answered = _state(self.client.put_doi(doi, attributes))
        if answered is DOIState.draft and url and xml is not None:
            # `hide` applies to findable DOIs only; a DOI that never left the draft state (its
            # record was withdrawn before DataCite confirmed the publication) is registered instead,
            # so that it still resolves, to the tombstone, and stays out of DataCite's search.
            answered = _state(self.client.put_doi(doi, {**attributes, "event": "register"}))
        log.info("doi.hidden", doi=doi, provider=self.name, state=answered.value if answered else None)
        return answered

    def delete(self, *, doi: str) -> None:
        # A DOI DataCite does not know is as deleted as it gets: a retried delete succeeds.
        deleted = self.client.delete_doi(doi)
        log.info("doi.deleted", doi=doi, provider=self.name, existed=deleted)

    def get(self, *, doi: str) -> RemoteDOI | None:
        attributes = self.client.get_doi(doi)
        if attributes is None:
            return None
        xml = attributes.get("xml")
        try:
            state = DOIState(attributes.get("state") or "draft")
        except ValueError:
            state = DOIState.none
        return RemoteDOI(
            doi=doi,
            state=state,
            url=attributes.get("url") or None,
            xml=base64.b64decode(xml) if xml else None,
        )
