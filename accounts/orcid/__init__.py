"""ORCID: iDs (format and ISO 7064 MOD 11-2 check digit), where the configured ORCID lives, and
what Estran reads from an ORCID record (name, public e-mail, current employment with its ROR id).

Sign-in itself is allauth's ORCID provider, subclassed in `provider.py` / `views.py` so that the
ORCID it talks to (production, sandbox or a test server) comes from the settings; `services.py`
writes what a sign-in or a hand-typed iD gives onto the user.

Pure functions only here: no models, no allauth, so that any form can import them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext_lazy as _

from core.identifiers import (  # noqa: F401 - re-exported for the ORCID code
    ORCID_RE,
    ROR_ID_RE,
    ROR_RE,
    normalize_orcid,
    normalize_ror,
    orcid_checksum_ok,
)

PRODUCTION_URL = "https://orcid.org"
SANDBOX_URL = "https://sandbox.orcid.org"


# --- iDs --------------------------------------------------------------------------------------


def orcid_problem(value: str) -> str | None:
    """Why `value` is not an ORCID iD (a translated sentence), or None when it is one."""
    orcid = normalize_orcid(value)
    if not ORCID_RE.match(orcid):
        return str(
            _("“%(value)s” is not an ORCID iD: it has 16 digits (the last may be X), as in 0000-0002-1825-0097.")
            % {"value": value.strip()}
        )
    if not orcid_checksum_ok(orcid):
        return str(
            _(
                "“%(value)s” is not an ORCID iD: its last character (the check digit) does not "
                "match the others. Copy it again from your ORCID record."
            )
            % {"value": value.strip()}
        )
    return None


def is_orcid(value: str) -> bool:
    return orcid_problem(value) is None


# --- where ORCID is ---------------------------------------------------------------------------


def default_api_url(base_url: str) -> str:
    """The public API beside an ORCID site: https://orcid.org → https://pub.orcid.org/v3.0,
    https://sandbox.orcid.org → https://pub.sandbox.orcid.org/v3.0, any other site (a test
    server) → <site>/v3.0."""
    base_url = base_url.rstrip("/")
    for site in (PRODUCTION_URL, SANDBOX_URL):
        if base_url == site:
            return site.replace("https://", "https://pub.", 1) + "/v3.0"
    return base_url + "/v3.0"


# --- the record -------------------------------------------------------------------------------


@dataclass(frozen=True)
class OrcidProfile:
    """What Estran keeps of an ORCID record."""

    orcid: str
    given_names: str = ""
    family_name: str = ""
    credit_name: str = ""
    email: str = ""
    email_verified: bool = False
    affiliation: str = ""
    affiliation_ror: str = ""

    @property
    def display_name(self) -> str:
        return self.credit_name or " ".join(p for p in (self.given_names, self.family_name) if p)


def _get(data, *path):
    for key in path:
        if isinstance(data, dict):
            data = data.get(key)
        elif isinstance(data, list) and isinstance(key, int) and -len(data) <= key < len(data):
            data = data[key]
        else:
            return None
    return data


def _text(data, *path) -> str:
    value = _get(data, *path)
    if isinstance(value, dict):  # ORCID wraps most strings: {"value": "…"}
        value = value.get("value")
    return value.strip() if isinstance(value, str) else ""


def _fuzzy_date(value) -> date | None:
    """ORCID's {"year": {"value": "2015"}, "month": …, "day": …}, each part optional."""
    year = _text(value, "year")
    if not year.isdigit():
        return None
    month, day = _text(value, "month"), _text(value, "day")
    try:
        return date(int(year), int(month) if month.isdigit() else 1, int(day) if day.isdigit() else 1)
    except ValueError:
        return None


def _employment_summaries(record: dict) -> list[dict]:
    employments = _get(record, "activities-summary", "employments") or {}
    summaries = []
    # API 3.0: grouped; each group's summaries are one employment as asserted by different sources.
    for group in _get(employments, "affiliation-group") or []:
        for item in _get(group, "summaries") or []:
            summary = _get(item, "employment-summary")
            if isinstance(summary, dict):
                summaries.append(summary)
            break  # the first summary of a group is the preferred one
    # API 2.0 shape, still met in the wild: a flat list.
    for summary in _get(employments, "employment-summary") or []:
        if isinstance(summary, dict):
            summaries.append(summary)
    return summaries


def current_employment(record: dict, *, today: date | None = None) -> tuple[str, str]:
    """(organisation name, ROR URL or "") of the current employment: not ended (or ending in the
    future), the most recently started; ("", "") when the record shows none."""
    today = today or date.today()
    best, best_start = None, None
    for summary in _employment_summaries(record):
        name = _text(summary, "organization", "name")
        if not name:
            continue
        end = _fuzzy_date(_get(summary, "end-date"))
        if end is not None and end < today:
            continue
        start = _fuzzy_date(_get(summary, "start-date")) or date.min
        if best is None or start > best_start:
            best, best_start = summary, start
    if best is None:
        return "", ""
    ror = ""
    disambiguated = _get(best, "organization", "disambiguated-organization") or {}
    if _text(disambiguated, "disambiguation-source").upper() == "ROR":
        ror = normalize_ror(_text(disambiguated, "disambiguated-organization-identifier"))
    return _text(best, "organization", "name"), ror


def profile_from_record(record: dict, *, orcid: str = "") -> OrcidProfile:
    """Read a record of the ORCID API (3.0, JSON). `orcid` is the iD ORCID gave with the token:
    it wins over the record's own when both are there (they are the same on a sane server)."""
    orcid = normalize_orcid(orcid or _text(record, "orcid-identifier", "path"))
    name = _get(record, "person", "name") or {}
    emails = [e for e in _get(record, "person", "emails", "email") or [] if isinstance(e, dict)]
    emails = [e for e in emails if isinstance(e.get("email"), str) and e["email"].strip()]
    emails.sort(key=lambda e: (not e.get("primary"), not e.get("verified")))
    email = emails[0] if emails else {}
    affiliation, ror = current_employment(record)
    return OrcidProfile(
        orcid=orcid,
        given_names=_text(name, "given-names"),
        family_name=_text(name, "family-name"),
        credit_name=_text(name, "credit-name"),
        email=email.get("email", "").strip(),
        email_verified=email.get("verified") is True,
        affiliation=affiliation[:300],
        affiliation_ror=ror,
    )
