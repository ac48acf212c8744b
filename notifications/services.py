"""Who is told what: one notification per person concerned by a deposit event or a comment (never
the person who acted), the e-mail of each one for those who want them at once, the daily digest for
the others, and marking notifications read.

Each notification is e-mailed once, through an outbox: its row is claimed by one conditional update
that a single worker wins, the claim commits, the mail is handed to the server with no transaction
open, and `emailed_at` is recorded after. A send that fails releases the claim (and is retried); a
commit that fails can no longer undo the record of a mail that left, so neither a retried task nor
the sweep sends it again. A claim left without `emailed_at` (a worker killed mid-send) is never
sent again automatically: the admin lists it as unconfirmed. A mail that keeps failing is given up
after NOTIFICATIONS_EMAIL_MAX_ATTEMPTS (marked failed, listed in the admin). Invitations to
co-deposit go through the same outbox, to an address that may not have an account yet."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.db import DatabaseError, OperationalError, transaction
from django.db.models import Case, F, Q, Value, When
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _, ngettext

from accounts.selectors import community_moderators
from core.errors import NotFound, ValidationFailed
from core.logging import get_logger
from deposit.models import Collaboration, DepositEvent
from deposit.policy import editor_ids
from deposit.workflow import Action
from moderation.models import Comment

from . import messages, tasks
from .messages import single_line
from .models import Audience, EmailMode, Kind, Notification, Preference

log = get_logger(__name__)

TEXT_MAX = 500  # a comment's first characters kept in the notification


@dataclass(frozen=True)
class Recipient:
    user: object
    kind: str
    audience: str
    actor: object = None  # who the notification names, when not the event's actor


# --- who is concerned ----------------------------------------------------------------------------


def _depositors(deposit) -> list:
    """The owner and the accepted co-depositors."""
    users = [deposit.owner]
    users += [
        c.user
        for c in Collaboration.objects.filter(
            deposit=deposit, state=Collaboration.State.accepted, user__isnull=False
        ).select_related("user")
    ]
    return users


def _community_deciders(deposit) -> list:
    """The community's moderators who may moderate the deposit: not its depositors
    (deposit.policy.may_moderate)."""
    if deposit.community_id is None:
        return []
    editors = editor_ids(deposit)
    return [u for u in community_moderators(deposit.community) if u.pk not in editors]


def _administrators(deposit) -> list:
    """The administrators who may moderate the deposit: they decide when its community has no other
    moderator (its only moderator deposited it)."""
    return list(get_user_model().objects.filter(is_superuser=True, is_active=True).exclude(pk__in=editor_ids(deposit)))


def _moderators(deposit) -> list:
    return _community_deciders(deposit) or _administrators(deposit)


def _reviewer_or_moderators(deposit) -> list:
    return [deposit.reviewer] if deposit.reviewer_id else _moderators(deposit)


def _was_submitted_before(event) -> bool:
    return DepositEvent.objects.filter(
        deposit_id=event.deposit_id, action__in=[Action.submit, Action.resubmit], pk__lt=event.pk
    ).exists()


def _event_recipients(event) -> list[Recipient]:
    deposit = event.deposit
    action = event.action
    to_depositors = lambda kind, actor=None: [  # noqa: E731
        Recipient(u, kind, Audience.depositor, actor) for u in _depositors(deposit)
    ]
    if action in (Action.submit, Action.resubmit):
        # A submission after "back to draft" is a resubmission too: it goes to the kept reviewer.
        if action == Action.resubmit or _was_submitted_before(event):
            return [Recipient(u, Kind.resubmitted, Audience.moderator) for u in _reviewer_or_moderators(deposit)]
        deciders = _community_deciders(deposit)
        if not deciders:  # the administrators are told why it comes to them
            return [Recipient(u, Kind.for_administrators, Audience.moderator) for u in _administrators(deposit)]
        return [Recipient(u, Kind.submitted, Audience.moderator) for u in deciders]
    if action == Action.claim:
        return to_depositors(Kind.claimed)
    if action == Action.assign:
        recipients = []
        if event.assignee_id:
            recipients.append(Recipient(event.assignee, Kind.assigned, Audience.moderator))
        # The depositors are told who reviews their deposit now: the colleague, not the assigner.
        return recipients + to_depositors(Kind.claimed, actor=event.assignee or event.actor)
    decisions = {
        Action.request_changes: Kind.changes_requested,
        Action.approve: Kind.approved,
        Action.reject: Kind.rejected,
        Action.publish: Kind.published,
    }
    if action in decisions:
        return to_depositors(decisions[action])
    return []  # release, edit: nobody needs to know


def _comment_recipients(comment) -> list[Recipient]:
    deposit = comment.deposit
    depositors = _depositors(deposit)
    depositor_ids = {u.pk for u in depositors}
    if comment.author_id in depositor_ids:
        recipients = [Recipient(u, Kind.comment, Audience.moderator) for u in _reviewer_or_moderators(deposit)]
    else:
        recipients = [Recipient(u, Kind.comment, Audience.depositor) for u in depositors]
    parent = comment.parent
    if parent is not None:
        audience = Audience.depositor if parent.author_id in depositor_ids else Audience.moderator
        recipients.append(Recipient(parent.author, Kind.comment, audience))
    return recipients


# --- making notifications ------------------------------------------------------------------------


def notify_event(*, event_id: int) -> None:
    """Notify the people concerned by one deposit event. Called once the transition has committed:
    a failure here is logged, never turned into an error for a transition that did happen."""
    try:
        event = DepositEvent.objects.select_related(
            "deposit__owner", "deposit__community", "deposit__reviewer", "actor", "assignee"
        ).get(pk=event_id)
        notifications_create(
            recipients=_event_recipients(event),
            deposit=event.deposit,
            actor=event.actor,
            event=event,
            text=event.note,
        )
    except Exception:
        log.exception("notifications.event_failed", event_id=event_id)


def notify_comment(*, comment_id: int) -> None:
    """Notify the other party of a new comment, and the author of the comment it answers."""
    try:
        comment = Comment.objects.select_related(
            "deposit__owner", "deposit__community", "deposit__reviewer", "author", "parent__author"
        ).get(pk=comment_id)
        body = comment.body.strip()
        text = body if len(body) <= TEXT_MAX else body[: TEXT_MAX - 1].rstrip() + "…"
        notifications_create(
            recipients=_comment_recipients(comment),
            deposit=comment.deposit,
            actor=comment.author,
            comment=comment,
            text=text,
        )
    except Exception:
        log.exception("notifications.comment_failed", comment=comment_id)


def notify_invitation(*, collaboration_id: int) -> None:
    """Tell the person invited to co-deposit: by e-mail through the outbox (to the address the
    invitation names, or to the account it reached), and in the bell of that account. Called once
    the invitation has committed; a failure here is logged, never turned into an error for an
    invitation that was made."""
    try:
        collaboration = Collaboration.objects.select_related("deposit", "invited_by", "user").get(pk=collaboration_id)
        user = collaboration.user if collaboration.user_id and collaboration.user.is_active else None
        if user is None and not collaboration.email:
            return  # an ORCID iD no account has authenticated yet: nobody to write to
        with transaction.atomic():
            notification = Notification.objects.create(
                recipient=user,
                email=collaboration.email,
                kind=Kind.invited,
                audience=Audience.depositor,
                deposit=collaboration.deposit,
                actor=collaboration.invited_by,
                collaboration=collaboration,
            )
            if user is None or email_modes(user_ids=[user.pk])[user.pk] == EmailMode.immediate:
                transaction.on_commit(lambda: _enqueue_email(notification.pk))
        log.info("notifications.invitation", collaboration=collaboration_id, notification=notification.pk)
    except Exception:
        log.exception("notifications.invitation_failed", collaboration=collaboration_id)


def notifications_create(
    *, recipients: list[Recipient], deposit, actor, event=None, comment=None, text: str = ""
) -> list[Notification]:
    """One notification per person (the first reason wins when someone is concerned twice), never
    for the actor nor an inactive account; then the e-mails of those who want them at once."""
    chosen: dict[int, Recipient] = {}
    for recipient in recipients:
        user = recipient.user
        if user is None or not user.is_active or (actor is not None and user.pk == actor.pk):
            continue
        chosen.setdefault(user.pk, recipient)
    if not chosen:
        return []
    with transaction.atomic():
        notifications = Notification.objects.bulk_create(
            [
                Notification(
                    recipient_id=pk,
                    kind=r.kind,
                    audience=r.audience,
                    deposit=deposit,
                    actor=r.actor if r.actor is not None else actor,
                    event=event,
                    comment=comment,
                    text=text,
                )
                for pk, r in chosen.items()
            ]
        )
        modes = email_modes(user_ids=list(chosen))
        immediate = [n.pk for n in notifications if modes[n.recipient_id] == EmailMode.immediate]
        for pk in immediate:
            transaction.on_commit(lambda pk=pk: _enqueue_email(pk))
    log.info(
        "notifications.created",
        deposit=deposit.pk,
        event_id=getattr(event, "pk", None),
        comment=getattr(comment, "pk", None),
        count=len(notifications),
        immediate=len(immediate),
    )
    return notifications


def _enqueue_email(notification_id: int) -> None:
    try:
        tasks.notification_email_task.delay(notification_id)
    except Exception:  # the broker is down: the bell has it; emails_resend_unsent sends it later
        log.exception("notifications.email_not_queued", notification=notification_id)


# An immediate e-mail that was not sent after this long was lost on the way (the broker was down
# when it was queued, a worker died): the sweep queues it again. Older ones are left to the bell.
RESEND_AFTER = timedelta(minutes=10)
RESEND_WITHIN = timedelta(days=2)


def emails_resend_unsent(*, now: datetime | None = None) -> int:
    """Queue again the immediate e-mails still unsent after RESEND_AFTER (run by beat). Sending is
    idempotent (notification_email_send), so a task that was only slow is harmless."""
    now = now or timezone.now()
    digest_or_off = Preference.objects.exclude(email=EmailMode.immediate).values("user_id")
    # An account that wants its mail at once, or an invitation to an address no account has yet.
    addressed = (Q(recipient__is_active=True) & ~Q(recipient__email="") & ~Q(recipient_id__in=digest_or_off)) | Q(
        recipient__isnull=True, email__gt=""
    )
    # An invitation withdrawn or answered before its mail left: nobody needs it any more.
    withdrawn = Q(collaboration__isnull=False) & ~Q(collaboration__state=Collaboration.State.pending)
    pending = list(
        Notification.objects.filter(
            emailed_at__isnull=True,
            created__lt=now - RESEND_AFTER,
            created__gte=now - RESEND_WITHIN,
            email_claimed_at__isnull=True,  # a claimed one may have left
            email_failed_at__isnull=True,  # given up after NOTIFICATIONS_EMAIL_MAX_ATTEMPTS
        )
        .filter(addressed)
        .exclude(withdrawn)
        .values_list("pk", flat=True)[:1000]
    )
    for notification_id in pending:
        _enqueue_email(notification_id)
    if pending:
        log.info("notifications.emails_requeued", count=len(pending))
    return len(pending)


def email_modes(*, user_ids: list[int]) -> dict[int, str]:
    """Each user's choice of e-mail; immediate for those who never chose."""
    chosen = dict(Preference.objects.filter(user_id__in=user_ids).values_list("user_id", "email"))
    return {pk: chosen.get(pk, EmailMode.immediate) for pk in user_ids}


