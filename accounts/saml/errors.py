"""Refused institutional sign-ins: one clear page saying why, and a structured log line."""

from __future__ import annotations

from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from core.logging import get_logger

log = get_logger("accounts.saml")

REASONS = {
    "signature": _("The answer from your institution does not carry a valid signature, so it cannot be trusted."),
    "expired": _("The answer from your institution has expired. Please sign in again."),
    "clock": _(
        "The answer from your institution is not valid yet: the clocks of your institution and of this "
        "service disagree. Please try again in a few minutes."
    ),
    "encryption": _("Your institution sent an unencrypted answer, and this service requires encryption."),
    "audience": _("The answer from your institution was meant for another service, not for this one."),
    "replay": _("This answer from your institution has already been used. Please sign in again."),
    "unknown_idp": _("The institution that answered is not registered with this service."),
    "issuer": _("The answer was not issued by the institution you chose."),
    "destination": _("The answer from your institution was sent to another address."),
    "identifier": _(
        "Your institution did not release a stable identifier for you (subject-id, pairwise-id, "
        "eduPersonUniqueId or eduPersonPrincipalName). Ask its identity service to release one to this service."
    ),
    "status": _("Your institution did not sign you in."),
    "state": _("This sign-in was not started here, or it took too long. Please sign in again."),
    "invalid": _("The answer from your institution could not be accepted."),
}

# python3-saml explains a refusal in English prose only: these fragments map it to our reasons.
_FRAGMENTS = [
    ("audience", "audience"),
    ("clock", "not yet valid"),
    ("encryption", "not encrypted"),
    ("signature", "signature"),
    ("signature", "signed"),
    ("signature", "reference validation"),
    ("expired", "expired"),
    ("expired", "timestamp"),
    ("expired", "subjectconfirmation"),
    ("issuer", "issuer"),
    ("destination", "was received at"),
    ("status", "status code"),
]


def reason_code(message: str) -> str:
    text = (message or "").lower()
    for code, fragment in _FRAGMENTS:
        if fragment in text:
            return code
    return "invalid"


def refusal(
    request,
    code: str,
    *,
    identity_provider=None,
    entity_id: str = "",
    detail: str = "",
    status: int = 403,
):
    """The page of a refused sign-in. Nothing is logged in: the session is left as it was."""
    log.warning(
        "saml.refused",
        reason=code,
        idp=getattr(identity_provider, "entity_id", "") or entity_id,
        detail=detail[:300],
    )
    return render(
        request,
        "saml/error.html",
        {
            "reason": REASONS.get(code, REASONS["invalid"]),
            "code": code,
            "identity_provider": identity_provider,
            "entity_id": entity_id,
        },
        status=status,
    )
