"""What a notification says and where it leads: its one-line headline, its e-mail subject and its
link. Worded when shown, not when made, so each reader gets it in their own language."""

from __future__ import annotations

import unicodedata

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _, gettext_lazy

from deposit.workflow import RejectionReason

from .models import Audience, Kind

# The subject line's first words: "[Estran] Changes requested: <title>".
SUBJECTS = {
    Kind.submitted: gettext_lazy("Submitted for review"),
    Kind.for_administrators: gettext_lazy("For an administrator to decide"),
    Kind.resubmitted: gettext_lazy("Resubmitted for review"),
    Kind.claimed: gettext_lazy("In review"),
    Kind.assigned: gettext_lazy("Assigned to you"),
    Kind.comment: gettext_lazy("New comment"),
    Kind.changes_requested: gettext_lazy("Changes requested"),
    Kind.approved: gettext_lazy("Approved"),
    Kind.rejected: gettext_lazy("Rejected"),
    Kind.published: gettext_lazy("Published"),
    Kind.invited: gettext_lazy("Invitation to co-deposit"),
}

# A subject is one line: a title is cut to SUBJECT_TITLE_MAX characters in it, the whole to SUBJECT_MAX.
SUBJECT_TITLE_MAX = 120
SUBJECT_MAX = 200


def single_line(text: str, *, max_length: int = SUBJECT_MAX) -> str:
    """`text` on one line of at most `max_length` characters, for an e-mail subject. A header is one
    line: Django refuses a subject holding CR or LF (BadHeaderError), and a line break in it could
    forge headers. Every run of whitespace and control characters (CR, LF, tab, NEL, the Unicode
    line and paragraph separators) becomes one space; invisible format characters (bidi overrides,
    zero-width spaces), lone surrogates and unassigned code points are dropped; a longer text is cut
    at a word with an ellipsis."""
    kept = []
    for char in str(text):
        category = unicodedata.category(char)
        if char.isspace() or category in ("Cc", "Zl", "Zp"):
            kept.append(" ")
        elif category not in ("Cf", "Cs", "Co", "Cn"):
            kept.append(char)
    line = " ".join("".join(kept).split())
    if len(line) <= max_length:
        return line
    cut = line[: max_length - 1]
    if " " in cut[max_length // 2 :]:  # end at a word when one ends in the second half
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip() + "…"


def deposit_title(deposit) -> str:
    return deposit.title or _("Untitled deposit #%(id)s") % {"id": deposit.pk}


def actor_name(notification) -> str:
    """Who did it; the system (publication) or a deleted account has no name."""
    return notification.actor.name if notification.actor_id and notification.actor else _("Someone")


def rejection_reason(notification) -> str:
    reason = notification.event.reason if notification.event_id and notification.event else ""
    try:
        return str(RejectionReason(reason).label)
    except ValueError:
        return ""


def headline(notification) -> str:
    """One sentence saying what happened, for the bell's list, the e-mail and the digest."""
    values = {"who": actor_name(notification), "title": deposit_title(notification.deposit)}
    kind = notification.kind
    if kind == Kind.submitted:
        return _("%(who)s submitted “%(title)s” for review.") % values
    if kind == Kind.for_administrators:
        return (
            _(
                "%(who)s submitted “%(title)s” for review. No other moderator of its community may review "
                "it (nobody moderates their own deposit): an administrator decides."
            )
            % values
        )
    if kind == Kind.resubmitted:
        return _("%(who)s resubmitted “%(title)s” after changes.") % values
    if kind == Kind.claimed:
        # For an assignment the actor recorded for the depositors is the colleague now reviewing.
        return _("%(who)s is now reviewing “%(title)s”.") % values
    if kind == Kind.assigned:
        return _("%(who)s assigned “%(title)s” to you for review.") % values
    if kind == Kind.comment:
        return _("%(who)s commented on “%(title)s”.") % values
    if kind == Kind.changes_requested:
        return _("%(who)s requested changes to “%(title)s”.") % values
    if kind == Kind.approved:
        return _("%(who)s approved “%(title)s”.") % values
    if kind == Kind.rejected:
        reason = rejection_reason(notification)
        if reason:
            return _("%(who)s rejected “%(title)s”: %(reason)s.") % {**values, "reason": reason}
        return _("%(who)s rejected “%(title)s”.") % values
    if kind == Kind.published:
        return _("“%(title)s” is published.") % values
    if kind == Kind.invited:
        return _("%(who)s invites you to describe and submit the dataset “%(title)s” with them.") % values
    return deposit_title(notification.deposit)


def subject(notification) -> str:
    """ "[Estran] Changes requested: <title>", on one line whatever the title holds."""
    label = SUBJECTS.get(notification.kind, notification.kind)
    title = single_line(deposit_title(notification.deposit), max_length=SUBJECT_TITLE_MAX)
    return single_line(
        _("[%(site)s] %(label)s: %(title)s") % {"site": settings.SITE_NAME, "label": label, "title": title}
    )


def target_path(notification) -> str:
    """Moderators are led to the review page, depositors to their deposit's page, an invitee to
    their invitations (the deposit is theirs to see once they accept)."""
    if notification.kind == Kind.invited:
        return reverse("deposit:invitations")
    if notification.audience == Audience.moderator:
        return reverse("moderation:review", kwargs={"pk": notification.deposit_id})
    return reverse("deposit:detail", kwargs={"pk": notification.deposit_id})


def target_url(notification) -> str:
    return settings.SITE_URL + target_path(notification)
