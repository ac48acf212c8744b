"""Reads on communities and roles."""

from __future__ import annotations

from allauth.socialaccount.models import SocialAccount
from django.db.models import QuerySet
from guardian.shortcuts import get_objects_for_user, get_users_with_perms

from .models import Community, IdentityProvider


def communities_moderated_by(user) -> QuerySet[Community]:
    if not user.is_authenticated:
        return Community.objects.none()
    if user.is_superuser:
        return Community.objects.all()
    return get_objects_for_user(user, "accounts.moderate_community", klass=Community, accept_global_perms=False)


def is_moderator_of(user, community: Community | None) -> bool:
    """Remembered on the user object, as Django remembers permissions: a page asks several times
    (may view, which actions, which links) and each answer from guardian costs two queries."""
    if community is None or not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    known = user.__dict__.setdefault("_moderates", {})
    if community.pk not in known:
        known[community.pk] = user.has_perm("accounts.moderate_community", community)
    return known[community.pk]


def community_moderators(community: Community):
    return get_users_with_perms(community, only_with_perms_in=["moderate_community"])


def identities_of(user) -> list[dict]:
    """The sign-in methods linked to an account, named for people: ORCID with its iD, each
    institution by its name. Two queries whatever the number of identities."""
    accounts = list(SocialAccount.objects.filter(user=user).order_by("date_joined"))
    slugs = [a.provider.removeprefix("saml-") for a in accounts if a.provider.startswith("saml-")]
    institutions = {idp.slug: idp for idp in IdentityProvider.objects.filter(slug__in=slugs)} if slugs else {}
    identities = []
    for account in accounts:
        if account.provider == "orcid":
            label, detail = "ORCID", account.uid
        elif account.provider.startswith("saml-"):
            idp = institutions.get(account.provider.removeprefix("saml-"))
            label, detail = (idp.display_name() if idp else account.provider), account.uid
        else:
            label, detail = account.provider, account.uid
        identities.append({"pk": account.pk, "label": label, "detail": detail})
    return identities
