"""An existing account gets what ORCID proved each time its owner signs in with ORCID, and when
ORCID is linked to it; unlinked, its iD goes back to unverified. allauth has no adapter hook after
a link or an unlink, only these signals; the receivers only call the services. Connected in
`AccountsConfig.ready`."""

from __future__ import annotations

from allauth.socialaccount.signals import (
    social_account_added,
    social_account_removed,
    social_account_updated,
)
from django.dispatch import receiver

from . import normalize_orcid, profile_from_record
from .services import user_orcid_apply_profile, user_orcid_unlink


@receiver(social_account_updated, dispatch_uid="accounts.orcid.updated")
@receiver(social_account_added, dispatch_uid="accounts.orcid.added")
def orcid_account_signed_in(sender, request, sociallogin, **kwargs) -> None:
    account = sociallogin.account
    if account.provider != "orcid" or not account.user_id:
        return
    profile = profile_from_record(account.extra_data, orcid=account.uid)
    user_orcid_apply_profile(user=account.user, profile=profile)


@receiver(social_account_removed, dispatch_uid="accounts.orcid.removed")
def orcid_account_unlinked(sender, request, socialaccount, **kwargs) -> None:
    if socialaccount.provider == "orcid":
        user_orcid_unlink(user=socialaccount.user, orcid=normalize_orcid(socialaccount.uid))
