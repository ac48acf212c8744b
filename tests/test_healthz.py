"""/healthz against the real PostgreSQL and Redis: 200 when all is well, 503 naming what is down,
and the DOI outbox reported without ever failing the check."""

from __future__ import annotations

import time

import pytest

from repository.models import PersistentIdentifier


@pytest.fixture
def healthz(client, db):
    def get():
        response = client.get("/healthz")
        assert response["Content-Type"] == "application/json"
        assert "no-cache" in response.get("Cache-Control", "") or "max-age=0" in response.get("Cache-Control", "")
        return response

    return get


def test_healthz_is_ok_against_the_real_services(healthz, settings):
    response = healthz()
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    checks = body["checks"]
    assert checks["database"]["status"] == "ok"
    assert checks["database"]["vendor"] == "postgresql"
    assert checks["broker"]["status"] == "ok"
    assert checks["broker"]["transport"] == "redis"
    assert checks["storage"] == {**checks["storage"], "status": "ok", "backend": "local"}
    assert all(isinstance(checks[name]["ms"], float | int) for name in ("database", "broker", "storage"))
    assert settings.LOCAL_STORAGE_ROOT.is_dir()


def test_healthz_needs_no_login(client, db):
    assert client.get("/healthz").status_code == 200


def test_a_closed_broker_port_is_a_503_naming_the_broker(healthz, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    settings.CELERY_BROKER_CONNECTION_TIMEOUT = 2.0
    started = time.monotonic()
    response = healthz()
    assert time.monotonic() - started < 30
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["checks"]["broker"]["status"] == "error"
    assert body["checks"]["broker"]["error"]
    assert body["checks"]["database"]["status"] == "ok"
    assert body["checks"]["storage"]["status"] == "ok"


def test_an_unwritable_storage_root_is_a_503_naming_the_storage(healthz, settings, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the storage root should be")
    settings.LOCAL_STORAGE_ROOT = blocker
    response = healthz()
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["checks"]["storage"]["status"] == "error"
    assert "StorageError" in body["checks"]["storage"]["error"]
    assert body["checks"]["database"]["status"] == "ok"
    assert body["checks"]["broker"]["status"] == "ok"


def test_healthz_reports_the_doi_outbox_without_failing(healthz, settings):
    empty = healthz().json()["checks"]["doi_outbox"]
    assert empty == {"provider": "local", "pending": 0, "rejected": 0, "oldest_pending_seconds": 0}

    PersistentIdentifier.objects.create(doi="10.5072/estran.aaaaa-aaaaa", provider="local")
    old = PersistentIdentifier.objects.create(doi="10.5072/estran.bbbbb-bbbbb", provider="local")
    from datetime import timedelta

    from django.utils import timezone

    PersistentIdentifier.objects.filter(pk=old.pk).update(created=timezone.now() - timedelta(hours=2))
    PersistentIdentifier.objects.create(
        doi="10.5072/estran.ccccc-ccccc",
        provider="local",
        sync=PersistentIdentifier.Sync.rejected,
        last_error="400 bad XML",
    )
    PersistentIdentifier.objects.create(
        doi="10.5072/estran.ddddd-ddddd", provider="local", sync=PersistentIdentifier.Sync.done
    )
    response = healthz()
    assert response.status_code == 200  # a DOI backlog is for operators to see, not a failed check
    outbox = response.json()["checks"]["doi_outbox"]
    assert (outbox["pending"], outbox["rejected"], outbox["provider"]) == (2, 1, "local")
    assert 7200 <= outbox["oldest_pending_seconds"] < 7300
