"""E-mails exactly once, when the database fails where it can (issue 13): a mail leaves only after
the transaction that decided it commits, from an outbox row claimed (and committed) first; a send
that fails is retried; a mail that left is never sent again, not even when recording it failed.
The failures are real: PostgreSQL triggers refusing the writes (tests/fakes/db_faults.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from notifications.models import EmailMode, Notification, Preference
from notifications.services import emails_resend_unsent, notification_email_send
from tests.fakes.db_faults import refused_writes
from tests.races import run_at_once

RECORDING = "NEW.emailed_at IS NOT NULL AND OLD.emailed_at IS NULL"


@pytest.fixture
def unsent(deposit, depositor, moderator, act):
    """The moderator's notification of a submission, not mailed yet (they chose no e-mail, then
    immediate e-mails again)."""
    Preference.objects.create(user=moderator, email=EmailMode.off)
    act(deposit, "submit", depositor)
    Preference.objects.filter(user=moderator).update(email=EmailMode.immediate)
    return Notification.objects.get(recipient=moderator)


def to_moderator(mailoutbox):
    return [m for m in mailoutbox if m.to == ["moderator@example.org"]]


def test_a_mail_whose_sending_cannot_be_recorded_is_never_sent_again(unsent, mailoutbox):
    """The mail left, then every attempt to record it failed (the database refused the write): the
    claim stays, so neither the task retried nor the sweep sends it a second time."""
    with refused_writes("notifications_notification", when=RECORDING, times=100, events="UPDATE"):
        assert notification_email_send(notification_id=unsent.pk) is True
    assert len(to_moderator(mailoutbox)) == 1
    unsent.refresh_from_db()
    assert unsent.emailed_at is None and unsent.email_claimed_at is not None  # unconfirmed, for operators
    assert notification_email_send(notification_id=unsent.pk) is False
    assert emails_resend_unsent(now=timezone.now() + timedelta(minutes=11)) == 0
    assert len(to_moderator(mailoutbox)) == 1


def test_a_mail_whose_record_fails_twice_is_recorded_once_the_database_answers(unsent, mailoutbox):
    with refused_writes("notifications_notification", when=RECORDING, times=2, events="UPDATE"):
        assert notification_email_send(notification_id=unsent.pk) is True
    unsent.refresh_from_db()
    assert unsent.emailed_at is not None
    assert len(to_moderator(mailoutbox)) == 1


def test_a_busy_database_at_the_claim_sends_nothing_until_the_claim_is_taken(unsent, mailoutbox):
    """The claim could not be written at first: no mail leaves before it is, and it leaves once."""
    claiming = "NEW.email_claimed_at IS NOT NULL AND OLD.email_claimed_at IS NULL"
    with refused_writes("notifications_notification", when=claiming, times=2, events="UPDATE"):
        assert notification_email_send(notification_id=unsent.pk) is True
    assert len(to_moderator(mailoutbox)) == 1
    with refused_writes("notifications_notification", when=claiming, times=100, events="UPDATE"):
        Notification.objects.filter(pk=unsent.pk).update(emailed_at=None, email_claimed_at=None)
        with pytest.raises(Exception, match="refused by the test"):
            notification_email_send(notification_id=unsent.pk)
    assert len(to_moderator(mailoutbox)) == 1


def test_a_send_the_mail_server_refuses_releases_the_claim_for_the_sweep(unsent, mailoutbox, monkeypatch):
    from django.core.mail import EmailMultiAlternatives

    def refused(self, fail_silently=False):
        raise OSError("451 try again later")

    monkeypatch.setattr(EmailMultiAlternatives, "send", refused)
    with pytest.raises(OSError, match="451 try again later"):
        notification_email_send(notification_id=unsent.pk)
    monkeypatch.undo()
    unsent.refresh_from_db()
    assert unsent.emailed_at is None and unsent.email_claimed_at is None
    Notification.objects.filter(pk=unsent.pk).update(created=timezone.now() - timedelta(minutes=11))
    assert emails_resend_unsent() == 1  # eager: queued and sent
    assert len(to_moderator(mailoutbox)) == 1
    assert emails_resend_unsent() == 0


@pytest.mark.django_db(transaction=True)
def test_two_workers_sending_one_mail_at_once_send_it_once(unsent, mailoutbox):
    """Two real concurrent transactions: the conditional update of the claim is won by one."""
    results = run_at_once(lambda: notification_email_send(notification_id=unsent.pk))
    assert sorted(results) == [False, True]
    assert len(to_moderator(mailoutbox)) == 1


@pytest.mark.django_db(transaction=True)
def test_a_transition_whose_commit_fails_mails_nobody(deposit, depositor, moderator, mailoutbox, eager_celery):
    """The submission's transaction did its work and the commit was refused: nothing was decided, so
    no notification is made and no mail leaves; the deposit is still a draft."""
    from django.db import DatabaseError

    from deposit.services import deposit_act

    with refused_writes("deposit_depositevent", at_commit=True, events="INSERT"), pytest.raises(DatabaseError):
        deposit_act(deposit=deposit, action="submit", actor=depositor)
    deposit.refresh_from_db()
    assert deposit.status == "draft"
    assert not Notification.objects.exists()
    assert mailoutbox == []
