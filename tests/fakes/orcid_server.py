"""A local HTTP server that speaks ORCID's OAuth 2 and the record of its API 3.0, so that allauth's
ORCID provider code runs in tests against something that answers like orcid.org. No Django in the
server: only the standard library (pytest for the fixtures at the end).

What it does, like ORCID (https://info.orcid.org/documentation/api-tutorials/):

- `GET /oauth/authorize?client_id&response_type=code&scope=/authenticate&redirect_uri&state`:
  an unknown client or a redirect URI not registered for it gets an error page (no redirect, as
  ORCID does); a bad `response_type` or `scope` is sent back to the client
  (`?error=unsupported_response_type|invalid_scope&error_description=…&state=…`). Otherwise a small
  consent page, "signed in" as the current person, whose *Authorize* button posts back here and
  redirects to `redirect_uri?code=…&state=…` (*Deny*: `?error=access_denied&…`). With
  `auto_approve` the redirect comes at once.
- `POST /oauth/token` (form: `client_id`, `client_secret`, `grant_type=authorization_code`, `code`,
  `redirect_uri`): a wrong client or secret → 401 `invalid_client`; an unknown, expired or
  already used code, or another redirect URI → 400 `invalid_grant`; otherwise ORCID's answer:
  `{"access_token", "token_type": "bearer", "refresh_token", "expires_in", "scope", "name", "orcid"}`.
- `GET /v3.0/<iD>/record` with `Accept: application/orcid+json` (or `application/vnd.orcid+json`,
  `application/json`): the record, in API 3.0's JSON shape (orcid-identifier, person with name and
  public e-mails, activities-summary with employments grouped in affiliation-groups, each
  organization with its disambiguated-organization, ROR or other). An access token is required
  when `record_requires_token` (the default): a missing or unknown one → 401 `invalid_token`. An
  unknown iD → 404 with ORCID's error body.
- `GET /v3.0/<iD>/person` with a JSON `Accept`: the record's person section (name, other names,
  public e-mails…), which ORCID's public API gives without a token, as the deposit wizard's name
  look-up reads it. An unknown iD → 404 with ORCID's error body.

People are configured per test (`add_person`, `sign_in_as`). Faults: `fail_record` (status, for
the record and the person section), `delay` (seconds before each answer). Every request is recorded
in `requests`. The fixtures at the end (`orcid_api_server`, `orcid_api`) serve the wizard's name
look-up; the sign-in tests start their own server with the client they need.
"""

from __future__ import annotations

import copy
import html
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from tests.fakes.loopback import LoopbackServer

JSON_TYPES = ("application/orcid+json", "application/vnd.orcid+json", "application/json")
CODE_TTL_SECONDS = 600
TOKEN_TTL_SECONDS = 631138518  # what ORCID gives: about twenty years


@dataclass
class Employment:
    organization: str
    ror: str = ""  # https://ror.org/…; empty for an organisation disambiguated otherwise
    city: str = "Brest"
    country: str = "FR"
    start: tuple[int, ...] = (2019, 9)
    end: tuple[int, ...] | None = None
    role: str = ""
    department: str = ""


@dataclass
class Person:
    orcid: str
    given_names: str
    family_name: str
    credit_name: str = ""
    email: str = ""  # public e-mail on the record; "" when kept private (ORCID's default)
    email_verified: bool = True
    employments: list[Employment] = field(default_factory=list)
    name_public: bool = True  # False: the record keeps its name private (`"name": null`)

    @property
    def published_name(self) -> str:
        return self.credit_name or f"{self.given_names} {self.family_name}".strip()


class _Reply(Exception):
    def __init__(self, status: int, body: bytes | str | dict = b"", headers: dict | None = None):
        super().__init__(status)
        self.status = status
        self.headers = dict(headers or {})
        if isinstance(body, dict):
            self.body = json.dumps(body).encode()
            self.headers.setdefault("Content-Type", "application/json;charset=UTF-8")
        elif isinstance(body, str):
            self.body = body.encode()
            self.headers.setdefault("Content-Type", "text/html; charset=utf-8")
        else:
            self.body = body


def _fuzzy(parts: tuple[int, ...] | None) -> dict | None:
    if not parts:
        return None
    names = ("year", "month", "day")
    date = dict.fromkeys(names)
    for name, value in zip(names, parts, strict=False):  # a year, or a year and a month…
        date[name] = {"value": f"{value:04d}" if name == "year" else f"{value:02d}"}
    return date


