"""REST: GET /api/notifications (your own, unread first) and POST /api/notifications/read."""

import pytest
from django.conf import settings
from django.utils import timezone

from notifications.models import Audience, Kind, Notification


def notify(recipient, deposit, **extra):
    return Notification.objects.create(recipient=recipient, deposit=deposit, kind=Kind.comment, **extra)


@pytest.fixture
def three(depositor, moderator, deposit):
    old = notify(depositor, deposit, actor=moderator, text="old")
    read = notify(depositor, deposit, actor=moderator, text="read", read_at=timezone.now())
    new = notify(depositor, deposit, actor=moderator, text="new")
    theirs = notify(moderator, deposit, actor=depositor, audience=Audience.moderator)
    return old, read, new, theirs


def test_the_list_needs_a_token(api_client, three):
    assert api_client(None).get("/api/notifications").status_code == 401
    assert api_client(None).post("/api/notifications/read", {}, content_type="application/json").status_code == 401


def test_the_list_gives_ones_own_unread_first_then_newest(api_client, depositor, deposit, three):
    old, read, new, _theirs = three
    answer = api_client(depositor).get("/api/notifications")
    assert answer.status_code == 200
    items = answer.json()
    assert [i["id"] for i in items] == [new.pk, old.pk, read.pk]
    assert items[0]["url"] == f"{settings.SITE_URL}/deposits/{deposit.pk}/"
    assert items[0]["headline"] == "Moderator commented on “Glider section off Brest”."
    assert items[0]["read_at"] is None and items[2]["read_at"] is not None
    unread = api_client(depositor).get("/api/notifications", {"unread": "true"}).json()
    assert [i["id"] for i in unread] == [new.pk, old.pk]


def test_a_moderators_link_is_the_review_page(api_client, moderator, deposit, three):
    [item] = api_client(moderator).get("/api/notifications").json()
    assert item["url"] == f"{settings.SITE_URL}/moderation/deposits/{deposit.pk}/"


def test_marking_read_by_id_ignores_other_peoples_notifications(api_client, depositor, moderator, three):
    old, _read, _new, theirs = three
    answer = api_client(moderator).post(
        "/api/notifications/read", {"ids": [old.pk, theirs.pk]}, content_type="application/json"
    )
    assert answer.status_code == 200 and answer.json() == {"marked": 1, "unread": 0}
    assert Notification.objects.get(pk=old.pk).read_at is None


def test_marking_all_read(api_client, depositor, three):
    answer = api_client(depositor).post("/api/notifications/read", {}, content_type="application/json")
    assert answer.json() == {"marked": 2, "unread": 0}
    assert not Notification.objects.filter(recipient=depositor, read_at__isnull=True).exists()


def test_the_endpoints_are_described_in_the_openapi_document(client):
    paths = client.get("/api/openapi.json").json()["paths"]
    assert "get" in paths["/api/notifications"] and "post" in paths["/api/notifications/read"]
