"""Writes on users, moderator rights and API tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm, remove_perm

from core.errors import ValidationFailed

from .models import ApiToken, Community

MODERATE = "accounts.moderate_community"
TOKEN_PREFIX = "estran_"


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def user_create(
    *,
    username: str,
    email: str,
    password: str | None = None,
    display_name: str = "",
    is_staff: bool = False,
    is_superuser: bool = False,
    email_verified: bool = True,
):
    User = get_user_model()
    if User.objects.filter(username=username).exists():
        raise ValidationFailed(f"The username {username!r} is taken.", field="username")
    user = User(
        username=username,
        email=email,
        display_name=display_name,
        is_staff=is_staff,
        is_superuser=is_superuser,
    )
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    if email:
        EmailAddress.objects.create(user=user, email=email, primary=True, verified=email_verified)
    return user


@transaction.atomic
def user_name_set(*, user, display_name: str) -> None:
    """The name the user is published under (creator, point of contact): whatever public output
    names a depositor uses it, never the username."""
    name = " ".join((display_name or "").split())
    if not name:
        raise ValidationFailed(
            _("Give your name as it should appear in citations, e.g. Anne Le Goff."), field="display_name"
        )
    max_length = get_user_model()._meta.get_field("display_name").max_length
    if len(name) > max_length:
        raise ValidationFailed(_("A name is at most %(n)s characters.") % {"n": max_length}, field="display_name")
    user.display_name = name
    user.save(update_fields=["display_name"])


def moderator_grant(*, user, community: Community) -> None:
    assign_perm("moderate_community", user, community)
    user.__dict__.pop("_moderates", None)  # what accounts.selectors.is_moderator_of remembered


def moderator_revoke(*, user, community: Community) -> None:
    remove_perm("moderate_community", user, community)
    user.__dict__.pop("_moderates", None)


@transaction.atomic
def api_token_create(*, user, name: str, expires_in_days: int | None = None) -> tuple[ApiToken, str]:
    """Create a token and return it with its clear value, which is never stored."""
    prefix = secrets.token_hex(4)
    secret = secrets.token_urlsafe(32)
    expires_at = timezone.now() + timedelta(days=expires_in_days) if expires_in_days else None
    token = ApiToken.objects.create(
        user=user, name=name or "API token", prefix=prefix, key_hash=_hash(secret), expires_at=expires_at
    )
    return token, f"{TOKEN_PREFIX}{prefix}_{secret}"


def api_token_revoke(*, token: ApiToken) -> None:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])


def api_token_authenticate(*, raw: str):
    """The user a clear token belongs to, or None if it is malformed, unknown, revoked or expired.
    Records the token's last use."""
    if not raw.startswith(TOKEN_PREFIX):
        return None
    prefix, _, secret = raw[len(TOKEN_PREFIX) :].partition("_")
    if not prefix or not secret:
        return None
    token = ApiToken.objects.active().select_related("user").filter(prefix=prefix).first()
    if token is None or not secrets.compare_digest(token.key_hash, _hash(secret)):
        return None
    if not token.user.is_active:
        return None
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return token.user
