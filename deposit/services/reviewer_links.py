"""Private reviewer links: a secret, expiring, revocable address that shows the unpublished deposit,
read-only, to a journal's anonymous reviewers. Created and revoked by the depositors; closed at
publication by the workflow (deposit.workflow, the `publish` effect), after which the DOI takes over.

The token is 256 random bits, URL-safe, shown once; only its SHA-256 is stored (as API tokens,
accounts.services.api_token_create), and a link is found by that hash."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import Conflict, PermissionDenied, ValidationFailed
from core.logging import get_logger
from deposit import policy
from deposit.models import Deposit, ReviewerLink
from deposit.workflow import Status

log = get_logger(__name__)

DEFAULT_DAYS = 30
MAX_DAYS = 366  # a year, whatever the year: a journal's review rarely lasts longer
LABEL_MAX_LENGTH = ReviewerLink._meta.get_field("label").max_length
# While the deposit is unpublished and may still be: not once approved (publication follows at
# once), published or rejected.
OPEN_TO_LINKS = frozenset({Status.draft, Status.submitted, Status.in_review, Status.changes_requested})
# A token is `secrets.token_urlsafe(32)`: 43 characters of [A-Za-z0-9_-]. Anything else is no token,
# refused before it is hashed or looked up.
TOKEN_LENGTH = 43
_TOKEN_CHARACTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def may_create_links(deposit: Deposit) -> bool:
    """Whether the deposit's status lets its depositors give out new links (who may: the policy)."""
    return deposit.status in OPEN_TO_LINKS


@transaction.atomic
def reviewer_link_create(
    *, deposit: Deposit, actor, label: str, expires_in_days: int = DEFAULT_DAYS
) -> tuple[ReviewerLink, str]:
    """A new link, with its clear token, which is never stored: the caller shows it once. The
    deposit's row is locked, as the workflow locks it to publish: a link is never created beside a
    publication that would not close it."""
    deposit = Deposit.objects.select_for_update().get(pk=deposit.pk)
    if not policy.may_manage_reviewer_links(deposit, actor):
        raise PermissionDenied(_("Only the depositor and co-depositors can give out reviewer links."))
    if not may_create_links(deposit):
        raise Conflict(
            _("A deposit that is %(status)s cannot be given reviewer links.")
            % {"status": Status(deposit.status).label},
            code="not_open_to_links",
        )
    label = " ".join((label or "").split())
    if not label:
        raise ValidationFailed(
            _("Name the link after the journal and the manuscript, e.g. Journal of Marine Systems, MS 2026-123."),
            field="label",
        )
    if len(label) > LABEL_MAX_LENGTH:
        raise ValidationFailed(_("A label is at most %(n)s characters.") % {"n": LABEL_MAX_LENGTH}, field="label")
    whole = isinstance(expires_in_days, int) and not isinstance(expires_in_days, bool)
    if not whole or not 1 <= expires_in_days <= MAX_DAYS:
        raise ValidationFailed(_("A link lasts from 1 to %(max)s days.") % {"max": MAX_DAYS}, field="expires_in_days")
    token = secrets.token_urlsafe(32)
    link = ReviewerLink.objects.create(
        deposit=deposit,
        label=label,
        token_hash=token_hash(token),
        created_by=actor,
        expires_at=timezone.now() + timedelta(days=expires_in_days),
    )
    log.info("reviewer_link.created", deposit=deposit.pk, link=link.pk, actor=actor.pk, days=expires_in_days)
    return link, token


@transaction.atomic
def reviewer_link_revoke(*, link: ReviewerLink, actor) -> ReviewerLink:
    """Revoke a link at once: its address leads nowhere from now on. Revoking it again changes nothing."""
    link = ReviewerLink.objects.select_for_update().select_related("deposit").get(pk=link.pk)
    if not policy.may_manage_reviewer_links(link.deposit, actor):
        raise PermissionDenied(_("Only the depositor and co-depositors can revoke reviewer links."))
    if link.revoked_at is None and link.closed_at is None:
        link.revoked_at = timezone.now()
        link.revoked_by = actor
        link.save(update_fields=["revoked_at", "revoked_by"])
        log.info("reviewer_link.revoked", deposit=link.deposit_id, link=link.pk, actor=actor.pk)
    return link


def reviewer_link_find(token: str) -> ReviewerLink | None:
    """The link of a clear token, whatever its state (the caller tells open from closed), or None
    for anything that is not the token of a link. Found by the token's hash (a unique index): the
    token itself is never compared with anything stored."""
    if len(token) != TOKEN_LENGTH or not set(token) <= _TOKEN_CHARACTERS:
        return None
    wanted = token_hash(token)
    link = (
        ReviewerLink.objects.select_related("deposit__record", "deposit__community", "deposit__pid")
        .filter(token_hash=wanted)
        .first()
    )
    if link is None or not secrets.compare_digest(link.token_hash, wanted):
        return None
    return link


def reviewer_link_count_use(*, link: ReviewerLink, download: bool = False) -> None:
    """Count a view of the page or a download through the link, on the link: reviewers' uses are
    kept apart from the published record's usage statistics (repository.usage), which never see them."""
    counter = "download_count" if download else "view_count"
    ReviewerLink.objects.filter(pk=link.pk).update(**{counter: F(counter) + 1, "last_used_at": timezone.now()})
