"""allauth adapters: how a sign-in through an outside identity (ORCID, SAML) fills the account.

Each provider's part lives in its own clearly named functions, called from the adapter's hooks.
"""

from __future__ import annotations

from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.providers.base.constants import AuthError
from django.shortcuts import render
from django.utils.translation import gettext as _
from requests import RequestException

from accounts.orcid import profile_from_record
from accounts.orcid.services import user_orcid_apply_profile
from accounts.saml.adapter import FederationAdapterMixin
from core.logging import get_logger

log = get_logger(__name__)


# SAML: FederationAdapterMixin builds the allauth apps of the federation's IdPs and shows refused
# institutional sign-ins on their own page (accounts/saml/adapter.py).
class SocialAccountAdapter(FederationAdapterMixin, DefaultSocialAccountAdapter):
    def populate_user(self, request, sociallogin, data):
        user = super().populate_user(request, sociallogin, data)
        if sociallogin.account.provider == "orcid":
            orcid_populate_user(user, sociallogin)
        return user

    def on_authentication_error(self, request, provider, error=None, exception=None, extra_context=None):
        super().on_authentication_error(
            request, provider, error=error, exception=exception, extra_context=extra_context
        )
        if getattr(provider, "id", None) == "orcid":
            orcid_authentication_error(request, error=error, exception=exception, extra_context=extra_context or {})


# --- ORCID --------------------------------------------------------------------------------------
# A new account is filled here (`populate_user`: the user is not saved yet, and may first go
# through the sign-up form, which keeps these fields). An existing account is updated on each
# ORCID sign-in, and when ORCID is linked to it, by `accounts/orcid/signals.py`.


def orcid_populate_user(user, sociallogin) -> None:
    profile = profile_from_record(sociallogin.account.extra_data, orcid=sociallogin.account.uid)
    user_orcid_apply_profile(user=user, profile=profile, save=False)


def orcid_authentication_error(request, *, error=None, exception=None, extra_context: dict) -> None:
    """A page that says what went wrong with ORCID, in words a depositor can act on (allauth's
    generic page says only that a third-party login failed). Cancelling keeps allauth's page."""
    if error == AuthError.CANCELLED:
        return
    if isinstance(exception, RequestException):
        reason = "unreachable"
        message = _("ORCID could not be reached or did not answer in time. Wait a moment and sign in with ORCID again.")
    elif exception is None and "state" not in extra_context:
        reason = "no_state"
        message = _(
            "This sign-in was not started here, or it took too long: sign in with ORCID again from "
            "this site’s sign-in page."
        )
    else:
        reason = "refused"
        message = _(
            "ORCID did not confirm who you are: the authorization may have expired or been used "
            "already. Sign in with ORCID again; if this keeps happening, tell the repository’s "
            "operators (ORCID may not recognise this site’s client credentials)."
        )
    log.warning(
        "orcid.signin_failed", reason=reason, error=str(error), detail=str(exception)[:300] if exception else None
    )
    response = render(request, "accounts/orcid_error.html", {"message": message}, status=401)
    raise ImmediateHttpResponse(response)
