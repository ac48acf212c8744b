"""Reads on communities and roles."""
from __future__ import annotations

from django.db.models import QuerySet
from guardian.shortcuts import get_objects_for_user, get_users_with_perms

from .models import Community


def communities_moderated_by(user) -> QuerySet[Community]:
    if not user.is_authenticated:
        return Community.objects.none()
    if user.is_superuser:
        return Community.objects.all()
    return get_objects_for_user(
        user, "accounts.moderate_community", klass=Community, accept_global_perms=False
    )


def is_moderator_of(user, community: Community | None) -> bool:
    if community is None or not user.is_authenticated:
        return False
    return user.is_superuser or user.has_perm("accounts.moderate_community", community)


def community_moderators(community: Community):
    return get_users_with_perms(community, only_with_perms_in=["moderate_community"])
