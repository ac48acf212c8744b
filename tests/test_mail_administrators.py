"""core.mail: the one path for mail to the administrators (the DOI outbox's refusals, the DOI
reconciliation's drift, the fixity audit's mismatches): `ADMINS` and the active superusers, the
subject prefixed with the site's name; a mail the server refuses is logged, or raised on demand."""

from __future__ import annotations

import pytest
from django.core import mail

from core.mail import administrators, mail_administrators
from tests.conftest import _user
from tests.fakes.s3_server import free_port


def test_the_administrators_are_the_admins_setting_and_the_active_superusers(settings, admin, depositor):
    settings.ADMINS = [("Operator", "ops@example.org"), ("Admin again", admin.email)]
    retired = _user("retired_admin", is_superuser=True)
    no_address = _user("no_address", is_superuser=True)
    type(retired).objects.filter(pk=retired.pk).update(is_active=False)
    type(no_address).objects.filter(pk=no_address.pk).update(email="")
    _user("staff_only", is_staff=True)

    assert administrators() == sorted(["ops@example.org", admin.email])


def test_one_mail_reaches_every_administrator_under_the_site_name(settings, admin):
    settings.ADMINS = [("Operator", "ops@example.org")]
    settings.SITE_NAME = "Estran test"

    sent_to = mail_administrators("DOI drift: 2", "Two DOIs differ.")

    assert sent_to == sorted(["ops@example.org", admin.email])
    [message] = mail.outbox
    assert message.to == sent_to
    assert message.subject == "[Estran test] DOI drift: 2" and message.body == "Two DOIs differ."


def test_with_nobody_to_mail_nothing_is_sent(settings, db):
    settings.ADMINS = []
    assert mail_administrators("DOI drift: 1", "One DOI differs.") == []
    assert mail.outbox == []


@pytest.fixture
def refusing_server(settings):
    """An SMTP backend pointed at a loopback port nobody listens on: every send is refused."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()
    settings.EMAIL_TIMEOUT = 5
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""


def test_a_refused_mail_is_logged_not_raised(refusing_server, admin, caplog):
    assert mail_administrators("DOI refused by DataCite: 10.5072/x", "…") == []
    assert any("mail.failed" in record.getMessage() for record in caplog.records)


def test_a_refused_mail_is_raised_when_the_caller_asks(refusing_server, admin):
    with pytest.raises(ConnectionRefusedError):
        mail_administrators("Fixity audit: 1 file(s) do not match their checksums", "…", fail_silently=False)
