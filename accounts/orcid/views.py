"""allauth's ORCID OAuth 2 views, with the ORCID they talk to taken from the settings.

allauth's `OrcidOAuth2Adapter` builds `https://<BASE_DOMAIN>/…` URLs once, at import time. This
subclass reads them, at each request, from `SOCIALACCOUNT_PROVIDERS["orcid"]`:

- `BASE_URL`: the ORCID site, where the browser authorizes (`/oauth/authorize`) and where the code
  is exchanged for a token (`/oauth/token`): https://orcid.org, https://sandbox.orcid.org or a
  test server;
- `API_URL`: the API that serves the record (`<API_URL>/<iD>/record`), by default the public API
  beside the site (`accounts.orcid.default_api_url`).

Everything else is allauth's own code: the login view, the state kept in the session, the token
request (`OAuth2Client`), the callback view, and the sign-in or sign-up that follows. Every outside
call goes through allauth's requests session, whose timeout is `SOCIALACCOUNT_REQUESTS_TIMEOUT`.
"""

from __future__ import annotations

from allauth.socialaccount import app_settings
from allauth.socialaccount.adapter import get_adapter
from allauth.socialaccount.providers.base import ProviderException
from allauth.socialaccount.providers.oauth2.views import OAuth2CallbackView, OAuth2LoginView
from allauth.socialaccount.providers.orcid.views import OrcidOAuth2Adapter as AllauthOrcidOAuth2Adapter
from django.http import Http404
from requests import RequestException

from core.logging import get_logger

from . import PRODUCTION_URL, default_api_url, is_orcid, normalize_orcid

log = get_logger(__name__)
RECORD_MEDIA_TYPE = "application/orcid+json"


def orcid_settings() -> dict:
    return app_settings.PROVIDERS.get("orcid", {})


def base_url() -> str:
    return (orcid_settings().get("BASE_URL") or PRODUCTION_URL).rstrip("/")


def api_url() -> str:
    return (orcid_settings().get("API_URL") or default_api_url(base_url())).rstrip("/")


class OrcidOAuth2Adapter(AllauthOrcidOAuth2Adapter):
    @property
    def authorize_url(self) -> str:
        return f"{base_url()}/oauth/authorize"

    @property
    def access_token_url(self) -> str:
        return f"{base_url()}/oauth/token"

    @property
    def profile_url(self) -> str:
        return f"{api_url()}/%s/record"

    def complete_login(self, request, app, token, **kwargs):
        """The iD is the one the token response names (ORCID authenticated it); the record adds the
        name, a public e-mail and the current employment. When the record cannot be read, the
        sign-in still succeeds with the iD and the name from the token response."""
        response = kwargs.get("response") or {}
        orcid = normalize_orcid(str(response.get("orcid") or ""))
        if not is_orcid(orcid):
            raise ProviderException(f"ORCID's token response names no valid iD: {response.get('orcid')!r}")
        try:
            record = self._fetch_record(orcid, token.token)
        except (RequestException, ValueError) as exc:
            log.warning("orcid.record_unavailable", orcid=orcid, error=type(exc).__name__, detail=str(exc)[:200])
            record = {}
        record_orcid = normalize_orcid(str((record.get("orcid-identifier") or {}).get("path") or ""))
        if record_orcid and record_orcid != orcid:
            log.warning("orcid.record_mismatch", orcid=orcid, record=record_orcid)
            record = {}
        record = dict(record)
        record["orcid-identifier"] = {
            "uri": f"{base_url()}/{orcid}",
            "path": orcid,
            "host": base_url().partition("://")[2],
        }
        if not record.get("person") and response.get("name"):
            # Only the token response's one-string name (ORCID's published name) is known.
            record["person"] = {"name": {"credit-name": {"value": str(response["name"])}}}
        return self.get_provider().sociallogin_from_response(request, record)

    def _fetch_record(self, orcid: str, access_token: str) -> dict:
        # ORCID lets an /authenticate token read public data; sent as a header, not in the query.
        headers = {"Accept": RECORD_MEDIA_TYPE, "Authorization": f"Bearer {access_token}"}
        with get_adapter().get_requests_session() as session:
            resp = session.get(self.profile_url % orcid, headers=headers)
            resp.raise_for_status()
            record = resp.json()
        if not isinstance(record, dict):
            raise ValueError("the record is not a JSON object")
        return record


def sign_in_enabled(request) -> bool:
    """Whether an ORCID client is configured (the provider is on)."""
    return bool(get_adapter(request).list_apps(request, provider="orcid"))


def _require_app(view):
    """A 404 rather than allauth's uncaught `SocialApp.DoesNotExist` when no ORCID client is
    configured (ORCID_CLIENT_ID unset): the provider is then off."""

    def wrapped(request, *args, **kwargs):
        if not sign_in_enabled(request):
            raise Http404("ORCID sign-in is not configured.")
        return view(request, *args, **kwargs)

    wrapped.login_not_required = True  # allauth's views are reachable signed out
    return wrapped


oauth2_login = _require_app(OAuth2LoginView.adapter_view(OrcidOAuth2Adapter))
oauth2_callback = _require_app(OAuth2CallbackView.adapter_view(OrcidOAuth2Adapter))