# --- e-mail --------------------------------------------------------------------------------------


def language_of(user) -> str:
    """The recipient's language: the account's when it records one, else the site's."""
    language = getattr(user, "language", "") or ""
    available = {code for code, _name in settings.LANGUAGES}
    return language if language in available else settings.LANGUAGE_CODE


def _send(*, user, subject: str, template: str, context: dict, to: str = "") -> None:
    """Render and send one mail to `to` (by default the user's address; `user` is None for an
    invitation to an address no account has yet). The subject is made one line here, whatever
    built it (messages.single_line)."""
    context = {
        **context,
        "user": user,
        "site_name": settings.SITE_NAME,
        "site_url": settings.SITE_URL,
        "settings_url": settings.SITE_URL + reverse("notifications:settings"),
    }
    text = render_to_string(f"notifications/email/{template}.txt", context)
    html = render_to_string(f"notifications/email/{template}.html", context)
    message = EmailMultiAlternatives(subject=single_line(subject), body=text, to=[to or user.email])
    message.attach_alternative(html, "text/html")
    message.send(fail_silently=False)


# Recording a send's outcome is retried a little: the mail has left (or failed), and a write lost to
# a busy database would leave the notification claimed but unconfirmed.
_OUTBOX_WRITE_ATTEMPTS = 5


