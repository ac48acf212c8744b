"""A title holding line breaks never breaks a mail: subjects are one line (messages.single_line),
the moderators hear of the submission, an invitation answers 201 and its mail leaves once through
the notifications' outbox; and a mail the server keeps refusing is marked failed after
NOTIFICATIONS_EMAIL_MAX_ATTEMPTS attempts, shown to operators, and no longer tried."""

from __future__ import annotations

import smtplib
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.mail.backends.locmem import EmailBackend
from django.urls import reverse
from django.utils import timezone

from deposit.models import Collaboration, Deposit
from notifications.messages import single_line
from notifications.models import Kind, Notification
from notifications.services import emails_resend_unsent, notification_email_send
from tests.factories import complete_metadata, deposit_with_file

HOSTILE_TITLE = "CTD casts\r\nBcc: everyone@example.org\n\nX-Spam: yes\u2028of the\tPELGAS cruise\u202e"
ONE_LINE_TITLE = "CTD casts Bcc: everyone@example.org X-Spam: yes of the PELGAS cruise"


@pytest.fixture
def hostile(depositor, communities):
    return deposit_with_file(depositor, community=communities["ocean"], metadata=complete_metadata(HOSTILE_TITLE))


def later() -> timezone.datetime:
    return timezone.now() + timedelta(minutes=11)  # past the sweep's RESEND_AFTER


def assert_sent_on_one_line(mail, subject: str) -> None:
    """The subject as built is one line, and the message as it goes on the wire, read back, has that
    subject (unfolded) and no header the title tried to add."""
    import email
    from email import policy

    assert "\r" not in mail.subject and "\n" not in mail.subject and mail.subject == subject
    wire = email.message_from_bytes(mail.message().as_bytes(), policy=policy.default)
    assert wire["Subject"] == subject
    assert "Bcc" not in wire and "X-Spam" not in wire


# --- One line ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Plain title", "Plain title"),
        ("two\r\nlines", "two lines"),
        ("  spaced \t\t out  ", "spaced out"),
        ("nel\x85and\u2028separators\u2029too\x0bvt\x0cff", "nel and separators too vt ff"),
        ("nul\x00and\x1bescape", "nul and escape"),
        ("report\u202efdp.exe zero\u200bwidth", "reportfdp.exe zerowidth"),  # format characters dropped
        ("", ""),
    ],
)
def test_a_subject_is_one_line_whatever_the_text_holds(text, expected):
    assert single_line(text) == expected


def test_a_long_text_is_cut_at_a_word_with_an_ellipsis():
    text = "word " * 100
    line = single_line(text, max_length=50)
    assert len(line) <= 50 and line.endswith("word…")
    assert single_line("x" * 300, max_length=20) == "x" * 19 + "…"


# --- Submission -------------------------------------------------------------------------------------


