"""Sign-in hardening: failed sign-ins are rate limited, `next` only leads inside the site, local
accounts verify their e-mail address, production cookies are secure."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.cache import cache
from django.urls import reverse

LOGIN = "/accounts/login/"


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def test_repeated_failed_sign_ins_are_refused_even_with_the_right_password(client, depositor):
    for _ in range(5):
        wrong = client.post(LOGIN, {"login": "depositor", "password": "not the password"})
        assert wrong.status_code == 200 and "_auth_user_id" not in client.session
    blocked = client.post(LOGIN, {"login": "depositor", "password": "correct horse battery"})
    assert "Too many failed login attempts" in blocked.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_sign_in_goes_to_a_local_next_page_but_never_to_another_site(client, depositor):
    inside = client.post(f"{LOGIN}?next=/moderation/", {"login": "depositor", "password": "correct horse battery"})
    assert inside.status_code == 302 and inside["Location"] == "/moderation/"
    client.logout()
    for target in ("https://evil.example/steal", "//evil.example/", "/\\evil.example"):
        answer = client.post(LOGIN, {"login": "depositor", "password": "correct horse battery", "next": target})
        assert answer.status_code == 302
        assert "evil.example" not in answer["Location"]
        assert answer["Location"] == reverse("deposit:list")
        client.logout()


def test_a_new_local_account_must_verify_its_email_before_signing_in(client, db, mailoutbox):
    signup = client.post(
        "/accounts/signup/",
        {
            "email": "newcomer@example.org",
            "username": "newcomer",
            "password1": "a long enough passphrase",
            "password2": "a long enough passphrase",
        },
    )
    assert signup.status_code == 302 and signup["Location"] == reverse("account_email_verification_sent")
    assert "_auth_user_id" not in client.session
    refused = client.post(LOGIN, {"login": "newcomer", "password": "a long enough passphrase"})
    assert refused.status_code == 302 and refused["Location"] == reverse("account_email_verification_sent")
    assert "_auth_user_id" not in client.session

    assert len(mailoutbox) >= 1 and mailoutbox[-1].to == ["newcomer@example.org"]
    link = next(line for line in mailoutbox[-1].body.splitlines() if "/accounts/confirm-email/" in line).strip()
    path = link[link.index("/accounts/confirm-email/") :]
    client.post(path)
    from allauth.account.models import EmailAddress

    assert EmailAddress.objects.get(email="newcomer@example.org").verified
    signed_in = client.post(LOGIN, {"login": "newcomer", "password": "a long enough passphrase"})
    assert signed_in.status_code == 302 and "_auth_user_id" in client.session


def test_production_settings_demand_a_secret_and_secure_cookies_on_https():
    root = Path(__file__).resolve().parents[2]
    script = (
        "from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, s.DEBUG)"
    )
    env = {
        "PATH": os.environ["PATH"],
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SITE_URL": "https://data.estran.example",
        "SECRET_KEY": "x" * 50,
    }
    out = subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); " + script],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["True", "True", "True", "False"]
    env.pop("SECRET_KEY")
    refused = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert refused.returncode != 0 and "SECRET_KEY must be set in production" in refused.stderr
