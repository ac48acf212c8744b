"""The SAML part of Estran's socialaccount adapter: IdPs of the federation as allauth apps, and
refused sign-ins on our own page. Mixed into `accounts.adapters.SocialAccountAdapter`."""

from __future__ import annotations

from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.providers.base.constants import AuthError

from .apps import UnknownIdentityProvider, federation_app
from .errors import reason_code, refusal


class FederationAdapterMixin:
    def get_app(self, request, provider, client_id=None):
        try:
            app = federation_app(request, provider=provider, client_id=client_id)
        except UnknownIdentityProvider as exc:
            raise ImmediateHttpResponse(refusal(request, "unknown_idp", entity_id=exc.entity_id)) from None
        if app is not None:
            return app
        return super().get_app(request, provider, client_id=client_id)

    def on_authentication_error(self, request, provider, error=None, exception=None, extra_context=None):
        idp = getattr(getattr(provider, "app", None), "identity_provider", None)
        if idp is not None and error != AuthError.CANCELLED:
            detail = str((extra_context or {}).get("saml_last_error_reason") or exception or "")
            raise ImmediateHttpResponse(refusal(request, reason_code(detail), identity_provider=idp, detail=detail))
        return super().on_authentication_error(
            request, provider, error=error, exception=exception, extra_context=extra_context
        )


class FederationSocialAccountAdapter(FederationAdapterMixin, DefaultSocialAccountAdapter):
    """Used alone when no project adapter is configured."""