def test_a_title_with_line_breaks_is_submitted_and_the_moderator_is_mailed_a_one_line_subject(
    api_client, depositor, moderator, hostile, mailoutbox, eager_celery, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        answer = api_client(depositor).post(
            f"/api/deposits/{hostile.pk}/actions", {"action": "submit"}, content_type="application/json"
        )
    assert answer.status_code == 200, answer.content
    [mail] = [m for m in mailoutbox if m.to == ["moderator@example.org"]]
    assert_sent_on_one_line(mail, f"[{settings.SITE_NAME}] Submitted for review: {ONE_LINE_TITLE}")
    assert mail.bcc == []
    assert Notification.objects.get(recipient=moderator, kind=Kind.submitted).emailed_at is not None
    assert emails_resend_unsent(now=later()) == 0  # sent: the sweep has nothing to retry
    assert len(mailoutbox) == 1


# --- Invitations ------------------------------------------------------------------------------------


def invite(api_client, owner, deposit, **who):
    return api_client(owner).post(f"/api/deposits/{deposit.pk}/collaborators", who, content_type="application/json")


def test_an_invitation_to_a_title_with_line_breaks_answers_201_and_is_mailed_once_through_the_outbox(
    api_client, depositor, other_depositor, hostile, mailoutbox, eager_celery, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        answer = invite(api_client, depositor, hostile, email="other_depositor@example.org")
    assert answer.status_code == 201, answer.content

    [mail] = mailoutbox
    assert mail.to == ["other_depositor@example.org"]
    assert_sent_on_one_line(mail, f"[{settings.SITE_NAME}] Invitation to co-deposit: {ONE_LINE_TITLE}")
    assert "Depositor invites you to describe and submit the dataset" in mail.body
    assert f"{settings.SITE_URL}{reverse('deposit:invitations')}" in mail.body

    notification = Notification.objects.get(kind=Kind.invited)
    assert notification.collaboration_id == answer.json()["id"]
    assert notification.recipient == other_depositor and notification.emailed_at is not None
    # A retried task, and the sweep, send nothing more.
    assert notification_email_send(notification_id=notification.pk) is False
    assert emails_resend_unsent(now=later()) == 0
    assert len(mailoutbox) == 1
    # The invitee's bell has it too, leading to their invitations.
    bell = api_client(other_depositor).get("/api/notifications").json()
    assert [(n["kind"], n["url"]) for n in bell] == [("invited", f"{settings.SITE_URL}/deposits/invitations")]


def test_an_invitation_to_an_address_without_an_account_waits_in_the_outbox_until_the_sweep_sends_it(
    api_client, depositor, hostile, mailoutbox, eager_celery
):
    """The broker was down: the invitation is made (201), its mail waits in the outbox, and the
    sweep sends it once."""
    answer = invite(api_client, depositor, hostile, email="newcomer@example.org")  # callbacks not run
    assert answer.status_code == 201
    assert mailoutbox == [] and Notification.objects.count() == 0
    from notifications.services import notify_invitation

    # What the commit runs, except the mail's task, lost on its way to the broker.
    notify_invitation(collaboration_id=answer.json()["id"])
    assert mailoutbox == []
    [notification] = Notification.objects.filter(kind=Kind.invited)
    assert notification.recipient is None and notification.email == "newcomer@example.org"

    assert emails_resend_unsent(now=later()) == 1
    assert emails_resend_unsent(now=later()) == 0
    [mail] = mailoutbox
    assert mail.to == ["newcomer@example.org"]
    assert mail.body.startswith("Hello,")
    assert "create an account with this e-mail address" in mail.body
    assert "/notifications/settings" not in mail.body  # no account, no preferences to point to


def test_a_withdrawn_invitation_is_not_mailed(api_client, depositor, hostile, mailoutbox, eager_celery):
    answer = invite(api_client, depositor, hostile, email="newcomer@example.org")
    from notifications.services import notify_invitation

    notify_invitation(collaboration_id=answer.json()["id"])  # queued, not yet sent
    Collaboration.objects.filter(pk=answer.json()["id"]).update(state=Collaboration.State.revoked)
    notification = Notification.objects.get(kind=Kind.invited)
    assert notification_email_send(notification_id=notification.pk) is False
    assert emails_resend_unsent(now=later()) == 0
    assert mailoutbox == []


def test_the_invitation_page_answers_for_a_title_with_line_breaks(
    client, depositor, hostile, mailoutbox, eager_celery, django_capture_on_commit_callbacks
):
    client.force_login(depositor)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("deposit:collaborator-invite", args=[hostile.pk]), {"invitee": "newcomer@example.org"}
        )
    assert response.status_code == 302
    assert Collaboration.objects.filter(deposit=hostile, email="newcomer@example.org").exists()
    [mail] = mailoutbox
    assert_sent_on_one_line(mail, f"[{settings.SITE_NAME}] Invitation to co-deposit: {ONE_LINE_TITLE}")


# --- A mail the server keeps refusing ---------------------------------------------------------------


@pytest.fixture
def refusing_server(monkeypatch):
    """The mail server refuses every message (as an SMTP server refusing the recipient would)."""

    def refuse(self, messages):
        raise smtplib.SMTPRecipientsRefused({"moderator@example.org": (550, b"mailbox unavailable")})

    monkeypatch.setattr(EmailBackend, "send_messages", refuse)
    return monkeypatch


def test_a_mail_refused_again_and_again_is_marked_failed_and_no_longer_tried(
    depositor, moderator, hostile, mailoutbox, refusing_server, settings, client, admin, eager_celery
):
    from deposit.services import deposit_act

    settings.NOTIFICATIONS_EMAIL_MAX_ATTEMPTS = 3
    deposit_act(deposit=Deposit.objects.get(pk=hostile.pk), action="submit", actor=depositor)
    from notifications.services import notify_event

    notify_event(event_id=hostile.events.get(action="submit").pk)  # what the commit runs
    notification = Notification.objects.get(recipient=moderator)

    for attempt in (1, 2, 3):
        with pytest.raises(smtplib.SMTPRecipientsRefused):
            notification_email_send(notification_id=notification.pk)
        notification.refresh_from_db()
        assert notification.email_attempts == attempt
        assert notification.email_claimed_at is None and notification.emailed_at is None
        assert "SMTPRecipientsRefused" in notification.email_error
    assert notification.email_failed_at is not None
    # Given up: neither a retried task nor the sweep tries it again.
    assert notification_email_send(notification_id=notification.pk) is False
    assert emails_resend_unsent(now=later()) == 0
    notification.refresh_from_db()
    assert notification.email_attempts == 3 and mailoutbox == []

    # Operators see it in the admin, and send it again once the cause is fixed.
    client.force_login(admin)
    changelist = reverse("admin:notifications_notification_changelist")
    page = client.get(changelist, {"email_state": "failed"}).content.decode()
    assert f"/admin/notifications/notification/{notification.pk}/change/" in page
    refusing_server.undo()
    response = client.post(
        changelist, {"action": "retry_failed_emails", "_selected_action": [notification.pk]}, follow=True
    )
    assert "1 failed e-mail queued again." in response.content.decode()
    assert emails_resend_unsent(now=later()) == 0  # sent by the task the action queued
    [mail] = mailoutbox
    assert mail.to == ["moderator@example.org"]
    assert Notification.objects.get(pk=notification.pk).emailed_at is not None
