"""The field-anchored conversation between a deposit's moderators and its depositors: who may read,
write and resolve comments (services), and the thread as pages show it (selectors).

Rules, kept in this one module so the web views and the API apply the same ones:

- The conversation opens at the first submission (`deposit.round >= 1`) and closes with the final
  decision (approved, published, rejected): it is then part of the review's record, read-only.
  Before the first submission there is nobody to talk to, so a draft has no thread at all.
- Its parties are the deposit's editors (the owner and accepted co-depositors) and the moderators
  of its community (administrators count as moderators). Both write comments and replies; anyone
  else is told the deposit does not exist.
- A comment is on a field (a wizard anchor such as `title`, `creators-1`, `geo_locations-0`), on a
  file, or on the deposit as a whole. A reply answers the first comment of a thread and inherits
  its anchor; replying to a reply answers the same thread (threads are one level deep).
- A thread is resolved or reopened by a moderator of the community, or by whoever opened it. A
  depositor does not close a moderator's point: they answer it ("done, see the new abstract") and
  the moderator, who raised it, judges whether it is addressed. A reply to a resolved thread
  reopens it: someone is still talking about it.
- On their own deposit a moderator (or an administrator) is a depositor (badge, resolving): nobody
  moderates the conversation about their own work. Elsewhere administrators count as moderators.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field as dc_field

from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import NotFound, PermissionDenied, ValidationFailed
from core.logging import get_logger
from deposit import hooks, policy, wizard
from deposit.models import Collaboration, Deposit
from deposit.workflow import Status

from .models import Comment
from .review import METADATA_STEPS, anchor_label, anchor_of, step_of_anchor

log = get_logger(__name__)

MAX_BODY_LENGTH = 10_000
# The final decisions: the conversation is then the record of the review, no longer a discussion.
CLOSED_STATUSES = frozenset({Status.approved, Status.published, Status.rejected})
# Anchors are the wizard's field names cut at the item: `title`, `creators-1`, `keywords-0`.
_ANCHOR = re.compile(r"^[a-z][a-z_]*(-\d+)?$")
# Steps a field comment can point into: the metadata steps and the file list.
_COMMENTABLE_STEPS = frozenset({*METADATA_STEPS, "files"})


# --- Who may do what --------------------------------------------------------------------------------


def has_conversation(deposit: Deposit) -> bool:
    """A thread exists once the deposit has been submitted (even if it was sent back to draft since)."""
    return deposit.round >= 1


def is_open(deposit: Deposit) -> bool:
    """Comments can be written, replied to and resolved."""
    return has_conversation(deposit) and deposit.status not in CLOSED_STATUSES


def may_resolve(deposit: Deposit, root: Comment, user) -> bool:
    """While the conversation is open, as deposit.policy.may_resolve says: the thread's author and
    those who moderate the deposit."""
    return is_open(deposit) and policy.may_resolve(deposit, user, author_id=root.author_id)


def conversation_deposit(user, pk: int) -> Deposit:
    """The deposit whose conversation `user` may read, with what the permission checks use;
    NotFound for a stranger, a moderator of another community, or a moderator looking at a draft
    that was never submitted (nobody learns it exists)."""
    deposit = (
        Deposit.objects.select_related("owner", "community", "reviewer")
        .prefetch_related(Prefetch("collaborations", queryset=Collaboration.objects.select_related("user")))
        .filter(pk=pk)
        .first()
    )
    if deposit is None or not policy.may_read_conversation(deposit, user):
        raise NotFound(_("No such deposit."))
    return deposit


def comment_for(deposit: Deposit, comment_id) -> Comment:
    """A comment of this deposit, or NotFound (a comment id of another deposit says nothing)."""
    comment = (
        Comment.objects.select_related("author", "resolved_by", "file", "parent")
        .filter(deposit=deposit, pk=comment_id)
        .first()
        if str(comment_id).isdigit()
        else None
    )
    if comment is None:
        raise NotFound(_("No such comment."))
    return comment


def _require_open(deposit: Deposit, user) -> None:
    if not policy.may_comment(deposit, user):
        raise PermissionDenied(_("Only the depositors and the community's moderators take part in this conversation."))
    if not has_conversation(deposit):
        raise PermissionDenied(
            _("Comments open when the deposit is submitted for review."), code="conversation_not_open"
        )
    if deposit.status in CLOSED_STATUSES:
        raise PermissionDenied(
            _("The review of this deposit is over (it is %(status)s): its conversation is closed.")
            % {"status": Status(deposit.status).label},
            code="conversation_closed",
        )


# --- Services -----------------------------------------------------------------------------------------


def clean_anchor(value: str) -> str:
    """The anchor a field name stands for (`creators-1-orcid` → `creators-1`), if it is one of the
    wizard's fields; ValidationFailed otherwise."""
    value = (value or "").strip()
    if not value:
        return ""
    anchor = anchor_of(value)
    known = _known_segments()
    tail_ok = all(part.isdigit() or part in known for part in value.split("-")[1:])
    if not tail_ok or not _ANCHOR.match(anchor) or step_of_anchor(anchor) not in _COMMENTABLE_STEPS:
        raise ValidationFailed(_("“%(field)s” is not a field of the deposit.") % {"field": value[:80]}, field="field")
    return anchor