def _outbox_write(rows, **values) -> int:
    """Update outbox rows in a transaction of their own, retrying a few times when the database is
    busy (SQLite's lock); the last failure propagates."""
    for attempt in range(_OUTBOX_WRITE_ATTEMPTS):
        try:
            with transaction.atomic():
                return rows.update(**values)
        except OperationalError:
            if attempt == _OUTBOX_WRITE_ATTEMPTS - 1:
                raise
            time.sleep(0.25 * 2**attempt)
    return 0


def notification_email_send(*, notification_id: int) -> bool:
    """Send one notification's e-mail unless it was sent (or claimed) already, or its recipient no
    longer wants it at once. The claim commits before the mail is handed to the server (see the
    module's docstring): a retried or duplicated task finds it claimed and does nothing."""
    stamp = timezone.now()
    claimed = _outbox_write(
        Notification.objects.filter(
            pk=notification_id, emailed_at__isnull=True, email_claimed_at__isnull=True, email_failed_at__isnull=True
        ),
        email_claimed_at=stamp,
    )
    if not claimed:
        return False
    ours = Notification.objects.filter(pk=notification_id, email_claimed_at=stamp, emailed_at__isnull=True)
    notification = (
        Notification.objects.select_related("recipient", "deposit", "actor", "event", "collaboration")
        .filter(pk=notification_id)
        .first()
    )
    if notification is None:
        return False
    user = notification.recipient
    if notification.collaboration_id and notification.collaboration.state != Collaboration.State.pending:
        _outbox_write(ours, email_claimed_at=None)  # the invitation was withdrawn (or answered) meanwhile
        return False
    if user is None:  # an invitation to an address no account has verified yet
        address, language = notification.email, settings.LANGUAGE_CODE
    elif not user.is_active or not user.email or email_modes(user_ids=[user.pk])[user.pk] != EmailMode.immediate:
        _outbox_write(ours, email_claimed_at=None)  # switched to the digest (which will take it), or to none
        return False
    else:
        address, language = notification.email or user.email, language_of(user)
    try:
        with translation.override(language):
            _send(
                user=user,
                to=address,
                subject=messages.subject(notification),
                template="notification",
                context={
                    "notification": notification,
                    "headline": messages.headline(notification),
                    "url": messages.target_url(notification),
                    "reason": messages.rejection_reason(notification),
                },
            )
    except Exception as exc:
        _outbox_failed(ours, [notification_id], exc)  # not sent: the task's retry (or the sweep) sends it
        raise
    except BaseException:
        _outbox_write(ours, email_claimed_at=None)  # the worker is stopping: not an attempt that failed
        raise
    _record_sent(ours, notification_id=notification_id)
    log.info("notifications.emailed", notification=notification_id, kind=notification.kind)
    return True


