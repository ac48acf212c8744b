"""A local HTTP server that speaks the search of the Research Organization Registry's API v2, so that
the wizard's affiliation look-up (accounts/lookups.py) runs against something that answers like
https://api.ror.org/v2. No Django in the server: only the standard library.

What it does, like ROR (https://ror.readme.io/v2/docs/rest-api):

- `GET /v2/organizations?query=<text>[&page=<n>]`: `{"number_of_results", "time_taken", "items",
  "meta"}`, twenty records a page, best first. A record matches when every word of the query is in
  one of its names (display name, labels in any language, aliases, acronyms), case and accents
  ignored, or when the query is its ROR id; exact names first, then names starting with the query.
  Inactive and withdrawn records are left out unless `all_status` is given. No query: every
  record. A page that is not a whole number ≥ 1 → 400 `{"errors": [...]}`.
- `GET /v2/organizations/<id>`: one record (id bare or as a URL), or 404 `{"errors": [...]}`.

Records are in the v2 schema: `id`, `names[]` (`value`, `types` among `ror_display`, `label`,
`alias`, `acronym`, `lang`), `locations[]` with `geonames_details` (`country_name`, `country_code`,
`name`, `lat`, `lng`), `status`, `types`, `established`, `links`, `external_ids`, `relationships`,
`domains`, `admin`. The ones it starts with are five French research organisations with their real
ROR ids; their other fields are abridged (cities rounded to the main site), not read from ROR.

Faults: `fail(status)` answers every request with that status (None: normally again); `delay(s)`
waits before each answer, for client timeouts. Every request is recorded in `requests`. The pytest
fixtures at the end (`ror_server`, `ror`) are imported by the tests that use them.
"""

from __future__ import annotations

import copy
import json
import threading
import unicodedata
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from tests.fakes.loopback import LoopbackServer

PAGE_SIZE = 20

IFREMER = "https://ror.org/044jxhp58"
CNRS = "https://ror.org/02feahw73"
SORBONNE = "https://ror.org/02en5vm52"
IRD = "https://ror.org/05q3vnk25"
UBO = "https://ror.org/01b8h3982"


def _location(city: str, geonames_id: int, lat: float, lng: float, subdivision: str, subdivision_code: str) -> dict:
    return {
        "geonames_id": geonames_id,
        "geonames_details": {
            "continent_code": "EU",
            "continent_name": "Europe",
            "country_code": "FR",
            "country_name": "France",
            "country_subdivision_code": subdivision_code,
            "country_subdivision_name": subdivision,
            "lat": lat,
            "lng": lng,
            "name": city,
        },
    }


def organisation(
    ror: str,
    display: str,
    *,
    lang: str = "fr",
    labels: tuple[tuple[str, str], ...] = (),
    aliases: tuple[str, ...] = (),
    acronyms: tuple[str, ...] = (),
    types: tuple[str, ...] = ("facility",),
    location: dict | None = None,
    established: int | None = None,
    website: str = "",
    status: str = "active",
) -> dict:
    """A record in ROR's v2 schema."""
    names = [{"lang": lang, "types": ["ror_display", "label"], "value": display}]
    names += [{"lang": label_lang, "types": ["label"], "value": value} for label_lang, value in labels]
    names += [{"lang": None, "types": ["alias"], "value": value} for value in aliases]
    names += [{"lang": None, "types": ["acronym"], "value": value} for value in acronyms]
    dates = {"date": "2018-11-14", "schema_version": "1.0"}
    return {
        "id": ror,
        "names": names,
        "status": status,
        "types": list(types),
        "established": established,
        "links": [{"type": "website", "value": website}] if website else [],
        "locations": [location or _location("Paris", 2988507, 48.85341, 2.3488, "Île-de-France", "IDF")],
        "external_ids": [],
        "relationships": [],
        "domains": [],
        "admin": {"created": dates, "last_modified": {"date": "2024-12-11", "schema_version": "2.1"}},
    }


