"""Writes of ORCID iDs on users: from an ORCID sign-in (authenticated) or typed by hand (unverified)."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from core.errors import Conflict, ValidationFailed
from core.logging import get_logger

from . import OrcidProfile, normalize_orcid, orcid_problem

log = get_logger(__name__)


def user_orcid_apply_profile(*, user, profile: OrcidProfile, save: bool = True) -> list[str]:
    """What an ORCID sign-in proved, onto `user`: the iD, authenticated (replacing any iD typed by
    hand); the names where the account has none yet (the person may have set others); the current
    employment, when the record shows one, as affiliation (ORCID is where researchers keep it up
    to date). Saves the changed fields unless `save` is false (a user not yet created). Returns the
    changed fields."""
    wanted = {"orcid": profile.orcid, "orcid_authenticated": True}
    for field, value in (
        ("first_name", profile.given_names[:150]),
        ("last_name", profile.family_name[:150]),
        ("display_name", profile.display_name[:200]),
    ):
        if value and not getattr(user, field):
            wanted[field] = value
    if profile.affiliation:
        wanted["affiliation"] = profile.affiliation
        wanted["affiliation_ror"] = profile.affiliation_ror
    changed = [field for field, value in wanted.items() if getattr(user, field) != value]
    for field in changed:
        setattr(user, field, wanted[field])
    if save and changed and user.pk:
        user.save(update_fields=changed)
        log.info("user.orcid_signed_in", user=user.pk, orcid=profile.orcid, changed=",".join(changed))
    return changed


def user_orcid_unlink(*, user, orcid: str) -> None:
    """ORCID was unlinked from the account: the iD it proved stays, but as unverified, so that the
    person can correct or remove it by hand (an authenticated iD cannot be edited)."""
    if user.orcid == orcid and user.orcid_authenticated:
        user.orcid_authenticated = False
        user.save(update_fields=["orcid_authenticated"])
        log.info("user.orcid_unlinked", user=user.pk, orcid=orcid)


@transaction.atomic
def user_orcid_set(*, user, orcid: str) -> None:
    """An iD typed by the user on their account page: checked (format and check digit), stored as
    unverified; an empty value removes it. An iD that came from an ORCID sign-in is not replaced by
    hand."""
    if user.orcid_authenticated:
        raise Conflict(
            _("Your ORCID iD comes from signing in with ORCID; it cannot be changed by hand."),
            field="orcid",
            code="orcid_authenticated",
        )
    orcid = (orcid or "").strip()
    if orcid:
        problem = orcid_problem(orcid)
        if problem:
            raise ValidationFailed(problem, field="orcid")
        orcid = normalize_orcid(orcid)
    user.orcid = orcid
    user.orcid_authenticated = False
    user.save(update_fields=["orcid", "orcid_authenticated"])
    log.info("user.orcid_typed", user=user.pk, orcid=orcid or None)
