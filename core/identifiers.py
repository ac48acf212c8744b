"""Researcher, organisation and repository identifiers: ORCID iDs (ISO 7064 MOD 11-2 check digit),
ROR ids and re3data DOIs. Pure functions, used wherever an identifier is typed, received or
exported."""

from __future__ import annotations

import re

import base32_lib

ORCID_RE = re.compile(r"^\d{4}-\d{4}-\d{4}-\d{3}[\dX]$")
ROR_RE = re.compile(r"^https://ror\.org/0[a-hj-km-np-tv-z0-9]{6}\d{2}$")
ROR_ID_RE = re.compile(r"^0[a-hj-km-np-tv-z0-9]{6}\d{2}$")
# re3data's DOIs for the repositories it registers: its prefix, `R3` and a few Crockford base-32
# characters (10.17616/R31NJMSY, 10.17616/R37P4C).
RE3DATA_DOI_RE = re.compile(r"^10\.17616/R3[0-9A-Z]{1,12}$")


def normalize_orcid(value: str) -> str:
    """`https://orcid.org/0000-0002-1825-0097`, `orcid.org/…`, `0000000218250097` or a lower-case
    `x` → `0000-0002-1825-0097`. Anything else is returned stripped, for the check to refuse."""
    value = (value or "").strip()
    lowered = value.lower()
    for prefix in ("https://", "http://"):
        if lowered.startswith(prefix):
            value, lowered = value[len(prefix) :], lowered[len(prefix) :]
    for host in ("sandbox.orcid.org/", "orcid.org/", "www.orcid.org/"):
        if lowered.startswith(host):
            value = value[len(host) :]
            break
    value = value.strip().upper()
    if re.fullmatch(r"\d{15}[\dX]", value):
        value = "-".join(value[i : i + 4] for i in range(0, 16, 4))
    return value


def orcid_checksum_ok(orcid: str) -> bool:
    """ISO 7064 MOD 11-2 check digit of a formatted ORCID iD."""
    digits = orcid.replace("-", "")
    total = 0
    for ch in digits[:-1]:
        total = (total + int(ch)) * 2
    result = (12 - total % 11) % 11
    return digits[-1] == ("X" if result == 10 else str(result))


def is_valid_orcid(value: str) -> bool:
    orcid = normalize_orcid(value)
    return bool(ORCID_RE.match(orcid)) and orcid_checksum_ok(orcid)


def normalize_ror(value: str | None) -> str:
    """A ROR id as a URL (`https://ror.org/02feahw73`), from the URL or the bare id; "" otherwise."""
    value = (value or "").strip()
    if ROR_ID_RE.match(value):
        value = f"https://ror.org/{value}"
    value = value.replace("http://", "https://", 1)
    return value if ROR_RE.match(value) else ""


def ror_checksum_ok(ror: str) -> bool:
    """The two check digits (ISO 7064 MOD 97-10 of the base-32 number) of a ROR id, URL or bare."""
    try:
        base32_lib.decode(ror.rsplit("/", 1)[-1][1:], checksum=True)
    except ValueError:
        return False
    return True


def normalize_re3data_doi(value: str | None) -> str:
    """A re3data DOI (`10.17616/R31NJMSY`, also as `doi:…` or a doi.org URL, in any case) as the bare
    DOI, upper-case as re3data writes it; "" when it is not one."""
    value = (value or "").strip()
    lowered = value.lower()
    for prefix in ("https://doi.org/", "http://doi.org/", "https://dx.doi.org/", "http://dx.doi.org/", "doi:"):
        if lowered.startswith(prefix):
            value = value[len(prefix) :]
            break
    value = value.upper()
    return value if RE3DATA_DOI_RE.match(value) else ""