BREST = _location("Brest", 3030300, 48.39029, -4.48628, "Brittany", "BRE")
MARSEILLE = _location("Marseille", 2995469, 43.29695, 5.38107, "Provence-Alpes-Côte d'Azur", "PAC")

FRENCH_ORGANISATIONS = (
    organisation(
        IFREMER,
        "Institut Français de Recherche pour l'Exploitation de la Mer",
        labels=(("en", "French Research Institute for Exploitation of the Sea"),),
        acronyms=("IFREMER",),
        types=("government", "facility"),
        location=BREST,
        established=1984,
        website="https://www.ifremer.fr",
    ),
    organisation(
        CNRS,
        "Centre National de la Recherche Scientifique",
        labels=(("en", "French National Centre for Scientific Research"),),
        acronyms=("CNRS",),
        types=("government", "funder"),
        established=1939,
        website="https://www.cnrs.fr",
    ),
    organisation(
        SORBONNE,
        "Sorbonne Université",
        labels=(("en", "Sorbonne University"),),
        acronyms=("SU",),
        types=("education", "funder"),
        established=2018,
        website="https://www.sorbonne-universite.fr",
    ),
    organisation(
        IRD,
        "Institut de Recherche pour le Développement",
        labels=(("en", "French National Research Institute for Sustainable Development"),),
        acronyms=("IRD",),
        types=("government", "funder"),
        location=MARSEILLE,
        established=1944,
        website="https://www.ird.fr",
    ),
    organisation(
        UBO,
        "Université de Bretagne Occidentale",
        labels=(("en", "University of Western Brittany"),),
        acronyms=("UBO",),
        types=("education",),
        location=BREST,
        established=1971,
        website="https://www.univ-brest.fr",
    ),
)


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text or "")
    return "".join(c for c in text if not unicodedata.combining(c)).casefold()


class _Reply(Exception):
    def __init__(self, status: int, body: dict | bytes):
        super().__init__(status)
        self.status = status
        self.body = json.dumps(body).encode() if isinstance(body, dict) else body