def _known_segments() -> set[str]:
    """The parts a wizard field name is made of (`box`, `west`, `affiliations`, `ror`…)."""
    return set(wizard.LEAF_LABELS) | set(wizard.GROUP_LABELS)


def comment_add(
    *, deposit: Deposit, author, body: str, field: str = "", file=None, parent: Comment | None = None
) -> Comment:
    """Write a comment (or, with `parent`, a reply) and tell the other party once it is saved."""
    body = (body or "").strip()
    if not body:
        raise ValidationFailed(_("Write a message."), field="body")
    if len(body) > MAX_BODY_LENGTH:
        raise ValidationFailed(
            _("Keep a comment under %(n)s characters.") % {"n": f"{MAX_BODY_LENGTH:,}".replace(",", " ")}, field="body"
        )
    with transaction.atomic():
        # Read the status and round under the row lock that transitions take, so the comment is
        # filed in the round its author saw, and none slips in after a final decision.
        current = Deposit.objects.select_for_update(of=("self",)).only("status", "round").get(pk=deposit.pk)
        deposit.status, deposit.round = current.status, current.round
        _require_open(deposit, author)
        if parent is not None:
            if parent.deposit_id != deposit.pk:
                raise ValidationFailed(_("The comment answered is not on this deposit."), field="parent")
            root = parent.parent if parent.parent_id else parent
            anchor, file, file_name = root.field, root.file, root.file_name
        else:
            root = None
            anchor = clean_anchor(field)
            if file is not None:
                if anchor:
                    raise ValidationFailed(_("A comment is on a field or on a file, not both."), field="field")
                if file.deposit_id != deposit.pk:
                    raise ValidationFailed(_("This file is not part of the deposit."), field="file")
            file_name = file.name if file is not None else ""
        comment = Comment.objects.create(
            deposit=deposit,
            author=author,
            body=body,
            field=anchor,
            file=file,
            file_name=file_name,
            parent=root,
            round=deposit.round,
        )
        if root is not None and root.resolved_at is not None:
            root.resolved_at, root.resolved_by = None, None
            root.save(update_fields=["resolved_at", "resolved_by"])
        hooks.announce_on_commit(hooks.comment_added, comment_id=comment.pk)
    log.info(
        "comment.added",
        deposit=deposit.pk,
        comment=comment.pk,
        author=author.pk,
        anchor=anchor or None,
        file=comment.file_id,
        reply_to=comment.parent_id,
    )
    return comment


def _root_of(comment: Comment) -> Comment:
    if comment.parent_id is None:
        return comment
    return Comment.objects.select_related("author", "resolved_by").get(pk=comment.parent_id)


def comment_resolve(*, comment: Comment, actor, deposit: Deposit | None = None) -> Comment:
    """Mark the comment's thread resolved (the thread's first comment carries the state). Resolving
    a resolved thread changes nothing: a double click is not an error."""
    return _set_resolved(comment=comment, actor=actor, deposit=deposit, resolved=True)


def comment_reopen(*, comment: Comment, actor, deposit: Deposit | None = None) -> Comment:
    """Open a resolved thread again."""
    return _set_resolved(comment=comment, actor=actor, deposit=deposit, resolved=False)


def _set_resolved(*, comment: Comment, actor, deposit: Deposit | None, resolved: bool) -> Comment:
    deposit = deposit or comment.deposit
    root = _root_of(comment)
    _require_open(deposit, actor)
    if not may_resolve(deposit, root, actor):
        raise PermissionDenied(
            _("A thread is resolved by the community's moderators or by whoever started it."), code="not_resolver"
        )
    if root.is_resolved == resolved:
        return root
    root.resolved_at = timezone.now() if resolved else None
    root.resolved_by = actor if resolved else None
    root.save(update_fields=["resolved_at", "resolved_by"])
    log.info(
        "comment.resolved" if resolved else "comment.reopened", deposit=deposit.pk, comment=root.pk, actor=actor.pk
    )
    return root


# --- Selectors ------------------------------------------------------------------------------------------


@dataclass
class Root:
    """A thread: its first comment, the replies in order, and where it is attached."""

    comment: Comment
    replies: list[Comment] = dc_field(default_factory=list)

    @property
    def pk(self) -> int:
        return self.comment.pk

    @property
    def anchor(self) -> str:
        return self.comment.field

    @property
    def file_id(self) -> int | None:
        return self.comment.file_id

    @property
    def is_open(self) -> bool:
        return self.comment.resolved_at is None

    @property
    def step(self) -> str | None:
        """The wizard step the thread belongs to (None for the deposit as a whole)."""
        if self.comment.field:
            return step_of_anchor(self.comment.field)
        if self.comment.file_id or self.comment.file_name:
            return "files"
        return None

    @property
    def label(self) -> str:
        """What the thread is about, as the wizard labels it."""
        if self.comment.field:
            return anchor_label(self.comment.field)
        if self.comment.file_name:
            return self.comment.file_name
        return _("The deposit as a whole")

    @property
    def messages(self) -> list[Comment]:
        return [self.comment, *self.replies]


