"""Estran's ORCID provider: allauth's, with the adapter of `views.py` (configurable ORCID) and the
package of this folder (whose `urls.py` routes to those views).

Registered in place of allauth's through `SOCIALACCOUNT_PROVIDERS["orcid"]["provider_class"]`,
which allauth's provider registry honours; `allauth.socialaccount.providers.orcid` stays in
INSTALLED_APPS so that the registry finds the provider id.
"""

from __future__ import annotations

from allauth.socialaccount.providers.orcid.provider import OrcidProvider as AllauthOrcidProvider

from . import profile_from_record
from .views import OrcidOAuth2Adapter


class OrcidProvider(AllauthOrcidProvider):
    name = "ORCID"
    oauth2_adapter_class = OrcidOAuth2Adapter

    def extract_common_fields(self, data):
        profile = profile_from_record(data)
        fields = {
            "email": profile.email,
            "first_name": profile.given_names,
            "last_name": profile.family_name,
            "name": profile.display_name,
            # ORCID says whether it verified the address; only then is it taken as verified.
            "email_verified": profile.email_verified,
        }
        return {key: value for key, value in fields.items() if value}
