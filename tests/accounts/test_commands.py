"""Operators' management commands: create a user (and a token), grant moderator rights, load the demo
accounts, re-drive DOI registrations."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from accounts.models import ApiToken, Community
from accounts.selectors import is_moderator_of
from repository.models import PersistentIdentifier

User = get_user_model()
TOKEN_RE = re.compile(r"estran_[0-9a-f]+_[A-Za-z0-9_\-]+")


def document() -> dict:
    from repository.metadata import MetadataDocument
    from tests.factories import complete_metadata

    return MetadataDocument.model_validate(complete_metadata()).model_dump(mode="json")


def run(*args, **kwargs) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO(), **kwargs)
    return out.getvalue()


# --- estran_createuser --------------------------------------------------------------------------


def test_createuser_creates_a_user_who_can_sign_in(db, client):
    out = run(
        "estran_createuser",
        "--username",
        "jane",
        "--email",
        "jane@example.org",
        "--password",
        "a long enough password",
        "--name",
        "Jane Doe",
    )
    user = User.objects.get(username="jane")
    assert f"Created user jane (id {user.pk})" in out
    assert (user.email, user.display_name, user.is_staff, user.is_superuser) == (
        "jane@example.org",
        "Jane Doe",
        False,
        False,
    )
    assert user.check_password("a long enough password")
    assert not ApiToken.objects.exists()
    assert "estran_" not in out


def test_createuser_with_token_prints_a_working_token(db, client):
    out = run("estran_createuser", "--username", "pipeline", "--email", "p@example.org", "--token")
    [raw] = TOKEN_RE.findall(out)
    user = User.objects.get(username="pipeline")
    assert not user.has_usable_password()
    assert ApiToken.objects.get().user == user
    response = client.get("/api/deposits", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 200
    created = client.post(
        "/api/deposits",
        data='{"community": "ocean"}',
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {raw}",
    )
    assert created.status_code == 201
    assert created.json()["owner"] == "pipeline"


def test_createuser_admin_with_an_expiring_token(db):
    out = run(
        "estran_createuser",
        "--username",
        "root2",
        "--email",
        "r@example.org",
        "--admin",
        "--token",
        "--token-days",
        "7",
    )
    user = User.objects.get(username="root2")
    assert user.is_staff and user.is_superuser
    assert TOKEN_RE.search(out)
    assert ApiToken.objects.get(user=user).expires_at is not None


def test_createuser_refuses_a_taken_username(depositor):
    with pytest.raises(CommandError, match="taken"):
        run("estran_createuser", "--username", "depositor", "--email", "x@example.org", "--token")
    assert User.objects.filter(username="depositor").count() == 1
    assert not ApiToken.objects.exists()


# --- estran_grant_moderator ---------------------------------------------------------------------


def test_grant_moderator_grants_and_revokes(depositor, communities):
    out = run("estran_grant_moderator", "--username", "depositor", "--community", "ocean")
    assert "now moderates" in out
    depositor = User.objects.get(pk=depositor.pk)  # fresh permission cache
    assert is_moderator_of(depositor, communities["ocean"])
    assert not is_moderator_of(depositor, communities["atmosphere"])

    out = run("estran_grant_moderator", "--username", "depositor", "--community", "ocean", "--revoke")
    assert "no longer moderates" in out
    depositor = User.objects.get(pk=depositor.pk)
    assert not is_moderator_of(depositor, communities["ocean"])


def test_grant_moderator_unknown_community_lists_the_known_slugs(depositor, communities):
    with pytest.raises(CommandError) as caught:
        run("estran_grant_moderator", "--username", "depositor", "--community", "astrology")
    message = str(caught.value)
    assert "astrology" in message
    for slug in Community.objects.values_list("slug", flat=True):
        assert slug in message
    assert "ocean" in message


def test_grant_moderator_unknown_user(communities):
    with pytest.raises(CommandError, match="nobody"):
        run("estran_grant_moderator", "--username", "nobody", "--community", "ocean")


def test_grant_moderator_help_names_the_real_communities(communities):
    """The --community help lists slugs; they must be the seeded ones."""
    from accounts.management.commands.estran_grant_moderator import Command

    parser = Command().create_parser("manage.py", "estran_grant_moderator")
    help_text = next(a.help for a in parser._actions if a.dest == "community")
    for slug in communities:
        assert slug in help_text


# --- estran_load_demo ---------------------------------------------------------------------------


def test_load_demo_creates_the_three_accounts_and_is_idempotent(db, communities):
    first = run("estran_load_demo")
    second = run("estran_load_demo")
    for out in (first, second):
        for username in ("depositor", "moderator", "admin"):
            assert re.search(rf"^\s+{username}\s+password \S+", out, re.M), out
        assert "10.5072" in out
    assert User.objects.filter(username__in=["depositor", "moderator", "admin"]).count() == 3
    assert User.objects.count() == 3
    moderator = User.objects.get(username="moderator")
    assert is_moderator_of(moderator, communities["ocean"])
    assert not is_moderator_of(User.objects.get(username="depositor"), communities["ocean"])
    assert User.objects.get(username="admin").is_superuser
    assert User.objects.get(username="depositor").check_password("estran-depositor")


def test_load_demo_token_works(db, client):
    out = run("estran_load_demo", "--token")
    [raw] = TOKEN_RE.findall(out)
    response = client.get("/api/deposits", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 200


# --- estran_redrive_dois ------------------------------------------------------------------------


def test_redrive_lists_the_backlog_and_queues_the_due_registrations(
    db, eager_celery, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    from django.utils import timezone

    due = PersistentIdentifier.objects.create(
        doi="10.5072/estran.aaaaa-aaaaa",
        provider="local",
        document=document(),
        attempts=3,
        last_error="503 Service Unavailable",
    )
    later = PersistentIdentifier.objects.create(
        doi="10.5072/estran.bbbbb-bbbbb",
        provider="local",
        document=document(),
        next_attempt_at=timezone.now() + timedelta(hours=1),
    )
    rejected = PersistentIdentifier.objects.create(
        doi="10.5072/estran.ccccc-ccccc",
        provider="local",
        document=document(),
        sync="rejected",
        last_error="422 bad XML",
    )
    done = PersistentIdentifier.objects.create(
        doi="10.5072/estran.ddddd-ddddd", provider="local", document=document(), sync="done", state="draft"
    )

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        out = run("estran_redrive_dois")
    assert len(callbacks) == 1
    assert "Queued 1 registration(s)." in out
    for pid in (due, later, rejected):
        assert pid.doi in out
    assert done.doi not in out
    assert "503 Service Unavailable" in out

    due.refresh_from_db()
    assert (due.sync, due.state) == ("done", "draft")  # registered by the (eager) task
    later.refresh_from_db()
    rejected.refresh_from_db()
    assert (later.sync, rejected.sync) == ("pending", "rejected")


def test_redrive_with_rejected_retries_those_too(db, eager_celery, django_capture_on_commit_callbacks):
    rejected = PersistentIdentifier.objects.create(
        doi="10.5072/estran.ccccc-ccccc",
        provider="local",
        document=document(),
        sync="rejected",
        last_error="422 bad XML",
    )
    with django_capture_on_commit_callbacks(execute=True):
        out = run("estran_redrive_dois", "--rejected")
    assert "Queued 1 registration(s)." in out
    rejected.refresh_from_db()
    assert (rejected.sync, rejected.state, rejected.last_error) == ("done", "draft", "")


def test_redrive_with_nothing_to_do(db):
    assert "Queued 0 registration(s)." in run("estran_redrive_dois")
