"""Look-ups the deposit wizard offers while people are typed: the name on an ORCID record (ORCID's
public API 3.0, `GET <ORCID_API_URL>/<iD>/person`) and organisations of the Research Organization
Registry (ROR API v2, `GET <ROR_API_URL>/organizations?query=`).

A thin client: it knows HTTP and the two APIs' JSON, never our models. Each look-up is off while its
URL setting is empty, and then nothing reaches out. A call has a short timeout (`LOOKUP_TIMEOUT`)
and is not retried: someone is typing, and can go on by hand. Answers are cached
(`LOOKUP_CACHE_SECONDS`), so the same iD or the same letters typed again, by anyone, cost no call.

Errors are domain errors, for the views and the API to turn into status codes: `LookupOff` (404,
not configured), `NotFound` (404, no such ORCID record), `ValidationFailed` (422, not an ORCID
iD), `LookupUnavailable` (503: no answer in time, a 5xx, or something that is not the API's JSON).
"""

from __future__ import annotations

import hashlib
import unicodedata

import requests
from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext as _

from core.errors import DomainError, NotFound, ValidationFailed
from core.identifiers import normalize_ror
from core.logging import get_logger

from .orcid import normalize_orcid, orcid_problem, profile_from_record

log = get_logger(__name__)

# A missing record is remembered briefly only: it may be an iD registered a minute ago.
NOT_FOUND_CACHE_SECONDS = 600
ROR_MIN_QUERY = 2
ROR_MAX_QUERY = 200
ROR_MAX_RESULTS = 10


class LookupOff(NotFound):
    """The look-up's API is not configured here."""


class LookupUnavailable(DomainError):
    """The API could not be read just now; the field stays free to type."""

    status_code = 503


def orcid_lookup_enabled() -> bool:
    return bool(settings.ORCID_API_URL)


def ror_lookup_enabled() -> bool:
    return bool(settings.ROR_API_URL)


# --- ORCID ------------------------------------------------------------------------------------


def orcid_person(orcid: str) -> dict:
    """The name on the ORCID record of `orcid`: `{"orcid", "given_name", "family_name", "name"}`,
    `name` being the published (credit) name, else given and family names; all "" when the record
    keeps its name private. The iD may be typed in any form `normalize_orcid` reads."""
    api = settings.ORCID_API_URL.rstrip("/")
    if not api:
        raise LookupOff(_("Reading names from ORCID is not configured on this site."), code="lookup_off")
    problem = orcid_problem(orcid)
    if problem:
        raise ValidationFailed(problem, field="orcid")
    orcid = normalize_orcid(orcid)
    key = _cache_key("orcid", api, orcid)
    person = cache.get(key)
    if person is None:
        data = _get_json(
            f"{api}/{orcid}/person",
            service="orcid",
            unavailable=_("ORCID could not be read just now: type the name yourself, or try again in a moment."),
        )
        person = {"missing": True} if data is None else _person(orcid, data)
        cache.set(key, person, NOT_FOUND_CACHE_SECONDS if data is None else settings.LOOKUP_CACHE_SECONDS)
    if person.get("missing"):
        raise NotFound(
            _("ORCID has no record with the iD %(orcid)s: check it on the person’s ORCID page.") % {"orcid": orcid},
            field="orcid",
            code="orcid_not_found",
        )
    return dict(person)


def _person(orcid: str, person: dict) -> dict:
    # The person section is the record's `person`: its reader does the rest (wrapped values, nulls).
    profile = profile_from_record({"person": person}, orcid=orcid)
    return {
        "orcid": orcid,
        "given_name": profile.given_names,
        "family_name": profile.family_name,
        "name": profile.display_name,
    }


# --- ROR --------------------------------------------------------------------------------------


def ror_search(query: str) -> list[dict]:
    """Organisations of ROR matching `query` (names in any language, aliases, acronyms), best first:
    `[{"id": "https://ror.org/…", "name", "country", "aliases"}]`, `name` being ROR's display name
    and `aliases` its other labels, aliases and acronyms. A query shorter than two characters asks
    nothing and finds nothing. Inactive and withdrawn organisations are left out."""
    api = settings.ROR_API_URL.rstrip("/")
    if not api:
        raise LookupOff(
            _("Searching the Research Organization Registry is not configured on this site."), code="lookup_off"
        )
    query = " ".join((query or "").split())[:ROR_MAX_QUERY]
    if len(query) < ROR_MIN_QUERY:
        return []
    key = _cache_key("ror", api, unicodedata.normalize("NFC", query).casefold())
    results = cache.get(key)
    if results is None:
        unavailable = _(
            "The Research Organization Registry could not be searched just now: type the "
            "affiliation yourself (and its ROR id, if you know it)."
        )
        data = _get_json(f"{api}/organizations", params={"query": query}, service="ror", unavailable=unavailable)
        if data is None:  # the search itself is missing: a wrong ROR_API_URL
            raise LookupUnavailable(unavailable, code="lookup_unavailable")
        items = data.get("items") if isinstance(data.get("items"), list) else []
        results = [org for org in map(_organisation, items) if org][:ROR_MAX_RESULTS]
        cache.set(key, results, settings.LOOKUP_CACHE_SECONDS)
    return [dict(org) for org in results]


def _organisation(item) -> dict | None:
    """One ROR v2 record, or None when it is not a usable, active organisation."""
    if not isinstance(item, dict) or item.get("status", "active") != "active":
        return None
    ror = normalize_ror(item.get("id"))
    names = [n for n in item.get("names") or [] if isinstance(n, dict) and isinstance(n.get("value"), str)]
    if not ror or not names:
        return None

    def typed(kind: str) -> list[str]:
        return [n["value"].strip() for n in names if kind in (n.get("types") or []) and n["value"].strip()]

    display = (typed("ror_display") or typed("label") or [names[0]["value"].strip()])[0]
    aliases = [v for v in dict.fromkeys(typed("label") + typed("alias") + typed("acronym")) if v != display]
    country = ""
    for location in item.get("locations") or []:
        details = location.get("geonames_details") if isinstance(location, dict) else None
        if isinstance(details, dict) and isinstance(details.get("country_name"), str):
            country = details["country_name"]
            break
    return {"id": ror, "name": display, "country": country, "aliases": aliases}


# --- HTTP -------------------------------------------------------------------------------------


def _cache_key(kind: str, api: str, value: str) -> str:
    # The API is part of the key: a sandbox's or a test server's answers never stand for another's.
    digest = hashlib.sha256(f"{api}\n{value}".encode()).hexdigest()[:40]
    return f"lookup:{kind}:{digest}"


def _get_json(url: str, *, service: str, unavailable: str, params: dict | None = None) -> dict | None:
    """The JSON object at `url`, or None on a 404. Anything else that is not a 200 with a JSON
    object raises LookupUnavailable(`unavailable`), and is logged for operators."""
    headers = {"Accept": "application/json", "User-Agent": f"Estran ({settings.SITE_URL})"}
    try:
        response = requests.get(url, params=params, headers=headers, timeout=settings.LOOKUP_TIMEOUT)
    except requests.RequestException as exc:
        log.warning("lookup.unavailable", service=service, error=type(exc).__name__)
        raise LookupUnavailable(unavailable, code="lookup_unavailable") from exc
    if response.status_code == 404:
        return None
    try:
        data = response.json() if response.status_code == 200 else None
    except ValueError:
        data = None
    if not isinstance(data, dict):
        log.warning("lookup.unavailable", service=service, status=response.status_code)
        raise LookupUnavailable(unavailable, code="lookup_unavailable")
    return data
