"""REST endpoints of private reviewer links: list a deposit's links, give one, revoke one. The same
rules and services as the deposit's page (deposit.services.reviewer_links): its depositors only,
while it is unpublished; the clear link is in the creation's answer only."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from django.conf import settings
from django.urls import reverse
from ninja import Router, Schema, Status
from pydantic import Field

from core.errors import NotFound, PermissionDenied

from . import policy, selectors, services
from .models import Deposit, ReviewerLink
from .services.reviewer_links import DEFAULT_DAYS, LABEL_MAX_LENGTH, MAX_DAYS

router = Router(tags=["reviewer links"])


class ReviewerLinkIn(Schema):
    label: str = Field(
        max_length=LABEL_MAX_LENGTH,
        description="For whom: the journal and the manuscript (`Journal of Marine Systems, MS 2026-123`).",
    )
    expires_in_days: int = Field(
        default=DEFAULT_DAYS, ge=1, le=MAX_DAYS, description=f"How long the link works, from 1 to {MAX_DAYS} days."
    )


class ReviewerLinkOut(Schema):
    id: int
    label: str
    state: Literal["open", "expired", "revoked", "closed"] = Field(
        description="`closed`: the deposit was published, and the link leads to its record."
    )
    created: datetime
    created_by: str | None = Field(description="The username of the depositor who gave it.")
    expires_at: datetime
    revoked_at: datetime | None
    closed_at: datetime | None = Field(description="When publication closed it.")
    last_used_at: datetime | None
    views: int = Field(description="Views of the deposit through the link (not counted in the record's usage).")
    downloads: int = Field(description="Downloads of its files through the link.")


class ReviewerLinkCreatedOut(ReviewerLinkOut):
    url: str = Field(description="The link to give to the reviewers. Only in this answer: Estran keeps only its hash.")


def _link_out(link: ReviewerLink) -> dict:
    return {
        "id": link.pk,
        "label": link.label,
        "state": link.state,
        "created": link.created_at,
        "created_by": link.created_by.username if link.created_by else None,
        "expires_at": link.expires_at,
        "revoked_at": link.revoked_at,
        "closed_at": link.closed_at,
        "last_used_at": link.last_used_at,
        "views": link.view_count,
        "downloads": link.download_count,
    }


def _managed_deposit(request, pk: int) -> Deposit:
    """The deposit, for one of its depositors: 404 for whoever does not see it, 403 for whoever sees
    it without being one (a moderator of its community)."""
    deposit = selectors.deposit_for(request.auth, pk)
    if not policy.may_manage_reviewer_links(deposit, request.auth):
        raise PermissionDenied("Only the depositor and co-depositors see and give reviewer links.")
    return deposit


@router.get(
    "/deposits/{pk}/reviewer-links",
    response=list[ReviewerLinkOut],
    summary="The deposit's private reviewer links (its depositors only)",
)
def reviewer_link_list(request, pk: int):
    deposit = _managed_deposit(request, pk)
    return [_link_out(link) for link in deposit.reviewer_links.select_related("created_by")]


@router.post(
    "/deposits/{pk}/reviewer-links",
    response={201: ReviewerLinkCreatedOut},
    summary="Give a private reviewer link: the unpublished deposit, read-only, without an account",
)
def reviewer_link_create(request, pk: int, payload: ReviewerLinkIn):
    """The answer's `url` is the only copy of the link. 409 `not_open_to_links` once the deposit is
    approved, published or rejected."""
    link, token = services.reviewer_link_create(
        deposit=_managed_deposit(request, pk),
        actor=request.auth,
        label=payload.label,
        expires_in_days=payload.expires_in_days,
    )
    url = settings.SITE_URL + reverse("reviewer:page", kwargs={"token": token})
    return Status(201, {**_link_out(link), "url": url})


@router.delete(
    "/deposits/{pk}/reviewer-links/{link_id}",
    response={204: None},
    summary="Revoke a reviewer link at once (it is kept, revoked, in the list)",
)
def reviewer_link_revoke(request, pk: int, link_id: int):
    link = _managed_deposit(request, pk).reviewer_links.filter(pk=link_id).first()
    if link is None:
        raise NotFound("No such reviewer link.")
    services.reviewer_link_revoke(link=link, actor=request.auth)
    return Status(204, None)