class FakeOrcid(LoopbackServer):
    """`start()` it, point ORCID_BASE_URL at `.url`, `stop()` it. Also a context manager."""

    def __init__(
        self,
        *,
        client_id: str = "APP-ESTRANTEST0001",
        client_secret: str = "orcid-test-secret",
        redirect_uris: list[str] | tuple[str, ...] = (),
        auto_approve: bool = False,
        record_requires_token: bool = True,
    ):
        super().__init__()
        self.client_id = client_id
        self.client_secret = client_secret
        self.redirect_uris = list(redirect_uris)  # empty: any http(s) redirect URI is accepted
        self.auto_approve = auto_approve
        self.record_requires_token = record_requires_token
        self._lock = threading.Lock()
        self._people: dict[str, Person] = {}
        self._signed_in: str | None = None
        self._codes: dict[str, dict] = {}
        self._tokens: dict[str, str] = {}  # access token -> iD
        self._requests: list[dict] = []
        self._record_fault: int | None = None
        self._delay = 0.0

    name = "fake-orcid"
    url_suffix = ""

    def _handler(self):
        return _make_handler(self)

    # ---- people and faults -----------------------------------------------

    def add_person(self, person: Person, *, sign_in: bool = True) -> Person:
        with self._lock:
            self._people[person.orcid] = person
            if sign_in:
                self._signed_in = person.orcid
        return person

    def sign_in_as(self, orcid: str) -> None:
        """The person whose browser session at ORCID approves the next authorizations."""
        with self._lock:
            assert orcid in self._people, f"add_person({orcid!r}) first"
            self._signed_in = orcid

    def person(self, orcid: str) -> Person:
        with self._lock:
            return self._people[orcid]

    def fail_record(self, status: int | None) -> None:
        """Answer record requests with `status` (None: normally again)."""
        with self._lock:
            self._record_fault = status

    def delay(self, seconds: float) -> None:
        """Wait this long before answering each request (0 turns it off): client timeouts."""
        with self._lock:
            self._delay = seconds

    @property
    def requests(self) -> list[dict]:
        with self._lock:
            return copy.deepcopy(self._requests)

    def reset(self) -> None:
        with self._lock:
            self._people.clear()
            self._codes.clear()
            self._tokens.clear()
            self._requests.clear()
            self._signed_in = None
            self._record_fault = None
            self._delay = 0.0

    # ---- the protocol ----------------------------------------------------

    def handle(self, method: str, target: str, headers, body: bytes) -> _Reply:
        parts = urlsplit(target)
        path, query = parts.path, parse_qs(parts.query, keep_blank_values=True)
        form = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True) if body else {}
        entry = {
            "method": method,
            "path": path,
            "query": {k: v[0] for k, v in query.items()},
            "form": {k: v[0] for k, v in form.items() if k != "client_secret"},
            "authorization": headers.get("Authorization"),
            "accept": headers.get("Accept"),
            "status": None,
        }
        with self._lock:
            delay = self._delay
        if delay:
            self._stopping.wait(delay)
        try:
            try:
                if path == "/oauth/authorize" and method == "GET":
                    self._authorize_page(query)
                if path == "/oauth/authorize" and method == "POST":
                    self._authorize_decision(form)
                if path == "/oauth/token" and method == "POST":
                    self._token(form)
                if path.startswith("/v3.0/") and path.endswith("/record") and method == "GET":
                    self._record(path[len("/v3.0/") : -len("/record")], headers)
                if path.startswith("/v3.0/") and path.endswith("/person") and method == "GET":
                    self._person(path[len("/v3.0/") : -len("/person")], headers)
                raise _Reply(404, {"error": "not_found", "error_description": f"No {method} {path} here."})
            except _Reply:
                raise
            except Exception as exc:  # a bug in the fake must still answer, not hang the client
                detail = f"{type(exc).__name__}: {exc}"
                raise _Reply(500, {"error": "server_error", "error_description": detail}) from exc
        except _Reply as reply:
            entry["status"] = reply.status
            with self._lock:
                self._requests.append(entry)
            return reply

    @staticmethod
    def _one(params: dict, name: str) -> str:
        values = params.get(name) or [""]
        return values[0]

    def _check_client(self, client_id: str, redirect_uri: str) -> None:
        """ORCID shows an error page, and does not redirect, for these."""
        if client_id != self.client_id:
            raise _Reply(
                400,
                _page(
                    "Oops! Something went wrong.",
                    f"<p class=error>invalid_client: Client not found: {html.escape(client_id)}</p>",
                ),
            )
        allowed = redirect_uri.startswith(("http://", "https://")) and (
            not self.redirect_uris or redirect_uri in self.redirect_uris
        )
        if not allowed:
            raise _Reply(
                400,
                _page(
                    "Oops! Something went wrong.",
                    "<p class=error>invalid_request: The redirect_uri does not match a registered redirect URI.</p>",
                ),
            )

    def _authorize_page(self, query: dict) -> None:
        client_id, redirect_uri = self._one(query, "client_id"), self._one(query, "redirect_uri")
        state = self._one(query, "state")
        self._check_client(client_id, redirect_uri)
        if self._one(query, "response_type") != "code":
            self._redirect_error(
                redirect_uri, state, "unsupported_response_type", "Only response_type=code is supported."
            )
        scopes = set(self._one(query, "scope").split())
        if not scopes or not scopes <= {"/authenticate", "openid"}:
            self._redirect_error(redirect_uri, state, "invalid_scope", f"Invalid scope: {self._one(query, 'scope')}")
        with self._lock:
            person = self._people.get(self._signed_in or "")
        if person is None:
            raise _Reply(200, _page("Sign in to ORCID", "<p>No one is signed in to this test ORCID.</p>"))
        if self.auto_approve:
            self._redirect_code(person, redirect_uri, state)
        hidden = "".join(
            f'<input type="hidden" name="{name}" value="{html.escape(value)}">'
            for name, value in (
                ("client_id", client_id),
                ("redirect_uri", redirect_uri),
                ("state", state),
                ("scope", self._one(query, "scope")),
            )
        )
        raise _Reply(
            200,
            _page(
                "Authorize access",
                f"<p>Signed in as <strong class=person>{html.escape(person.published_name)}</strong> "
                f"(<span class=orcid>{person.orcid}</span>).</p>"
                f"<p><strong>{html.escape(client_id)}</strong> asks to get your ORCID iD.</p>"
                f'<form method="post" action="/oauth/authorize">{hidden}'
                '<button type="submit" name="user_oauth_approval" value="true">Authorize access</button> '
                '<button type="submit" name="user_oauth_approval" value="false">Deny access</button></form>',
            ),
        )

    def _authorize_decision(self, form: dict) -> None:
        client_id, redirect_uri = self._one(form, "client_id"), self._one(form, "redirect_uri")
        state = self._one(form, "state")
        self._check_client(client_id, redirect_uri)
        if self._one(form, "user_oauth_approval") != "true":
            self._redirect_error(redirect_uri, state, "access_denied", "User denied access")
        with self._lock:
            person = self._people.get(self._signed_in or "")
        if person is None:
            raise _Reply(400, _page("Sign in to ORCID", "<p>No one is signed in.</p>"))
        self._redirect_code(person, redirect_uri, state)

    def _redirect_code(self, person: Person, redirect_uri: str, state: str) -> None:
        code = secrets.token_urlsafe(6)[:6]  # ORCID's codes are six characters
        with self._lock:
            self._codes[code] = {
                "orcid": person.orcid,
                "redirect_uri": redirect_uri,
                "expires": time.monotonic() + CODE_TTL_SECONDS,
                "used": False,
            }
        params = {"code": code}
        if state:
            params["state"] = state
        raise _Reply(302, b"", {"Location": _with_query(redirect_uri, params)})

    @staticmethod
    def _redirect_error(redirect_uri: str, state: str, error: str, description: str) -> None:
        params = {"error": error, "error_description": description}
        if state:
            params["state"] = state
        raise _Reply(302, b"", {"Location": _with_query(redirect_uri, params)})

    def _token(self, form: dict) -> None:
        client_id, secret = self._one(form, "client_id"), self._one(form, "client_secret")
        if client_id != self.client_id or not secrets.compare_digest(secret, self.client_secret):
            raise _Reply(401, {"error": "invalid_client", "error_description": "Bad client credentials"})
        if self._one(form, "grant_type") != "authorization_code":
            raise _Reply(
                400,
                {
                    "error": "unsupported_grant_type",
                    "error_description": f"Unsupported grant type: {self._one(form, 'grant_type')}",
                },
            )
        code = self._one(form, "code")
        with self._lock:
            grant = self._codes.get(code)
            if grant is None or grant["used"] or grant["expires"] < time.monotonic():
                raise _Reply(
                    400, {"error": "invalid_grant", "error_description": f"Invalid authorization code: {code}"}
                )
            grant["used"] = True  # a code is good once, whatever happens next
            if self._one(form, "redirect_uri") != grant["redirect_uri"]:
                raise _Reply(400, {"error": "invalid_grant", "error_description": "Redirect URI mismatch."})
            person = self._people[grant["orcid"]]
            token = secrets.token_hex(16)
            self._tokens[token] = person.orcid
        raise _Reply(
            200,
            {
                "access_token": f"{token[:8]}-{token[8:12]}-{token[12:16]}-{token[16:20]}-{token[20:]}",
                "token_type": "bearer",
                "refresh_token": secrets.token_hex(16),
                "expires_in": TOKEN_TTL_SECONDS,
                "scope": "/authenticate",
                "name": person.published_name,
                "orcid": person.orcid,
            },
        )

    def _record(self, orcid: str, headers) -> None:
        with self._lock:
            tokens = dict(self._tokens)
        self._check_read(orcid, headers)
        if self.record_requires_token:
            authorization = headers.get("Authorization") or ""
            raw = authorization[7:].replace("-", "") if authorization.startswith("Bearer ") else ""
            if raw not in tokens:
                raise _Reply(401, {"error": "invalid_token", "error_description": "Invalid access token"})
        self._check_known(orcid)
        raise _Reply(
            200,
            json.dumps(self.record(orcid)).encode(),
            {"Content-Type": "application/vnd.orcid+json; qs=4;charset=UTF-8"},
        )

    def _person(self, orcid: str, headers) -> None:
        self._check_read(orcid, headers)
        self._check_known(orcid)
        raise _Reply(
            200, json.dumps(self.record(orcid)["person"]).encode(), {"Content-Type": "application/json;charset=UTF-8"}
        )

    def _check_read(self, orcid: str, headers) -> None:
        """An injected fault, then the media type: what every read of the API checks first."""
        with self._lock:
            fault = self._record_fault
        if fault:
            raise _Reply(
                fault,
                {
                    "response-code": fault,
                    "developer-message": "Injected failure",
                    "user-message": "Something went wrong.",
                },
            )
        accept = (headers.get("Accept") or "").split(";")[0].strip().lower()
        if accept not in JSON_TYPES:
            raise _Reply(
                406,
                {
                    "error": "not_acceptable",
                    "error_description": "This fake serves JSON only: send Accept: application/orcid+json",
                },
            )

    def _check_known(self, orcid: str) -> None:
        with self._lock:
            known = orcid in self._people
        if not known:
            raise _Reply(
                404,
                {
                    "response-code": 404,
                    "developer-message": "404 Not Found: The resource was not found. "
                    f"Full validation error: ORCID iD {orcid} not found",
                    "user-message": "The resource was not found.",
                    "error-code": 9016,
                    "more-info": "https://members.orcid.org/api/resources/troubleshooting",
                },
            )

    def record(self, orcid: str) -> dict:
        """The person's record, as ORCID's API 3.0 gives it in JSON (public parts only)."""
        with self._lock:
            person = copy.deepcopy(self._people[orcid])
        host = urlsplit(self.url).netloc
        uri = f"{self.url}/{orcid}"
        source = {
            "source-orcid": {"uri": uri, "path": orcid, "host": host},
            "source-client-id": None,
            "source-name": {"value": person.published_name},
            "assertion-origin-orcid": None,
            "assertion-origin-client-id": None,
            "assertion-origin-name": None,
        }
        modified = {"value": 1718000000000}
        emails = []
        if person.email:
            emails.append(
                {
                    "created-date": modified,
                    "last-modified-date": modified,
                    "source": source,
                    "email": person.email,
                    "path": None,
                    "visibility": "public",
                    "verified": person.email_verified,
                    "primary": True,
                    "put-code": None,
                }
            )
        groups = []
        for index, job in enumerate(person.employments):
            put_code = 1000 + index
            disambiguated = None
            if job.ror:
                disambiguated = {"disambiguated-organization-identifier": job.ror, "disambiguation-source": "ROR"}
            else:
                disambiguated = {
                    "disambiguated-organization-identifier": str(120000 + index),
                    "disambiguation-source": "RINGGOLD",
                }
            summary = {
                "created-date": modified,
                "last-modified-date": modified,
                "source": source,
                "put-code": put_code,
                "department-name": job.department or None,
                "role-title": job.role or None,
                "start-date": _fuzzy(job.start),
                "end-date": _fuzzy(job.end),
                "organization": {
                    "name": job.organization,
                    "address": {"city": job.city, "region": None, "country": job.country},
                    "disambiguated-organization": disambiguated,
                },
                "url": None,
                "external-ids": None,
                "display-index": "0",
                "visibility": "public",
                "path": f"/{orcid}/employment/{put_code}",
            }
            groups.append(
                {
                    "last-modified-date": modified,
                    "external-ids": {"external-id": []},
                    "summaries": [{"employment-summary": summary}],
                }
            )
        empty_group = {"last-modified-date": None, "affiliation-group": []}
        return {
            "orcid-identifier": {"uri": uri, "path": orcid, "host": host},
            "preferences": {"locale": "en"},
            "history": {
                "creation-method": "DIRECT",
                "completion-date": None,
                "submission-date": modified,
                "last-modified-date": modified,
                "claimed": True,
                "source": None,
                "deactivation-date": None,
                "verified-email": person.email_verified,
                "verified-primary-email": person.email_verified,
            },
            "person": {
                "last-modified-date": modified,
                "name": {
                    "created-date": modified,
                    "last-modified-date": modified,
                    "given-names": {"value": person.given_names},
                    "family-name": {"value": person.family_name} if person.family_name else None,
                    "credit-name": {"value": person.credit_name} if person.credit_name else None,
                    "source": None,
                    "visibility": "public",
                    "path": orcid,
                }
                if person.name_public
                else None,
                "other-names": {"last-modified-date": None, "other-name": [], "path": f"/{orcid}/other-names"},
                "biography": None,
                "researcher-urls": {
                    "last-modified-date": None,
                    "researcher-url": [],
                    "path": f"/{orcid}/researcher-urls",
                },
                "emails": {
                    "last-modified-date": modified if emails else None,
                    "email": emails,
                    "path": f"/{orcid}/email",
                },
                "addresses": {"last-modified-date": None, "address": [], "path": f"/{orcid}/address"},
                "keywords": {"last-modified-date": None, "keyword": [], "path": f"/{orcid}/keywords"},
                "external-identifiers": {
                    "last-modified-date": None,
                    "external-identifier": [],
                    "path": f"/{orcid}/external-identifiers",
                },
                "path": f"/{orcid}/person",
            },
            "activities-summary": {
                "last-modified-date": modified,
                "distinctions": {**empty_group, "path": f"/{orcid}/distinctions"},
                "educations": {**empty_group, "path": f"/{orcid}/educations"},
                "employments": {
                    "last-modified-date": modified if groups else None,
                    "affiliation-group": groups,
                    "path": f"/{orcid}/employments",
                },
                "fundings": {"last-modified-date": None, "group": [], "path": f"/{orcid}/fundings"},
                "invited-positions": {**empty_group, "path": f"/{orcid}/invited-positions"},
                "memberships": {**empty_group, "path": f"/{orcid}/memberships"},
                "peer-reviews": {"last-modified-date": None, "group": [], "path": f"/{orcid}/peer-reviews"},
                "qualifications": {**empty_group, "path": f"/{orcid}/qualifications"},
                "research-resources": {"last-modified-date": None, "group": [], "path": f"/{orcid}/research-resources"},
                "services": {**empty_group, "path": f"/{orcid}/services"},
                "works": {"last-modified-date": None, "group": [], "path": f"/{orcid}/works"},
                "path": f"/{orcid}/activities",
            },
            "path": f"/{orcid}",
        }


