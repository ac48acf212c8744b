"""The bell and the notifications page: each user sees and opens only their own notifications,
for every role; opening one marks it read and leads to the right page; the preference form; the
page's queries do not grow with the number of notifications."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from deposit.models import DepositEvent
from notifications.models import Audience, EmailMode, Kind, Notification, Preference


def notify(recipient, deposit, *, kind=Kind.comment, audience=Audience.depositor, actor=None, text="", event=None):
    return Notification.objects.create(
        recipient=recipient, deposit=deposit, kind=kind, audience=audience, actor=actor, text=text, event=event
    )


@pytest.fixture
def mine(depositor, moderator, deposit):
    """Two notifications of the depositor (one read), one of the moderator."""
    from django.utils import timezone

    first = notify(depositor, deposit, kind=Kind.claimed, actor=moderator)
    second = notify(depositor, deposit, kind=Kind.comment, actor=moderator, text="Which CTD model?")
    read = notify(depositor, deposit, kind=Kind.submitted, actor=depositor)
    read.read_at = timezone.now()
    read.save(update_fields=["read_at"])
    theirs = notify(moderator, deposit, kind=Kind.submitted, audience=Audience.moderator, actor=depositor)
    return {"first": first, "second": second, "read": read, "theirs": theirs}


LIST = reverse("notifications:list")
SETTINGS = reverse("notifications:settings")
READ_ALL = reverse("notifications:read-all")


@pytest.mark.parametrize("url", [LIST, SETTINGS])
def test_anonymous_visitors_are_sent_to_sign_in(client, url):
    answer = client.get(url)
    assert answer.status_code == 302 and "/accounts/login/" in answer["Location"]


def test_anonymous_visitors_cannot_open_or_mark_anything(client, mine):
    assert client.post(reverse("notifications:read", args=[mine["first"].pk])).status_code == 302
    assert client.post(READ_ALL).status_code == 302
    assert Notification.objects.filter(read_at__isnull=True).count() == 3


def test_the_bell_shows_the_unread_count_to_screen_readers_too(client, depositor, mine):
    client.force_login(depositor)
    page = client.get(reverse("deposit:list")).content.decode()
    assert "Notifications, 2 unread" in page
    assert '<span class="bell-count" aria-hidden="true">2</span>' in page
    assert f'href="{LIST}"' in page


def test_the_bell_of_a_user_without_notifications_says_none_unread(client, other_depositor, mine):
    client.force_login(other_depositor)
    page = client.get(reverse("deposit:list")).content.decode()
    assert "Notifications, 0 unread" in page and "bell-count" not in page


def test_the_bell_costs_one_query_and_none_until_a_page_shows_it(rf, depositor, mine, django_assert_num_queries):
    from notifications.context_processors import bell

    request = rf.get("/")
    request.user = depositor
    with django_assert_num_queries(0):
        context = bell(request)
    with django_assert_num_queries(1):
        assert context["notification_bell"].unread == 2
        assert context["notification_bell"].unread == 2


def test_the_list_shows_ones_own_notifications_newest_first_unread_highlighted(client, depositor, mine):
    client.force_login(depositor)
    answer = client.get(LIST)
    assert answer.status_code == 200
    page = answer.content.decode()
    assert page.count('class="notification unread"') == 2
    assert page.count('class="notification"') == 1
    assert (
        page.index("Depositor submitted")
        < page.index("Moderator commented on")
        < page.index("Moderator is now reviewing")
    )
    assert "Which CTD model?" in page
    assert reverse("notifications:read", args=[mine["theirs"].pk]) not in page


@pytest.mark.parametrize("who", ["other_depositor", "other_moderator", "moderator", "admin"])
def test_nobody_else_sees_the_depositors_notifications(client, request, who, mine):
    user = request.getfixturevalue(who)
    client.force_login(user)
    page = client.get(LIST).content.decode()
    for key in ("first", "second", "read"):
        assert reverse("notifications:read", args=[mine[key].pk]) not in page


def test_opening_a_notification_marks_it_read_and_leads_a_depositor_to_the_deposit(client, depositor, mine, deposit):
    client.force_login(depositor)
    answer = client.post(reverse("notifications:read", args=[mine["first"].pk]))
    assert answer.status_code == 302 and answer["Location"] == reverse("deposit:detail", args=[deposit.pk])
    mine["first"].refresh_from_db()
    assert mine["first"].read_at is not None
    assert Notification.objects.get(pk=mine["second"].pk).read_at is None


def test_opening_a_notification_leads_a_moderator_to_the_review_page(client, moderator, mine, deposit):
    client.force_login(moderator)
    answer = client.post(reverse("notifications:read", args=[mine["theirs"].pk]))
    assert answer["Location"] == reverse("moderation:review", args=[deposit.pk])


@pytest.mark.parametrize("who", ["other_depositor", "other_moderator", "moderator", "admin"])
def test_opening_someone_elses_notification_is_not_found(client, request, who, mine):
    client.force_login(request.getfixturevalue(who))
    assert client.post(reverse("notifications:read", args=[mine["first"].pk])).status_code == 404
    assert Notification.objects.get(pk=mine["first"].pk).read_at is None


def test_opening_needs_a_post(client, depositor, mine):
    client.force_login(depositor)
    assert client.get(reverse("notifications:read", args=[mine["first"].pk])).status_code == 405
    assert Notification.objects.get(pk=mine["first"].pk).read_at is None


def test_mark_all_read_marks_only_ones_own(client, depositor, mine):
    client.force_login(depositor)
    answer = client.post(READ_ALL)
    assert answer.status_code == 302 and answer["Location"] == LIST
    assert not Notification.objects.filter(recipient=depositor, read_at__isnull=True).exists()
    assert Notification.objects.get(pk=mine["theirs"].pk).read_at is None


def test_the_preference_is_immediate_until_changed_and_saved_from_the_form(client, depositor):
    client.force_login(depositor)
    page = client.get(SETTINGS).content.decode()
    assert re.search(r'<input[^>]*value="immediate"[^>]*checked', page)
    answer = client.post(SETTINGS, {"email": "digest"})
    assert answer.status_code == 302
    assert Preference.objects.get(user=depositor).email == EmailMode.digest
    client.post(SETTINGS, {"email": "off"})
    assert Preference.objects.get(user=depositor).email == EmailMode.off
    assert re.search(r'<input[^>]*value="off"[^>]*checked', client.get(LIST).content.decode())


def test_an_unknown_preference_is_refused_at_its_field(client, depositor):
    client.force_login(depositor)
    answer = client.post(SETTINGS, {"email": "hourly"})
    assert answer.status_code == 200
    assert "errorlist" in answer.content.decode()
    assert not Preference.objects.filter(user=depositor).exists()


def test_the_list_is_paginated(client, depositor, deposit, settings):
    settings.NOTIFICATIONS_PAGE_SIZE = 5
    for i in range(12):
        notify(depositor, deposit, text=f"message {i}")
    client.force_login(depositor)
    first = client.get(LIST).content.decode()
    assert "message 11" in first and "message 6" not in first and "Page 1 of 3" in first
    last = client.get(LIST, {"page": 3}).content.decode()
    assert "message 0" in last and "message 2" not in last


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_list_runs_a_bounded_number_of_queries(
    client, depositor, moderator, communities, settings, django_assert_max_num_queries
):
    from tests.factories import deposit_with_file

    settings.NOTIFICATIONS_PAGE_SIZE = 50
    client.force_login(depositor)

    def add(n):
        for _ in range(n):
            deposit = deposit_with_file(depositor, community=communities["ocean"])
            event = DepositEvent.objects.create(
                deposit=deposit,
                action="reject",
                from_status="in_review",
                to_status="rejected",
                actor=moderator,
                note="no",
                reason="duplicate",
            )
            notify(depositor, deposit, kind=Kind.rejected, actor=moderator, event=event, text="no")

    add(2)
    few = _queries(client, LIST)
    add(20)
    with django_assert_max_num_queries(few):
        page = client.get(LIST).content.decode()
    assert page.count("Already published elsewhere (duplicate)") == 22
