"""A local HTTP server that speaks the DataCite REST API (`/dois`), so the real DataCite client
runs in tests and benchmarks. No Django: only the standard library and `repository.xml_validation`.

What it enforces, like DataCite:

- HTTP Basic auth (401), and the prefixes the account may use (403);
- JSON:API documents `{"data": {"type": "dois", "attributes": {...}}}`;
- `POST /dois` creates, `PUT /dois/<doi>` creates or updates, `GET /dois/<doi>`,
  `DELETE /dois/<doi>` (drafts only: 403 otherwise, 404 if unknown);
- the states draft -> registered -> findable through the `event` attribute (`register`,
  `publish`, `hide`); `hide` is the only way from findable back to registered, nothing goes back
  to draft; like DataCite (whose state machine has `whiny_transitions: false`) an event that does
  not apply to the current state is ignored;
- `register` and `publish` need a url and xml (422);
- the base64 `xml` is decoded and validated against the DataCite 4.6 XSD (422 with
  `{"errors": [{"source": "xml", "title": ...}]}`). Real DataCite accepts incomplete metadata
  on drafts; this fake is stricter on purpose, so our XML is always checked.

Faults can be injected: `fail_next`, `fail_ratio`, `delay`, `throttle_next`; drift too: `mutate`
changes a DOI as if someone had edited it at DataCite. Every request is recorded, on the server
(`requests`) and on the DOI it targets (`dois[doi].requests`).
"""

from __future__ import annotations

import base64
import binascii
import copy
import json
import random
import secrets
import string
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from urllib.parse import unquote, urlsplit

from repository.xml_validation import validate
from tests.fakes.loopback import LoopbackServer

JSONAPI = "application/vnd.api+json"
EVENTS = ("register", "publish", "hide")


@dataclass
class StoredDOI:
    doi: str
    state: str = "draft"
    url: str | None = None
    xml: bytes | None = None
    created: str = ""
    updated: str = ""
    requests: list[dict] = field(default_factory=list)

    def as_json(self) -> dict:
        prefix, _, suffix = self.doi.partition("/")
        return {
            "data": {
                "id": self.doi,
                "type": "dois",
                "attributes": {
                    "doi": self.doi,
                    "prefix": prefix,
                    "suffix": suffix,
                    "state": self.state,
                    "url": self.url,
                    "xml": base64.b64encode(self.xml).decode("ascii") if self.xml else None,
                    "created": self.created,
                    "updated": self.updated,
                },
            }
        }


class _Reply(Exception):
    """Ends a request with this status and JSON body."""

    def __init__(self, status: int, body: dict | None = None, headers: dict | None = None):
        super().__init__(status)
        self.status = status
        self.body = body
        self.headers = headers or {}