def _outbox_failed(rows, pks: list[int], exc: Exception) -> None:
    """A send that failed: the claim is released for the task's retry or the sweep, and the attempt
    counted with its error. After NOTIFICATIONS_EMAIL_MAX_ATTEMPTS the mail is marked failed: neither
    the task nor the sweep tries it again (a mail the server keeps refusing is not tried for ever),
    and the admin lists it for operators, who can send it again once the cause is fixed."""
    limit = settings.NOTIFICATIONS_EMAIL_MAX_ATTEMPTS
    error = f"{type(exc).__name__}: {exc}"[:1000]
    _outbox_write(
        rows,
        email_claimed_at=None,
        email_attempts=F("email_attempts") + 1,
        email_error=error,
        # SET reads the row as it was: the attempt being counted is the last one allowed.
        email_failed_at=Case(When(email_attempts__gte=limit - 1, then=Value(timezone.now())), default=None),
    )
    given_up = list(
        Notification.objects.filter(pk__in=pks, email_failed_at__isnull=False, emailed_at__isnull=True).values_list(
            "pk", flat=True
        )
    )
    if given_up:
        log.error("notifications.email_failed", notifications=given_up, attempts=limit, error=error)
    else:
        log.warning("notifications.email_attempt_failed", notifications=pks, error=error)


def emails_retry_failed(*, notification_ids: list[int]) -> int:
    """Give failed e-mails a new round of attempts and queue them (an operator fixed the cause: the
    admin's action). Those sent meanwhile, or not failed, are left alone."""
    ids = list(
        Notification.objects.filter(
            pk__in=notification_ids, emailed_at__isnull=True, email_failed_at__isnull=False
        ).values_list("pk", flat=True)
    )
    Notification.objects.filter(pk__in=ids).update(email_failed_at=None, email_attempts=0)
    for notification_id in ids:
        _enqueue_email(notification_id)
    log.info("notifications.emails_retried", count=len(ids))
    return len(ids)


