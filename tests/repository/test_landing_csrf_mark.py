"""The anonymous landing-page cache puts each visitor's CSRF token where the page's forms want it,
and nowhere else: not where a depositor typed the mark it used to look for."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.test import Client

from tests.repository.landing_support import counting, full_metadata, record_create  # noqa: F401 - the fixture

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("counting")]

FIREFOX = {"HTTP_USER_AGENT": "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"}
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
OLD_MARK = "ESTRANCSRFTOKENMARK"


def test_a_mark_typed_in_a_title_or_a_link_is_shown_as_typed_and_never_replaced_by_a_token(depositor, communities):
    metadata = full_metadata(f"Casts {OLD_MARK} and estran-csrf-0123456789abcdef0123456789abcdef")
    metadata["related_identifiers"][1]["identifier"] = f"https://evil.example/collect?t={OLD_MARK}"
    metadata["descriptions"][0]["description"] = f"Abstract with the mark {OLD_MARK} inside."
    record = record_create(owner=depositor, community=communities["ocean"], metadata=metadata, files=0)
    cache.clear()
    pages = []
    for address in ("192.0.2.1", "192.0.2.2"):  # the first fills the cache, the second is served from it
        response = Client().get(record.get_absolute_url(), REMOTE_ADDR=address, **FIREFOX)
        assert response.status_code == 200
        pages.append(response.content.decode())
    for html in pages:
        [token] = TOKEN.findall(html)  # the language form's, and only there
        assert html.count(token) == 1
        assert html.count(OLD_MARK) >= 4  # title, <title>, meta tags, the link and the abstract, as typed
        assert f"https://evil.example/collect?t={OLD_MARK}" in html
        assert "estran-csrf-0123456789abcdef0123456789abcdef" in html
    assert TOKEN.findall(pages[0]) != TOKEN.findall(pages[1])
