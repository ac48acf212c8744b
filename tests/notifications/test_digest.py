"""The daily digest: one e-mail per digest reader listing what was not e-mailed yet, grouped by
deposit, sent once however many times (and however many workers at once) it runs."""

import threading
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from notifications.models import EmailMode, Notification, Preference
from notifications.services import digests_send
from tests.factories import complete_metadata, deposit_with_file


@pytest.fixture
def reader(moderator):
    Preference.objects.create(user=moderator, email=EmailMode.digest)
    return moderator


@pytest.fixture
def second_deposit(depositor, communities):
    return deposit_with_file(depositor, community=communities["ocean"], metadata=complete_metadata("Sediment cores"))


def test_a_digest_lists_the_days_notifications_grouped_by_deposit_and_is_sent_once(
    reader, deposit, second_deposit, depositor, act, comment_on, mailoutbox
):
    act(deposit, "submit", depositor)
    act(second_deposit, "submit", depositor)
    comment_on(deposit, depositor, "The README explains the QC flags.")
    assert mailoutbox == []

    assert digests_send(now=timezone.now()) == 1
    [mail] = mailoutbox
    assert mail.to == ["moderator@example.org"]
    assert mail.subject == f"[{settings.SITE_NAME}] Your daily digest: 3 notifications"
    body = mail.body
    assert body.index("== Glider section off Brest ==") < body.index("== Sediment cores ==")
    glider = body[body.index("== Glider section off Brest ==") : body.index("== Sediment cores ==")]
    assert f"{settings.SITE_URL}/moderation/deposits/{deposit.pk}/" in glider
    assert "submitted “Glider section off Brest” for review." in glider
    assert "commented on “Glider section off Brest”." in glider and "QC flags" in glider
    assert f"{settings.SITE_URL}/moderation/deposits/{second_deposit.pk}/" in body
    html = mail.alternatives[0][0]
    assert f'href="{settings.SITE_URL}/moderation/deposits/{second_deposit.pk}/"' in html
    assert not Notification.objects.filter(recipient=reader, emailed_at__isnull=True).exists()
    assert Preference.objects.get(user=reader).digest_sent_at is not None

    assert digests_send(now=timezone.now()) == 0  # run again: nothing new, nothing sent
    assert len(mailoutbox) == 1


def test_a_digest_takes_only_what_came_before_its_time_and_the_rest_next_day(
    reader, deposit, depositor, act, mailoutbox
):
    act(deposit, "submit", depositor)
    assert digests_send(now=timezone.now() - timedelta(hours=1)) == 0
    assert mailoutbox == []
    assert digests_send(now=timezone.now()) == 1
    assert "1 notification" in mailoutbox[0].subject


def test_the_digest_leaves_out_readers_of_immediate_mail_and_of_none(
    deposit, depositor, moderator, colleague, act, mailoutbox
):
    Preference.objects.create(user=colleague, email=EmailMode.off)
    act(deposit, "submit", depositor)
    assert [m.to for m in mailoutbox] == [["moderator@example.org"]]  # immediate, already sent
    assert digests_send(now=timezone.now()) == 0
    assert len(mailoutbox) == 1
    assert Notification.objects.get(recipient=colleague).emailed_at is None


def test_the_digest_task_is_on_the_beat_schedule_at_the_configured_hour():
    from notifications.tasks import digests_send_task

    entry = settings.CELERY_BEAT_SCHEDULE["notifications-send-digests"]
    assert entry["task"] == digests_send_task.name == "notifications.digest.send"
    assert entry["schedule"].hour == {settings.NOTIFICATIONS_DIGEST_HOUR}
    assert settings.NOTIFICATIONS_DIGEST_HOUR == 7


@pytest.mark.django_db(transaction=True)
def test_two_workers_sending_digests_at_once_send_each_one_once(
    communities, depositor, moderator, django_capture_on_commit_callbacks, mailoutbox, monkeypatch
):
    """Two real concurrent transactions on PostgreSQL: each reader's preference row is locked while
    their digest is made, and the other run skips it (then finds nothing left)."""
    from django.db import connection

    from deposit.services import deposit_act
    from notifications import services

    Preference.objects.create(user=moderator, email=EmailMode.digest)
    for title in ("Glider section off Brest", "Sediment cores"):
        deposit = deposit_with_file(depositor, community=communities["ocean"], metadata=complete_metadata(title))
        deposit_act(deposit=deposit, action="submit", actor=depositor)  # on_commit runs: autocommit
    assert Notification.objects.filter(recipient=moderator, emailed_at__isnull=True).count() == 2

    real_send = services._send
    start = threading.Barrier(2)

    def slow_send(**kwargs):
        # Hold the lock long enough for the other worker to meet it.
        threading.Event().wait(0.5)
        real_send(**kwargs)

    monkeypatch.setattr(services, "_send", slow_send)
    now = timezone.now()
    results, errors = [], []

    def worker():
        try:
            start.wait(timeout=10)
            results.append(digests_send(now=now))
        except Exception as exc:  # noqa: BLE001 - any failure of the thread is reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert sorted(results) == [0, 1]
    assert len(mailoutbox) == 1
    assert "2 notifications" in mailoutbox[0].subject
    assert not Notification.objects.filter(recipient=moderator, emailed_at__isnull=True).exists()