@dataclass
class Marker:
    """What the wizard puts beside a field that has open threads."""

    anchor: str
    count: int
    first: int  # the first thread's comment id, the marker's link


@dataclass
class Thread:
    deposit: Deposit
    roots: list[Root]
    all_comments: list[Comment]
    by_field: dict[str, list[Root]]
    by_file: dict[int, list[Root]]
    general: list[Root]
    rights_cache: dict = dc_field(default_factory=dict, repr=False)

    def __bool__(self) -> bool:
        return bool(self.roots)

    def __len__(self) -> int:
        return len(self.all_comments)

    @property
    def count(self) -> int:
        return len(self.all_comments)

    @property
    def open_roots(self) -> list[Root]:
        return [r for r in self.roots if r.is_open]

    @property
    def open_count(self) -> int:
        return len(self.open_roots)

    @property
    def resolved_count(self) -> int:
        return len(self.roots) - self.open_count

    @property
    def field_roots(self) -> list[Root]:
        """Threads on fields, step by step in the wizard's order, then by anchor."""
        order = {slug: i for i, slug in enumerate(_COMMENTABLE_STEPS_ORDER)}
        roots = [r for rs in self.by_field.values() for r in rs]
        return sorted(roots, key=lambda r: (order.get(r.step, 99), r.anchor, r.comment.created))

    @property
    def file_roots(self) -> list[Root]:
        return [r for rs in self.by_file.values() for r in rs]

    def open_in_step(self, slug: str) -> list[Root]:
        return [r for r in self.field_roots + self.file_roots if r.is_open and r.step == slug]

    def markers_for_step(self, slug: str) -> list[Marker]:
        markers: dict[str, Marker] = {}
        for root in self.open_in_step(slug):
            if not root.anchor:
                continue
            marker = markers.setdefault(root.anchor, Marker(root.anchor, 0, root.pk))
            marker.count += 1
        return list(markers.values())

    def open_steps(self) -> list[tuple[str, int]]:
        """(step, open threads) for the steps that have some, in the wizard's order."""
        counts: dict[str, int] = {}
        for root in self.field_roots + self.file_roots:
            if root.is_open and root.step:
                counts[root.step] = counts.get(root.step, 0) + 1
        return [(slug, counts[slug]) for slug in _COMMENTABLE_STEPS_ORDER if slug in counts]

    @property
    def open_general(self) -> list[Root]:
        return [r for r in self.general if r.is_open]

    def rights(self, user) -> dict:
        """What `user` may do in this conversation, computed once per page (a few queries at most,
        whatever the number of comments)."""
        key = getattr(user, "pk", None)
        if key not in self.rights_cache:
            deposit = self.deposit
            if not self.roots and not is_open(deposit):  # nothing to show, nothing to write: no query
                self.rights_cache[key] = {"comment": False, "moderate": False, "edit": False, "user_id": key}
                return self.rights_cache[key]
            editor = policy.is_editor(deposit, user)
            moderator = policy.may_moderate(deposit, user)
            self.rights_cache[key] = {
                "comment": policy.may_comment(deposit, user) and is_open(deposit),
                "moderate": moderator,
                "edit": bool(editor),
                "user_id": key,
            }
        return self.rights_cache[key]


_COMMENTABLE_STEPS_ORDER = (*METADATA_STEPS, "files")


def thread_for(deposit: Deposit) -> Thread:
    """Every comment of the deposit, organised in threads: two queries whatever their number (the
    comments with their authors and files, and who has been a co-depositor, for the role badges)."""
    comments = (
        list(
            Comment.objects.filter(deposit=deposit)
            .select_related("author", "resolved_by", "file")
            .order_by("created", "pk")
        )
        if has_conversation(deposit)
        else []
    )  # a draft never submitted has no thread: no query
    depositors = {deposit.owner_id}
    if comments:
        # Anyone who has been a co-depositor speaks for the deposit, even after leaving it.
        depositors |= set(
            Collaboration.objects.filter(deposit=deposit, user__isnull=False).values_list("user_id", flat=True)
        )
    roots: dict[int, Root] = {}
    for comment in comments:
        comment.role = "depositor" if comment.author_id in depositors else "moderator"
        if comment.parent_id is None:
            roots[comment.pk] = Root(comment)
    for comment in comments:
        if comment.parent_id is not None and comment.parent_id in roots:
            roots[comment.parent_id].replies.append(comment)
    by_field: dict[str, list[Root]] = {}
    by_file: dict[int, list[Root]] = {}
    general: list[Root] = []
    for root in roots.values():
        if root.comment.field:
            by_field.setdefault(root.comment.field, []).append(root)
        elif root.comment.file_id:
            by_file.setdefault(root.comment.file_id, []).append(root)
        else:  # the deposit as a whole, or a file deleted since (its name is kept)
            general.append(root)
    return Thread(
        deposit=deposit,
        roots=list(roots.values()),
        all_comments=comments,
        by_field=by_field,
        by_file=by_file,
        general=general,
    )
