"""API tokens: stored hashed, shown once, refused when revoked, expired, malformed or unknown."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from accounts.models import ApiToken
from accounts.services import api_token_authenticate, api_token_create, api_token_revoke


def test_a_token_is_stored_hashed_and_its_clear_value_is_nowhere_in_the_database(depositor):
    token, raw = api_token_create(user=depositor, name="pipeline")
    assert raw.startswith(f"estran_{token.prefix}_")
    secret = raw.removeprefix(f"estran_{token.prefix}_")
    assert len(secret) >= 32
    token.refresh_from_db()
    assert token.key_hash == hashlib.sha256(secret.encode()).hexdigest()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {ApiToken._meta.db_table}")
        row = " ".join(str(v) for v in cursor.fetchone())
    assert secret not in row
    assert raw not in row


def test_tokens_are_unique(depositor):
    raws = {api_token_create(user=depositor, name=f"t{i}")[1] for i in range(20)}
    assert len(raws) == 20
    assert len({r.split("_")[1] for r in raws}) == 20


def test_authenticate_returns_the_user_and_records_the_last_use(depositor):
    token, raw = api_token_create(user=depositor, name="t")
    assert token.last_used_at is None
    before = timezone.now()
    assert api_token_authenticate(raw=raw) == depositor
    token.refresh_from_db()
    assert token.last_used_at is not None
    assert before <= token.last_used_at <= timezone.now()


def test_a_token_with_a_lifetime_expires_then(depositor):
    token, raw = api_token_create(user=depositor, name="t", expires_in_days=30)
    assert timedelta(days=29, hours=23) < token.expires_at - timezone.now() <= timedelta(days=30)
    assert token.is_active
    assert api_token_authenticate(raw=raw) == depositor


def test_a_revoked_token_is_refused(depositor):
    token, raw = api_token_create(user=depositor, name="t")
    api_token_revoke(token=token)
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert not token.is_active
    assert api_token_authenticate(raw=raw) is None
    revoked_at = token.revoked_at
    api_token_revoke(token=token)  # revoking twice keeps the first time
    token.refresh_from_db()
    assert token.revoked_at == revoked_at


def test_an_expired_token_is_refused(depositor):
    token, raw = api_token_create(user=depositor, name="t", expires_in_days=1)
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    token.refresh_from_db()
    assert not token.is_active
    assert api_token_authenticate(raw=raw) is None
    token.refresh_from_db()
    assert token.last_used_at is None


def test_the_token_of_a_deactivated_user_is_refused(depositor):
    _token, raw = api_token_create(user=depositor, name="t")
    depositor.is_active = False
    depositor.save(update_fields=["is_active"])
    assert api_token_authenticate(raw=raw) is None


@pytest.fixture
def raw(depositor):
    return api_token_create(user=depositor, name="t")[1]


@pytest.mark.parametrize(
    "mangle",
    [
        pytest.param(lambda r: "", id="empty"),
        pytest.param(lambda r: "estran_", id="prefix-only"),
        pytest.param(lambda r: r.removeprefix("estran_"), id="no-estran-prefix"),
        pytest.param(lambda r: "other_" + r.removeprefix("estran_"), id="other-prefix"),
        pytest.param(lambda r: r.split("_", 2)[0] + "_" + r.split("_", 2)[1], id="no-secret"),
        pytest.param(lambda r: r.split("_", 2)[0] + "__" + r.split("_", 2)[2], id="no-token-prefix"),
        pytest.param(lambda r: "estran_00000000_" + r.split("_", 2)[2], id="unknown-token-prefix"),
        pytest.param(lambda r: r[:-1] + ("A" if r[-1] != "A" else "B"), id="wrong-secret"),
        pytest.param(lambda r: r + "x", id="longer-secret"),
        pytest.param(lambda r: r.upper(), id="upper-case"),
        pytest.param(lambda r: " " + r, id="leading-space"),
    ],
)
def test_malformed_or_wrong_tokens_are_refused(raw, mangle):
    assert api_token_authenticate(raw=mangle(raw)) is None
    assert not ApiToken.objects.exclude(last_used_at=None).exists()


def test_the_api_accepts_a_token_and_refuses_it_once_revoked(client, depositor):
    token, raw = api_token_create(user=depositor, name="t")
    response = client.get("/api/deposits", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 200
    api_token_revoke(token=token)
    response = client.get("/api/deposits", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"
