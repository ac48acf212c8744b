"""The cast of every test (depositor, other_depositor, moderator of the ocean community,
other_moderator, admin), an API client factory, and access to the real services.

With CI=true a test that needs a missing service fails instead of skipping."""
from __future__ import annotations

import os
import socket
from urllib.parse import urlparse

import pytest

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def require_service(name: str, url: str) -> None:
    """Skip (locally) or fail (in CI) when the service at `url` does not answer."""
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port), timeout=2):
            return
    except OSError as exc:
        message = f"{name} is not reachable at {parsed.hostname}:{parsed.port} ({exc})"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(scope="session", autouse=True)
def _real_services():
    from django.conf import settings

    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("postgresql"):
        require_service("PostgreSQL", f"postgres://{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}")
    if settings.CELERY_BROKER_URL.startswith("redis://"):
        require_service("Redis", settings.CELERY_BROKER_URL)


@pytest.fixture
def communities(db):
    from accounts.models import Community

    return {c.slug: c for c in Community.objects.all()}


def _user(username: str, **extra):
    from accounts.services import user_create

    return user_create(
        username=username, email=f"{username}@example.org", password="correct horse battery",
        display_name=username.replace("_", " ").title(), **extra,
    )


@pytest.fixture
def depositor(db):
    return _user("depositor")


@pytest.fixture
def other_depositor(db):
    return _user("other_depositor")


@pytest.fixture
def moderator(db, communities):
    from accounts.services import moderator_grant

    user = _user("moderator")
    moderator_grant(user=user, community=communities["ocean"])
    return user


@pytest.fixture
def other_moderator(db, communities):
    from accounts.services import moderator_grant

    user = _user("other_moderator")
    moderator_grant(user=user, community=communities["atmosphere"])
    return user


@pytest.fixture
def admin(db):
    return _user("admin", is_staff=True, is_superuser=True)


@pytest.fixture
def api_client(db):
    """`api_client(user)`: a Django test client that sends a fresh API token of `user`
    (`api_client(None)`: anonymous)."""
    from django.test import Client

    from accounts.services import api_token_create

    def make(user=None):
        if user is None:
            return Client()
        _token, raw = api_token_create(user=user, name="test")
        return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")

    return make


@pytest.fixture(autouse=True)
def _isolated_storage(settings, tmp_path):
    """Each test stores files in its own folder."""
    settings.LOCAL_STORAGE_ROOT = tmp_path / "storage"