class FakeRor(LoopbackServer):
    """`start()` it, point ROR_API_URL at `.api_url`, `stop()` it. Also a context manager."""

    def __init__(self, organisations=FRENCH_ORGANISATIONS):
        super().__init__()
        self._initial = [copy.deepcopy(o) for o in organisations]
        self._lock = threading.Lock()
        self._organisations = copy.deepcopy(self._initial)
        self._requests: list[dict] = []
        self._fault: int | None = None
        self._delay = 0.0

    name = "fake-ror"
    url_suffix = ""

    def _handler(self):
        return _make_handler(self)

    @property
    def api_url(self) -> str:
        """What ROR_API_URL is set to (https://api.ror.org/v2 in production)."""
        return f"{self.url}/v2"

    # ---- data and faults -------------------------------------------------

    def add(self, record: dict) -> dict:
        with self._lock:
            self._organisations.append(copy.deepcopy(record))
        return record

    def fail(self, status: int | None) -> None:
        """Answer every request with `status` (None: normally again)."""
        with self._lock:
            self._fault = status

    def delay(self, seconds: float) -> None:
        """Wait this long before answering each request (0 turns it off)."""
        with self._lock:
            self._delay = seconds

    @property
    def requests(self) -> list[dict]:
        with self._lock:
            return copy.deepcopy(self._requests)

    def reset(self) -> None:
        with self._lock:
            self._organisations = copy.deepcopy(self._initial)
            self._requests.clear()
            self._fault = None
            self._delay = 0.0

    # ---- the protocol ----------------------------------------------------

    def handle(self, method: str, target: str, headers) -> _Reply:
        parts = urlsplit(target)
        path, query = parts.path, parse_qs(parts.query, keep_blank_values=True)
        entry = {
            "method": method,
            "path": path,
            "query": {k: v[0] for k, v in query.items()},
            "accept": headers.get("Accept"),
            "user_agent": headers.get("User-Agent"),
            "status": None,
        }
        with self._lock:
            delay, fault = self._delay, self._fault
        if delay:
            self._stopping.wait(delay)
        try:
            try:
                if fault:
                    raise _Reply(fault, {"errors": [f"Injected failure ({fault})"]})
                if method == "GET" and path.rstrip("/") == "/v2/organizations":
                    self._search(query)
                if method == "GET" and path.startswith("/v2/organizations/"):
                    self._one(unquote(path[len("/v2/organizations/") :]))
                raise _Reply(404, {"errors": [f"No {method} {path} here."]})
            except _Reply:
                raise
            except Exception as exc:  # a bug in the fake must still answer, not hang the client
                raise _Reply(500, {"errors": [f"{type(exc).__name__}: {exc}"]}) from exc
        except _Reply as reply:
            entry["status"] = reply.status
            with self._lock:
                self._requests.append(entry)
            return reply

    def _search(self, query: dict) -> None:
        text = (query.get("query") or [""])[0].strip()
        page_text = (query.get("page") or ["1"])[0]
        if not page_text.isdigit() or int(page_text) < 1:
            raise _Reply(400, {"errors": [f"page parameter: '{page_text}' must be an integer >= 1"]})
        page = int(page_text)
        with self._lock:
            records = copy.deepcopy(self._organisations)
        if "all_status" not in query:
            records = [r for r in records if r.get("status") == "active"]
        if text:
            ranked = [(rank, index, r) for index, r in enumerate(records) if (rank := self._rank(r, text)) is not None]
            records = [r for _rank, _index, r in sorted(ranked, key=lambda t: (t[0], t[1]))]
        items = records[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
        raise _Reply(
            200,
            {
                "number_of_results": len(records),
                "time_taken": 3,
                "items": items,
                "meta": {
                    "types": [
                        {"id": t, "title": t, "count": sum(t in r["types"] for r in records)}
                        for t in sorted({t for r in records for t in r["types"]})
                    ],
                    "countries": [{"id": "fr", "title": "France", "count": len(records)}] if records else [],
                    "statuses": [{"id": "active", "title": "active", "count": len(records)}] if records else [],
                },
            },
        )

    @staticmethod
    def _rank(record: dict, text: str) -> int | None:
        """0 exact name, 1 a name starting with the query, 2 every word somewhere; None: no match."""
        wanted = _fold(text)
        if wanted in (_fold(record["id"]), _fold(record["id"].rsplit("/", 1)[-1])):
            return 0
        names = [_fold(n["value"]) for n in record["names"]]
        if wanted in names:
            return 0
        if any(name.startswith(wanted) for name in names):
            return 1
        everything = " ".join(names)
        if all(word in everything for word in wanted.split()):
            return 2
        return None

    def _one(self, ror: str) -> None:
        ror = ror.removeprefix("https://ror.org/")
        with self._lock:
            record = next((r for r in self._organisations if r["id"].rsplit("/", 1)[-1] == ror), None)
        if record is None:
            raise _Reply(404, {"errors": [f"ROR ID '{ror}' does not exist"]})
        raise _Reply(200, copy.deepcopy(record))


def _make_handler(fake: FakeRor) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "FakeROR/1.0"

        def do_GET(self) -> None:  # the standard library's name
            reply = fake.handle(self.command, self.path, self.headers)
            try:
                self.send_response(reply.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                self.wfile.write(reply.body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (an injected delay beyond its timeout)

        def log_message(self, format, *args):  # noqa: A002 - keep test output quiet
            return

    return Handler


# --- pytest fixtures -----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def ror_server():
    """The ROR server with the five French organisations, shared by the session (reset by `ror`)."""
    server = FakeRor().start()
    yield server
    server.stop()


@pytest.fixture
def ror(ror_server, settings):
    """The ROR server, reset, with this process's ROR_API_URL on it and the look-ups' cache empty."""
    from django.core.cache import cache

    ror_server.reset()
    settings.ROR_API_URL = ror_server.api_url
    settings.LOOKUP_TIMEOUT = 2.0
    cache.clear()
    yield ror_server
    ror_server.reset()
