"""REST endpoints of the conversation: read a deposit's comments, write one (or a reply), resolve
and reopen a thread. The same rules and services as the web pages (moderation/conversation.py)."""

from __future__ import annotations

from datetime import datetime

from ninja import Router, Schema, Status
from pydantic import Field

from core.errors import NotFound, ValidationFailed

from . import conversation
from .markdown import render
from .models import Comment

router = Router(tags=["conversation"])


class CommentOut(Schema):
    id: int
    parent: int | None = Field(description="The thread's first comment, for a reply.")
    field: str = Field(description="The wizard field the thread is on (`title`, `creators-1`), or empty.")
    file: int | None = Field(description="The file the thread is on, if it still exists.")
    file_name: str
    round: int = Field(description="The review round the comment was written in.")
    body: str = Field(description="Markdown.")
    body_html: str = Field(description="The body rendered and sanitised, as the pages show it.")
    author: str = Field(description="The author's username.")
    author_name: str
    role: str = Field(description="`moderator` or `depositor`.")
    created: datetime
    resolved: bool = Field(description="For a thread's first comment: the thread is resolved.")
    resolved_at: datetime | None
    resolved_by: str | None


class CommentIn(Schema):
    body: str = Field(description="Markdown, at most 10 000 characters.")
    field: str = Field(
        default="", description="A wizard field (`abstract`, `geo_locations-0`); empty for a file or the whole deposit."
    )
    file: int | None = Field(default=None, description="A file of the deposit.")
    parent: int | None = Field(
        default=None, description="The comment answered: the reply joins its thread and its anchor."
    )


def _out(comment, role: str | None = None) -> dict:
    return {
        "id": comment.pk,
        "parent": comment.parent_id,
        "field": comment.field,
        "file": comment.file_id,
        "file_name": comment.file_name,
        "round": comment.round,
        "body": comment.body,
        "body_html": render(comment.body),
        "author": comment.author.username,
        "author_name": comment.author.name,
        "role": role or getattr(comment, "role", ""),
        "created": comment.created,
        "resolved": comment.resolved_at is not None,
        "resolved_at": comment.resolved_at,
        "resolved_by": comment.resolved_by.username if comment.resolved_by_id else None,
    }


def _one(deposit, comment_id: int) -> dict:
    """A comment as the list gives it (with its role badge)."""
    thread = conversation.thread_for(deposit)
    for comment in thread.all_comments:
        if comment.pk == comment_id:
            return _out(comment)
    raise NotFound("No such comment.")


@router.get("/deposits/{pk}/comments", response=list[CommentOut], summary="The deposit's conversation")
def comment_list(request, pk: int):
    """Every comment, oldest first; a reply names its thread's first comment in `parent`. For the
    deposit's depositors and the moderators of its community, once it has been submitted."""
    deposit = conversation.conversation_deposit(request.auth, pk)
    return [_out(c) for c in conversation.thread_for(deposit).all_comments]


@router.post("/deposits/{pk}/comments", response={201: CommentOut}, summary="Comment on a field, a file or the deposit")
def comment_create(request, pk: int, payload: CommentIn):
    """403 before the first submission and after the final decision; 422 for an empty or too long
    body, a field that is not one of the wizard's, or a file of another deposit."""
    deposit = conversation.conversation_deposit(request.auth, pk)
    parent = conversation.comment_for(deposit, payload.parent) if payload.parent else None
    file = None
    if payload.file is not None and parent is None:
        file = deposit.files.filter(pk=payload.file).first()
        if file is None:
            raise ValidationFailed("This file is not part of the deposit.", field="file")
    comment = conversation.comment_add(
        deposit=deposit, author=request.auth, body=payload.body, field=payload.field, file=file, parent=parent
    )
    return Status(201, _one(deposit, comment.pk))


def _comment_of_visible_deposit(user, comment_id: int):
    deposit_id = Comment.objects.filter(pk=comment_id).values_list("deposit_id", flat=True).first()
    if deposit_id is None:
        raise NotFound("No such comment.")
    deposit = conversation.conversation_deposit(user, deposit_id)  # NotFound for a stranger
    return deposit, conversation.comment_for(deposit, comment_id)


@router.post("/comments/{comment_id}/resolve", response=CommentOut, summary="Resolve a thread")
def comment_resolve(request, comment_id: int):
    """Resolves the comment's thread (given a reply, its thread): for the community's moderators
    and the thread's author. Answers with the thread's first comment."""
    deposit, comment = _comment_of_visible_deposit(request.auth, comment_id)
    root = conversation.comment_resolve(comment=comment, actor=request.auth, deposit=deposit)
    return _one(deposit, root.pk)


@router.post("/comments/{comment_id}/reopen", response=CommentOut, summary="Reopen a resolved thread")
def comment_reopen(request, comment_id: int):
    deposit, comment = _comment_of_visible_deposit(request.auth, comment_id)
    root = conversation.comment_reopen(comment=comment, actor=request.auth, deposit=deposit)
    return _one(deposit, root.pk)
