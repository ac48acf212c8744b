"""Production settings: an https site redirects and sends HSTS unless told not to, a proxy's header is
trusted only when the operator names it, a per-process cache is refused at start and reported by
/healthz, and `manage.py check --deploy` is clean with the environment the README documents.

Settings are read when their module is imported: each environment is loaded in a fresh process."""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys

import pytest
from django.conf import settings as django_settings

BASE_DIR = django_settings.BASE_DIR


def documented_environment() -> dict[str, str]:
    """The `KEY=value` lines of the README's *Production* section, with a generated secret."""
    text = (BASE_DIR / "README.md").read_text()
    section = text[text.index("### Production") :]
    block = re.search(r"```sh\n(.*?)```", section, re.S).group(1)
    env = dict(line.partition("=")[::2] for line in block.splitlines() if line.strip())
    assert env["DJANGO_SETTINGS_MODULE"] == "config.settings.production"
    env["SECRET_KEY"] = secrets.token_urlsafe(50)
    return env


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    """A process with only `env` (and PATH, HOME): nothing of the test session's settings leaks in."""
    clean = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    return subprocess.run(
        [sys.executable, *args], cwd=BASE_DIR, env={**clean, **env}, capture_output=True, text=True, timeout=120
    )


SETTINGS_NAMES = (
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SECURE_PROXY_SSL_HEADER",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
)


def production_settings(**overrides: str) -> dict:
    env = {**documented_environment(), **overrides}
    code = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        f"print(json.dumps({{n: getattr(s, n) for n in {SETTINGS_NAMES!r}}}))"
    )
    result = run(["-c", code], env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_the_documented_production_environment_passes_check_deploy():
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], documented_environment())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_an_https_site_redirects_to_https_and_sends_hsts_for_a_year_by_default():
    values = production_settings()
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SECURE_HSTS_SECONDS"] == 365 * 24 * 3600
    assert values["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert values["SECURE_HSTS_PRELOAD"] is False  # the registrable domain's owner decides
    assert values["SESSION_COOKIE_SECURE"] is values["CSRF_COOKIE_SECURE"] is True


def test_the_redirect_and_hsts_are_opt_out():
    values = production_settings(SECURE_SSL_REDIRECT="false", SECURE_HSTS_SECONDS="0")
    assert values["SECURE_SSL_REDIRECT"] is False
    assert values["SECURE_HSTS_SECONDS"] == 0


def test_an_http_site_neither_redirects_nor_sends_hsts():
    values = production_settings(SITE_URL="http://intranet.example.org")
    assert values["SECURE_SSL_REDIRECT"] is False
    assert values["SECURE_HSTS_SECONDS"] == 0
    assert values["SESSION_COOKIE_SECURE"] is False


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (None, None),
        ("", None),
        ("HTTP_X_FORWARDED_PROTO", ["HTTP_X_FORWARDED_PROTO", "https"]),
        ("X-Forwarded-Proto", ["HTTP_X_FORWARDED_PROTO", "https"]),
    ],
)
def test_a_proxy_header_is_trusted_only_when_the_operator_names_it(given, expected):
    env = documented_environment()
    env.pop("SECURE_PROXY_SSL_HEADER")
    if given is not None:
        env["SECURE_PROXY_SSL_HEADER"] = given
    code = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        "print(json.dumps(s.SECURE_PROXY_SSL_HEADER))"
    )
    result = run(["-c", code], env)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == expected


@pytest.mark.parametrize("cache_url", [None, "locmemcache://estran"])
def test_production_refuses_to_start_on_a_per_process_cache(cache_url):
    env = documented_environment()
    env.pop("CACHE_URL")
    if cache_url:
        env["CACHE_URL"] = cache_url
    result = run(["manage.py", "check"], env)
    assert result.returncode != 0
    assert "estran.E001" in result.stderr
    assert "rate limits and SAML replay protection" in result.stderr
    assert "CACHE_URL" in result.stderr


def test_a_shared_cache_passes_the_check(settings):
    from core.checks import shared_cache

    settings.REQUIRE_SHARED_CACHE = True
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:6379/1"}
    }
    assert shared_cache(None) == []
    settings.SAML_REPLAY_CACHE = "replay"
    settings.CACHES = {**settings.CACHES, "replay": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    assert [e.id for e in shared_cache(None)] == ["estran.E001"]


@pytest.mark.django_db
def test_healthz_reports_a_per_process_cache_where_production_needs_a_shared_one(client, settings):
    ok = client.get("/healthz").json()["checks"]["cache"]
    assert ok["status"] == "ok" and ok["shared"] is False  # the test settings do not require it

    settings.REQUIRE_SHARED_CACHE = True
    response = client.get("/healthz")
    assert response.status_code == 503
    cache = response.json()["checks"]["cache"]
    assert cache["status"] == "error"
    assert "per-process cache" in cache["error"] and "CACHE_URL" in cache["error"]


@pytest.mark.django_db
def test_without_a_trusted_proxy_header_a_forwarded_https_claim_is_still_redirected(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_PROXY_SSL_HEADER = None
    settings.SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    claimed = client.get("/search", HTTP_X_FORWARDED_PROTO="https")
    assert claimed.status_code == 301 and claimed["Location"].startswith("https://")
    # Container health checks ask over plain http from inside.
    assert client.get("/healthz").status_code == 200


@pytest.mark.django_db
def test_behind_a_named_proxy_header_forwarded_https_is_served(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    response = client.get("/search", HTTP_X_FORWARDED_PROTO="https")
    assert response.status_code == 200
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")
