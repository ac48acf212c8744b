"""E-mails of notifications: one at once for those who want it (plain text and HTML, with the
link that suits the reader), nothing now for digest readers, nothing at all for those who chose
none; a retried task never sends twice."""

import pytest
from django.conf import settings

from notifications.models import EmailMode, Kind, Notification, Preference
from notifications.services import notification_email_send


@pytest.fixture
def in_review(deposit, depositor, moderator, act):
    act(deposit, "submit", depositor)
    act(deposit, "claim", moderator)
    return deposit


def mails_to(mailoutbox, email):
    return [m for m in mailoutbox if m.to == [email]]


def test_moderators_are_mailed_a_submission_with_a_link_to_the_review_page(
    deposit, depositor, moderator, act, mailoutbox
):
    act(deposit, "submit", depositor)
    [mail] = mails_to(mailoutbox, "moderator@example.org")
    assert mail.subject == f"[{settings.SITE_NAME}] Submitted for review: Glider section off Brest"
    link = f"{settings.SITE_URL}/moderation/deposits/{deposit.pk}/"
    assert link in mail.body
    assert "Depositor submitted “Glider section off Brest” for review." in mail.body
    html, mimetype = mail.alternatives[0]
    assert mimetype == "text/html" and f'href="{link}"' in html
    assert Notification.objects.get(recipient=moderator).emailed_at is not None


def test_depositors_are_mailed_a_request_for_changes_with_the_message_and_a_link_to_their_deposit(
    in_review, moderator, act, mailoutbox
):
    mailoutbox.clear()
    act(in_review, "request_changes", moderator, note="Please add the <calibration> & units.")
    assert sorted(m.to[0] for m in mailoutbox) == ["co@example.org", "depositor@example.org"]
    mail = mails_to(mailoutbox, "depositor@example.org")[0]
    assert mail.subject == f"[{settings.SITE_NAME}] Changes requested: Glider section off Brest"
    assert "Moderator requested changes to “Glider section off Brest”." in mail.body
    assert "Please add the <calibration> & units." in mail.body  # plain text: not escaped
    assert f"{settings.SITE_URL}/deposits/{in_review.pk}/" in mail.body
    html = mail.alternatives[0][0]
    assert "Please add the &lt;calibration&gt; &amp; units." in html  # HTML: escaped
    assert "/notifications/settings" in mail.body


def test_a_rejection_mail_gives_the_reason(in_review, moderator, act, mailoutbox):
    mailoutbox.clear()
    act(in_review, "reject", moderator, note="Model output, not observations.", reason="not_research_data")
    mail = mails_to(mailoutbox, "depositor@example.org")[0]
    assert mail.subject.endswith("Rejected: Glider section off Brest")
    assert "Not research data" in mail.body and "Model output, not observations." in mail.body


def test_digest_readers_get_no_mail_now_and_those_who_chose_none_never(
    deposit, depositor, moderator, colleague, act, mailoutbox
):
    Preference.objects.create(user=moderator, email=EmailMode.digest)
    Preference.objects.create(user=colleague, email=EmailMode.off)
    act(deposit, "submit", depositor)
    assert mailoutbox == []
    assert Notification.objects.filter(kind=Kind.submitted, emailed_at__isnull=True).count() == 2


def test_sending_a_notifications_mail_twice_sends_it_once(deposit, depositor, moderator, act, mailoutbox):
    Preference.objects.create(user=moderator, email=EmailMode.off)
    act(deposit, "submit", depositor)
    Preference.objects.filter(user=moderator).update(email=EmailMode.immediate)
    notification = Notification.objects.get(recipient=moderator)
    assert notification_email_send(notification_id=notification.pk) is True
    assert notification_email_send(notification_id=notification.pk) is False  # the task, retried
    assert len(mailoutbox) == 1


def test_a_failed_send_is_left_to_be_retried(deposit, depositor, moderator, act, mailoutbox, monkeypatch):
    from django.core.mail import EmailMultiAlternatives

    Preference.objects.create(user=moderator, email=EmailMode.off)
    act(deposit, "submit", depositor)
    notification = Notification.objects.get(recipient=moderator)
    Preference.objects.filter(user=moderator).update(email=EmailMode.immediate)

    def refused(self, fail_silently=False):
        raise OSError("connection refused")

    monkeypatch.setattr(EmailMultiAlternatives, "send", refused)
    with pytest.raises(OSError, match="connection refused"):
        notification_email_send(notification_id=notification.pk)
    notification.refresh_from_db()
    assert notification.emailed_at is None
    monkeypatch.undo()
    assert notification_email_send(notification_id=notification.pk) is True
    assert len(mailoutbox) == 1


def test_the_mail_task_retries_when_the_mail_server_fails():
    from notifications.tasks import notification_email_task

    assert OSError in notification_email_task.autoretry_for
    assert notification_email_task.name == "notifications.email.send"


def test_a_reader_who_switched_to_the_digest_meanwhile_is_left_to_the_digest(
    deposit, depositor, moderator, act, mailoutbox
):
    Preference.objects.create(user=moderator, email=EmailMode.off)
    act(deposit, "submit", depositor)
    Preference.objects.filter(user=moderator).update(email=EmailMode.digest)
    notification = Notification.objects.get(recipient=moderator)
    assert notification_email_send(notification_id=notification.pk) is False
    assert mailoutbox == []


def test_mails_are_in_the_site_language(deposit, depositor, moderator, act, mailoutbox, settings):
    settings.LANGUAGE_CODE = "fr"
    act(deposit, "submit", depositor)
    mail = mails_to(mailoutbox, "moderator@example.org")[0]
    assert mail.subject == f"[{settings.SITE_NAME}] Soumis pour examen : Glider section off Brest"
    assert "Bonjour Moderator," in mail.body


def test_an_immediate_e_mail_lost_on_the_way_is_sent_by_the_sweep_once(
    deposit, depositor, moderator, act, mailoutbox, settings
):
    """The broker was down when the e-mail was queued: the notification is in the bell but unsent.
    The sweep (beat, every ten minutes) queues it again; a second sweep sends nothing more."""
    from datetime import timedelta

    from django.utils import timezone

    from notifications.services import emails_resend_unsent

    act(deposit, "submit", depositor)
    notification = Notification.objects.get(recipient=moderator)
    Notification.objects.filter(pk=notification.pk).update(emailed_at=None, email_claimed_at=None)  # never queued
    mailoutbox.clear()
    now = timezone.now()
    assert emails_resend_unsent(now=now) == 0  # too recent: its task may still be on its way
    later = now + timedelta(minutes=11)
    assert emails_resend_unsent(now=later) == 1
    [mail] = mails_to(mailoutbox, "moderator@example.org")
    assert "Submitted for review" in mail.subject
    assert emails_resend_unsent(now=later) == 0
    assert len(mailoutbox) == 1
    # Digest readers and old notifications are left alone.
    Notification.objects.filter(pk=notification.pk).update(emailed_at=None, email_claimed_at=None)
    Preference.objects.update_or_create(user=moderator, defaults={"email": EmailMode.digest})
    assert emails_resend_unsent(now=later) == 0
    Preference.objects.filter(user=moderator).update(email=EmailMode.immediate)
    assert emails_resend_unsent(now=now + timedelta(days=3)) == 0
