"""The Content-Security-Policy on every page: scripts only from Estran's own files (no inline script,
no event-handler attribute, no eval), no plugins, no <base>, no framing, images from Estran alone
(the institution discovery page adds the federations' logos), requests to Estran and to the S3
endpoint upload parts go to. The browser tests (tests/e2e) fail on any violation in Chromium."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.urls import reverse

from tests.repository.landing_support import counting, record_create  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db

TEMPLATES = Path(django_settings.BASE_DIR) / "templates"


def policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    directives = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


def assert_strict(directives: dict[str, list[str]]) -> None:
    assert directives["script-src"] == ["'self'"]
    assert directives["default-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["base-uri"] == ["'self'"]
    assert directives["frame-ancestors"] == ["'none'"]


@pytest.mark.usefixtures("counting")
def test_the_landing_page_has_the_policy_whether_rendered_or_from_the_cache(client, depositor, communities):
    record = record_create(owner=depositor, community=communities["ocean"], files=0)
    for _ in range(2):  # the second comes from the page cache
        directives = policy(client.get(record.get_absolute_url()))
        assert_strict(directives)
        assert directives["img-src"] == ["'self'"]


def test_search_queue_wizard_and_api_pages_have_the_policy(client, depositor, moderator, communities):
    from deposit.services import deposit_create

    assert_strict(policy(client.get(reverse("repository:search"))))
    deposit = deposit_create(owner=depositor, metadata={}, community=communities["ocean"])
    client.force_login(depositor)
    for step in ("describe", "where_when", "files"):
        assert_strict(policy(client.get(reverse("deposit:wizard", kwargs={"pk": deposit.pk, "step": step}))))
    client.force_login(moderator)
    assert_strict(policy(client.get(reverse("moderation:queue"))))


def test_only_the_discovery_page_takes_the_federations_logos(client):
    directives = policy(client.get(reverse("accounts:saml-discovery")))
    assert_strict(directives)
    assert directives["img-src"] == ["'self'", "https:", "http:"]
    assert policy(client.get(reverse("account_login")))["img-src"] == ["'self'"]


def test_upload_parts_may_go_to_the_s3_endpoint_and_nowhere_else(client, settings):
    settings.SITE_URL = "https://data.example.org"
    assert policy(client.get(reverse("repository:search")))["connect-src"] == ["'self'", "https://data.example.org"]
    settings.STORAGE_BACKEND = "s3"
    settings.S3_ENDPOINT_URL = "https://s3.example.org:9000"
    settings.S3_ADDRESSING_STYLE = "auto"
    assert policy(client.get(reverse("repository:search")))["connect-src"] == [
        "'self'",
        "https://data.example.org",
        "https://s3.example.org:9000",
    ]
    settings.S3_ENDPOINT_URL = None
    settings.S3_BUCKET, settings.S3_REGION = "estran-data", "eu-west-3"
    assert policy(client.get(reverse("repository:search")))["connect-src"] == [
        "'self'",
        "https://data.example.org",
        "https://estran-data.s3.amazonaws.com",
        "https://estran-data.s3.eu-west-3.amazonaws.com",
    ]


# An inline script would need 'unsafe-inline' (or a nonce), an onclick= attribute 'unsafe-inline'
# or 'unsafe-hashes': none is written in a template. Data blocks (JSON) are not scripts.
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*\btype=\"application/(?:ld\+)?json\")[^>]*>", re.I)
EVENT_HANDLER = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I)


@pytest.mark.parametrize("template", sorted(p.relative_to(TEMPLATES).as_posix() for p in TEMPLATES.rglob("*.html")))
def test_no_template_writes_an_inline_script_or_an_event_handler(template):
    text = (TEMPLATES / template).read_text()
    assert not INLINE_SCRIPT.findall(text)
    assert not EVENT_HANDLER.findall(text)
    assert not re.findall(r"""=\s*["']?\s*javascript:""", text, re.I)