def _errors(status: int, *errors: tuple[str | None, str]) -> _Reply:
    items = []
    for source, title in errors:
        item = {"status": str(status), "title": title}
        if source:
            item["source"] = source
        items.append(item)
    return _Reply(status, {"errors": items})


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class FakeDataCite(LoopbackServer):
    """`start()` it, point the client at `.url`, `stop()` it. Also a context manager."""

    def __init__(
        self,
        *,
        username: str = "ESTRAN.TEST",
        password: str = "secret",
        prefixes: tuple[str, ...] | list[str] = ("10.80000",),
    ):
        super().__init__()
        self.username = username
        self.password = password
        self.prefixes = tuple(prefixes)
        self._lock = threading.Lock()
        self._dois: dict[str, StoredDOI] = {}
        self._requests: list[dict] = []
        self._fail_next: list[int] = []
        self._fail_ratio = 0.0
        self._random = random.Random()
        self._delay = 0.0
        self._throttle: list[float] = []

    name = "fake-datacite"
    url_suffix = "/"

    def _handler(self):
        return _make_handler(self)

    # ---- state and faults ------------------------------------------------

    @property
    def dois(self) -> dict[str, StoredDOI]:
        with self._lock:
            return {doi: copy.deepcopy(stored) for doi, stored in self._dois.items()}

    @property
    def requests(self) -> list[dict]:
        with self._lock:
            return copy.deepcopy(self._requests)

    def reset(self) -> None:
        """Forget every DOI, request and fault."""
        with self._lock:
            self._dois.clear()
            self._requests.clear()
            self._fail_next.clear()
            self._throttle.clear()
            self._fail_ratio = 0.0
            self._delay = 0.0

    def fail_next(self, n: int = 1, status: int = 500) -> None:
        """The next `n` requests are answered `status` without being processed."""
        with self._lock:
            self._fail_next.extend([status] * n)

    def fail_ratio(self, ratio: float, seed: int | None = None) -> None:
        """From now on each request fails with a 500 with probability `ratio` (0 turns it off)."""
        with self._lock:
            self._fail_ratio = ratio
            self._random = random.Random(seed)

    def delay(self, seconds: float) -> None:
        """Wait this long before processing each request (0 turns it off): client timeouts."""
        with self._lock:
            self._delay = seconds

    def mutate(
        self,
        doi: str,
        *,
        state: str | None = None,
        url: str | None = None,
        xml: bytes | None = None,
        delete: bool = False,
    ) -> None:
        """Change a DOI behind the client's back (someone edited it in DataCite Fabrica): drift for
        reconciliation to find. `delete` forgets it whatever its state."""
        doi = doi.lower()
        with self._lock:
            if delete:
                self._dois.pop(doi, None)
                return
            stored = self._dois[doi]
            if state is not None:
                stored.state = state
            if url is not None:
                stored.url = url
            if xml is not None:
                stored.xml = xml
            stored.updated = _now()

    def throttle_next(self, n: int = 1, retry_after: float = 1) -> None:
        """The next `n` requests are answered 429 with a Retry-After header."""
        with self._lock:
            self._throttle.extend([retry_after] * n)

    # ---- the API ---------------------------------------------------------

    def _record(self, entry: dict, doi: str | None) -> None:
        with self._lock:
            self._requests.append(entry)
            if doi and doi in self._dois:
                self._dois[doi].requests.append(dict(entry))

    def handle(self, method: str, path: str, headers, body: bytes) -> tuple[int, dict | None, dict]:
        """Answer one request: (status, JSON body or None, extra headers)."""
        path = urlsplit(path).path
        doi = None
        entry = {"method": method, "path": path, "doi": None, "event": None, "status": None}
        if path.startswith("/dois/"):
            doi = entry["doi"] = unquote(path[len("/dois/") :]).lower() or None
        try:
            try:
                self._injected_faults()
                if method == "GET" and path.rstrip("/") == "/heartbeat":
                    raise _Reply(200, {"status": "OK"})
                if not (path == "/dois" or path.startswith("/dois/")):
                    raise _errors(404, (None, "The resource you are looking for doesn't exist."))
                self._authenticate(headers, anonymous_read=method == "GET")
                if method == "GET" and doi:
                    raise _Reply(200, self._get(doi, authenticated="Authorization" in headers))
                if method == "DELETE" and doi:
                    self._delete(doi)
                if method in ("PUT", "POST"):
                    attributes = self._attributes(body)
                    entry["event"] = attributes.get("event")
                    if method == "PUT" and doi:
                        raise _Reply(200, self._save(doi, attributes, create_only=False))
                    if method == "POST" and path == "/dois":
                        doi = entry["doi"] = self._new_doi(attributes)
                        raise _Reply(201, self._save(doi, attributes, create_only=True))
                raise _errors(405, (None, "Method not allowed"))
            except _Reply:
                raise
            except Exception as exc:  # a bug in the fake must still answer, not hang the client
                raise _errors(500, (None, f"{type(exc).__name__}: {exc}")) from exc
        except _Reply as reply:
            entry["status"] = reply.status
            self._record(entry, doi)
            return reply.status, reply.body, reply.headers

    def _injected_faults(self) -> None:
        with self._lock:
            delay = self._delay
        if delay:
            self._stopping.wait(delay)
        with self._lock:
            if self._throttle:
                retry_after = self._throttle.pop(0)
                raise _Reply(
                    429,
                    {"errors": [{"status": "429", "title": "Too many requests"}]},
                    {"Retry-After": f"{retry_after:g}"},
                )
            if self._fail_next:
                status = self._fail_next.pop(0)
                raise _errors(status, (None, "Injected failure"))
            if self._fail_ratio and self._random.random() < self._fail_ratio:
                raise _errors(500, (None, "Injected random failure"))

    def _authenticate(self, headers, *, anonymous_read: bool) -> None:
        header = headers.get("Authorization")
        if header is None and anonymous_read:
            return
        if header and header.startswith("Basic "):
            try:
                username, _, password = base64.b64decode(header[6:]).decode("utf-8").partition(":")
            except (binascii.Error, UnicodeDecodeError):
                username = password = None
            if secrets.compare_digest(f"{username}:{password}", f"{self.username}:{self.password}"):
                return
        raise _errors(401, (None, "Bad credentials."))

    def _attributes(self, body: bytes) -> dict:
        try:
            document = json.loads(body or b"null")
        except (ValueError, UnicodeDecodeError):
            raise _errors(400, (None, "The request body is not valid JSON.")) from None
        data = document.get("data") if isinstance(document, dict) else None
        if not isinstance(data, dict) or not isinstance(data.get("attributes"), dict):
            raise _errors(400, (None, 'A JSON:API document {"data": {"attributes": {}}} is expected.'))
        if data.get("type") not in (None, "dois"):
            raise _errors(400, (None, f"Type {data.get('type')!r} is not 'dois'."))
        return data["attributes"]

    def _check_prefix(self, doi: str) -> None:
        if not any(doi.startswith(prefix.lower() + "/") for prefix in self.prefixes):
            raise _errors(403, (None, "You are not authorized to access this resource."))

    def _new_doi(self, attributes: dict) -> str:
        doi = (attributes.get("doi") or "").lower()
        if not doi:
            prefix = attributes.get("prefix")
            if not prefix:
                raise _errors(422, ("doi", "Can't be blank"))
            suffix = "".join(random.choices(string.ascii_lowercase + string.digits, k=8))
            doi = f"{prefix}/{suffix[:4]}-{suffix[4:]}".lower()
        return doi

    def _get(self, doi: str, *, authenticated: bool) -> dict:
        with self._lock:
            stored = self._dois.get(doi)
            # Drafts are visible to their owner only.
            if stored is None or (stored.state == "draft" and not authenticated):
                raise _errors(404, (None, "The resource you are looking for doesn't exist."))
            return stored.as_json()

    def _delete(self, doi: str) -> None:
        self._check_prefix(doi)
        with self._lock:
            stored = self._dois.get(doi)
            if stored is None:
                raise _errors(404, (None, "The resource you are looking for doesn't exist."))
            if stored.state != "draft":
                raise _errors(403, (None, "Only DOIs in draft state can be deleted."))
            del self._dois[doi]
        raise _Reply(204)

    def _save(self, doi: str, attributes: dict, *, create_only: bool) -> dict:
        self._check_prefix(doi)
        given = attributes.get("doi")
        if given and given.lower() != doi:
            raise _errors(422, ("doi", f"The doi attribute {given!r} does not match the URL."))
        event = attributes.get("event")
        if event is not None and event not in EVENTS:
            raise _errors(422, ("event", f"Unknown event {event!r}; use one of {', '.join(EVENTS)}"))
        xml = None
        if attributes.get("xml") is not None:
            try:
                xml = base64.b64decode(attributes["xml"], validate=True)
            except (binascii.Error, ValueError, TypeError):
                raise _errors(422, ("xml", "The xml attribute is not valid base64.")) from None
            problems = validate(xml, "datacite-4.6")
            if problems:
                raise _errors(422, *[("xml", problem) for problem in problems])
        url = attributes.get("url")
        if url is not None and not (isinstance(url, str) and url.startswith(("http:", "https:"))):
            raise _errors(422, ("url", "Is not a valid URL."))

        with self._lock:
            stored = self._dois.get(doi)
            if stored is not None and create_only:
                raise _errors(422, ("doi", "This DOI has already been taken"))
            new = stored is None
            if new:
                stored = StoredDOI(doi=doi, created=_now())
            wanted_url = url if url is not None else stored.url
            wanted_xml = xml if xml is not None else stored.xml
            if event in ("register", "publish"):
                wanted = (("url", wanted_url), ("xml", wanted_xml))
                missing = [(name, "Can't be blank") for name, value in wanted if not value]
                if missing:
                    raise _errors(422, *missing)
            stored.url, stored.xml = wanted_url, wanted_xml
            stored.state = _transition(stored.state, event)
            stored.updated = _now()
            if new:
                self._dois[doi] = stored
            return stored.as_json()


def _transition(state: str, event: str | None) -> str:
    if event == "publish":
        return "findable"
    if event == "register" and state == "draft":
        return "registered"
    if event == "hide" and state == "findable":
        return "registered"
    return state


def _make_handler(fake: FakeDataCite) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "FakeDataCite/1.0"

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            status, payload, headers = fake.handle(self.command, self.path, self.headers, body)
            data = json.dumps(payload).encode() if payload is not None else b""
            try:
                self.send_response(status)
                if data:
                    self.send_header("Content-Type", JSONAPI)
                self.send_header("Content-Length", str(len(data)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (an injected delay beyond its timeout)

        do_GET = do_PUT = do_POST = do_DELETE = _serve

        def log_message(self, format, *args):  # noqa: A002 - keep test output quiet
            return

    return Handler