def _record_sent(rows, **where) -> None:
    """`emailed_at` for rows whose mail left. Never raises: the mail is out, and the claim alone
    already keeps it from being sent again."""
    try:
        _outbox_write(rows, emailed_at=timezone.now())
    except DatabaseError as exc:
        log.error("notifications.email_sent_unrecorded", error=str(exc), **where)


def digests_send(*, now: datetime | None = None) -> int:
    """The daily digest: one e-mail to each digest reader with notifications not yet e-mailed
    (made before `now`). Returns how many digests were sent. Safe to run twice, or in two workers
    at once: each reader's digest is made under a lock the other run skips."""
    now = now or timezone.now()
    user_ids = list(
        Notification.objects.filter(
            emailed_at__isnull=True,
            email_claimed_at__isnull=True,
            email_failed_at__isnull=True,
            created__lte=now,
            recipient__is_active=True,
            recipient__notification_preference__email=EmailMode.digest,
        )
        .values_list("recipient_id", flat=True)
        .distinct()
        .order_by("recipient_id")
    )
    sent = sum(1 for user_id in user_ids if digest_send(user_id=user_id, now=now))
    log.info("notifications.digests_sent", readers=len(user_ids), sent=sent)
    return sent


def digest_send(*, user_id: int, now: datetime) -> bool:
    """One reader's digest, grouped by deposit. Its notifications are claimed under the reader's
    preference row lock (a second run skips a reader being claimed, and one that comes after finds
    nothing left), then the mail is sent with no transaction open and recorded, as for one e-mail."""
    with transaction.atomic():
        preference = (
            Preference.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("user")
            .filter(user_id=user_id, email=EmailMode.digest)
            .first()
        )
        if preference is None:
            return False
        user = preference.user
        if not user.is_active or not user.email:
            return False
        stamp = timezone.now()
        Notification.objects.filter(
            recipient_id=user_id,
            emailed_at__isnull=True,
            email_claimed_at__isnull=True,
            email_failed_at__isnull=True,
            created__lte=now,
        ).update(email_claimed_at=stamp)
    ours = Notification.objects.filter(recipient_id=user_id, email_claimed_at=stamp, emailed_at__isnull=True)
    pending = list(ours.select_related("deposit", "actor", "event").order_by("created", "pk"))
    if not pending:
        return False
    try:
        with translation.override(language_of(user)):
            groups: dict[int, dict] = {}
            for n in pending:
                group = groups.setdefault(
                    n.deposit_id,
                    {
                        "title": messages.deposit_title(n.deposit),
                        "url": messages.target_url(n),
                        "items": [],
                    },
                )
                group["items"].append({"notification": n, "headline": messages.headline(n)})
            subject = ngettext(
                "[%(site)s] Your daily digest: %(count)d notification",
                "[%(site)s] Your daily digest: %(count)d notifications",
                len(pending),
            ) % {"site": settings.SITE_NAME, "count": len(pending)}
            _send(
                user=user,
                subject=subject,
                template="digest",
                context={"groups": list(groups.values()), "count": len(pending)},
            )
    except Exception as exc:
        _outbox_failed(ours, [n.pk for n in pending], exc)
        raise
    except BaseException:
        _outbox_write(ours, email_claimed_at=None)
        raise
    _record_sent(Notification.objects.filter(pk__in=[n.pk for n in pending]), user=user_id)
    Preference.objects.filter(pk=preference.pk).update(digest_sent_at=now)
    log.info("notifications.digest_sent", user=user_id, count=len(pending))
    return True


# --- reading -------------------------------------------------------------------------------------


def notification_read(*, user, notification_id: int) -> Notification:
    """Mark one of the user's notifications read (someone else's does not exist for them)."""
    notification = Notification.objects.filter(pk=notification_id, recipient=user).first()
    if notification is None:
        raise NotFound("No such notification.")
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def notifications_read(*, user, ids: list[int] | None = None) -> int:
    """Mark the user's unread notifications read: all of them, or those listed (ids that are not
    theirs are ignored)."""
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=ids)
    return unread.update(read_at=timezone.now())


def preference_set(*, user, email: str) -> Preference:
    if email not in EmailMode.values:
        raise ValidationFailed(_("Choose how you receive e-mails."), field="email")
    preference, _created = Preference.objects.update_or_create(user=user, defaults={"email": email})
    log.info("notifications.preference_set", user=user.pk, email=email)
    return preference
