"""Resumption tokens: where a list request stopped, signed so that a harvester can neither forge nor
alter one, and dated so that it expires.

A token holds the request (verb, metadataPrefix, set, from, until) and the key of the last item
sent, `(modified, pk)`, never an offset: the next page is the items after that key in
`(modified, pk)` order, so a record published, modified or withdrawn while a harvest runs shifts
nothing. It also carries the count of items already sent (the `cursor` of the next page) and the
list's size as counted at its first page.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.utils import timezone

SALT = "oai.resumption-token"


class BadToken(ValueError):
    """Not a token of ours, altered, expired, or for another verb."""


@dataclass(frozen=True)
class Position:
    verb: str
    metadata_prefix: str
    set_spec: str
    from_: str  # the request's `from` and `until` as the harvester gave them ("" when absent)
    until: str
    last_modified: str  # ISO 8601 with microseconds: the key of the last item sent
    last_pk: int
    cursor: int  # items sent before the next page
    # The list's size counted at its first page, and when: a later page adds what changed since
    # (an index range) instead of counting the whole list again.
    counted: int
    counted_at: str

    @property
    def after(self) -> tuple[datetime, int]:
        return datetime.fromisoformat(self.last_modified), self.last_pk


def ttl() -> timedelta:
    return timedelta(seconds=settings.OAI_TOKEN_TTL_SECONDS)


def encode(position: Position) -> tuple[str, datetime]:
    """The token and when it expires."""
    payload = asdict(position)
    token = signing.TimestampSigner(salt=SALT).sign_object(payload, compress=True)
    return token, timezone.now() + ttl()


def decode(token: str, *, verb: str) -> Position:
    try:
        payload = signing.TimestampSigner(salt=SALT).unsign_object(token, max_age=ttl())
        position = Position(**payload)
        position.after  # noqa: B018 - the key must parse
        datetime.fromisoformat(position.counted_at)
    except signing.SignatureExpired as exc:
        raise BadToken("This resumptionToken has expired; start the list again.") from exc
    except (signing.BadSignature, TypeError, ValueError) as exc:
        raise BadToken("This resumptionToken is not valid.") from exc
    if position.verb != verb:
        raise BadToken(f"This resumptionToken belongs to a {position.verb} request.")
    return position