def _with_query(url: str, params: dict) -> str:
    return f"{url}{'&' if '?' in url else '?'}{urlencode(params)}"


def _page(title: str, body: str) -> str:
    return (
        f"<!DOCTYPE html><html lang=en><head><meta charset=utf-8><title>{html.escape(title)} | ORCID "
        f"(test)</title></head><body><h1>{html.escape(title)}</h1>{body}</body></html>"
    )


def _make_handler(fake: FakeOrcid) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "FakeORCID/1.0"

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            reply = fake.handle(self.command, self.path, self.headers, body)
            try:
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(reply.body)))
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                self.wfile.write(reply.body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (an injected delay beyond its timeout)

        do_GET = do_POST = _serve

        def log_message(self, format, *args):  # noqa: A002 - keep test output quiet
            return

    return Handler


# --- pytest fixtures for the wizard's name look-up (ORCID_API_URL on this server) ----------------


@pytest.fixture(scope="session")
def orcid_api_server():
    """An ORCID server for the look-ups, shared by the session (emptied by `orcid_api`)."""
    server = FakeOrcid().start()
    yield server
    server.stop()


@pytest.fixture
def orcid_api(orcid_api_server, settings):
    """The ORCID server, emptied, with this process's ORCID_API_URL on its API and the look-ups'
    cache empty. Sign-in stays as configured (these look-ups need no client)."""
    from django.core.cache import cache

    orcid_api_server.reset()
    settings.ORCID_API_URL = f"{orcid_api_server.url}/v3.0"
    settings.LOOKUP_TIMEOUT = 2.0
    cache.clear()
    yield orcid_api_server
    orcid_api_server.reset()
