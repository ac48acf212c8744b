"""Finding an institution among thousands: search terms of an IdP, and the bounded search over them
(the discovery page and its JSON endpoint)."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import urlsplit

from accounts.models import IdentityProvider

MAX_RESULTS = 20
MIN_TERM = 2
TERM_LENGTH = 100
# Words too common in institution names to narrow a search on their own.
STOP_WORDS = {
    "de",
    "des",
    "du",
    "la",
    "le",
    "les",
    "et",
    "of",
    "the",
    "and",
    "d",
    "l",
    "en",
    "a",
    "au",
    "aux",
    "for",
}


def normalize(text: str) -> str:
    """Lowercase, without accents: "Université" and "universite" are the same search."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def words(text: str) -> list[str]:
    stripped = (w.strip(".-") for w in re.split(r"[^0-9a-z.\-]+", normalize(text)))
    return [w for w in stripped if w]


def domain_of(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def keywords_for(*, names: list[str], scopes: list[dict], entity_id: str, sso_url: str) -> set[str]:
    """What a user may start typing to find this IdP: words of its names (and the words inside
    hyphenated ones), its literal scopes and the domains of its entityID and SSO endpoint, each
    domain also without its first labels ("idp.univ-rennes.fr" → "univ-rennes.fr")."""
    terms: set[str] = set()
    for name in names:
        for word in words(name):
            terms.add(word)
            terms.update(part for part in re.split(r"[.\-]", word) if part)
    domains = {str(s.get("value", "")).lower() for s in scopes if not s.get("regexp")}
    domains |= {domain_of(entity_id), domain_of(sso_url)}
    for domain in filter(None, domains):
        labels = domain.split(".")
        for start in range(len(labels) - 1):
            terms.add(".".join(labels[start:]))
        terms.update(labels[:-1])
    return {t[:TERM_LENGTH] for t in terms if len(t) >= MIN_TERM and t not in STOP_WORDS}


def query_terms(query: str) -> list[str]:
    """The terms every result must match (by prefix). An e-mail address searches its domain."""
    query = normalize(query).strip()
    if "@" in query:
        query = query.rpartition("@")[2]
    terms = [w for w in words(query) if w not in STOP_WORDS]
    # Longest first: the most selective join leads.
    return sorted({t[:TERM_LENGTH] for t in terms if len(t) >= MIN_TERM}, key=len, reverse=True)[:4]


def search(query: str, *, limit: int = MAX_RESULTS):
    """Active, discoverable IdPs whose search terms start with every word typed: one query, however
    many IdPs (an index on the term column serves each prefix match)."""
    terms = query_terms(query)
    if not terms:
        return IdentityProvider.objects.none()
    queryset = IdentityProvider.objects.active().filter(hide_from_discovery=False)
    for term in terms:
        queryset = queryset.filter(keywords__term__startswith=term)
    return queryset.distinct().order_by("name_en")[:limit]


def by_slugs(slugs: list[str]):
    found = {idp.slug: idp for idp in IdentityProvider.objects.active().filter(slug__in=slugs[:5])}
    return [found[s] for s in slugs if s in found]


def as_json(idp, language: str) -> dict:
    scopes = [s["value"] for s in idp.scopes or [] if not s.get("regexp")]
    return {
        "slug": idp.slug,
        "name": idp.display_name(language),
        "domain": scopes[0] if scopes else domain_of(idp.entity_id),
        "logo": idp.logo_url,
        "entity_id": idp.entity_id,
    }
