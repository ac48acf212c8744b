"""Path converters of the site's URLs."""

from __future__ import annotations

MAX_ID = 2**63 - 1


class IdConverter:
    """`<id:pk>`: a database id, at most 19 digits and within 64 bits. A larger number is no page
    (404) instead of a query the database cannot run: SQLite raises OverflowError beyond 64 bits,
    and raw SQL on PostgreSQL fails the same way."""

    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if number > MAX_ID:
            raise ValueError("beyond 64 bits")  # Django then tries the next pattern, and answers 404
        return number

    def to_url(self, value) -> str:
        return str(int(value))
