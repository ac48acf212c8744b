"""The conversation's web endpoints, for both parties: write a comment or a reply, resolve and
reopen a thread. Thin: find the deposit with the conversation's access rules, call one service.

Without JavaScript a form posts and is redirected back to `next` (a page of this site) with a
message. With htmx (`HX-Request`), the answer is the part of the thread the form belongs to,
re-rendered (the form posts its `scope`, see templates/moderation/_thread.html), with the error
in it when there is one, so that nothing typed is lost."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.errors import DomainError, NotFound, ValidationFailed
from deposit import policy

from . import conversation
from .models import Comment
from .review import anchor_label


def _deposit(request, pk: int):
    try:
        return conversation.conversation_deposit(request.user, pk)
    except NotFound:
        raise Http404(_("No such deposit.")) from None


def _comment(deposit, comment_id) -> Comment:
    try:
        return conversation.comment_for(deposit, comment_id)
    except NotFound:
        raise Http404(_("No such comment.")) from None


def _file(deposit, file_id: str):
    file = deposit.files.filter(pk=file_id).first() if file_id.isdigit() else None
    if file is None:
        raise ValidationFailed(_("This file is not part of the deposit."), field="file")
    return file


def _back(request, deposit, anchor: str = "") -> str:
    """`next` when it is a page of this site; else the review page for a moderator, the deposit's
    page for anyone else."""
    target = request.POST.get("next", "")
    if not (
        target
        and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        if _moderates(request.user, deposit):
            target = reverse("moderation:review", kwargs={"pk": deposit.pk})
        else:
            target = deposit.get_absolute_url()
    if anchor:
        target = target.split("#", 1)[0] + "#" + anchor
    return target


def _moderates(user, deposit) -> bool:
    return policy.may_open_review(deposit, user)


def _fragment(request, deposit, *, error: str = "", notice: str = "", status: int = 200):
    """The part of the page the form came from, as it is now."""
    thread = conversation.thread_for(deposit)
    scope = request.POST.get("scope", "all")
    context = {
        "thread": thread,
        "deposit": deposit,
        "links": request.POST.get("links") or "auto",
        "thread_next": request.POST.get("next", ""),
        "thread_error": error,
        "thread_notice": notice,
        "posted": {"form_id": request.POST.get("form_id", ""), "body": request.POST.get("body", "")} if error else {},
    }
    kind, _sep, value = scope.partition(":")
    if kind == "field" and value:
        context.update(anchor=value, anchor_label=anchor_label(value))
    elif kind == "file" and value.isdigit():
        file = deposit.files.filter(pk=value).first()
        context.update(file=file or int(value), anchor_label=file.name if file else "")
    elif kind == "step" and value:
        context.update(roots=thread.open_in_step(value), scope_key=scope)
    elif kind == "open-general":
        context.update(roots=thread.open_general, scope_key=scope)
    elif kind == "general":
        context["general"] = True
    elif kind == "everything":
        context["everything"] = True
    return render(request, "moderation/_thread.html", context, status=status)


def _is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


@login_required
@require_POST
def comment_add(request, pk: int):
    deposit = _deposit(request, pk)
    parent_id = request.POST.get("parent", "").strip()
    parent = _comment(deposit, parent_id) if parent_id else None
    try:
        file_id = request.POST.get("file", "").strip()
        comment = conversation.comment_add(
            deposit=deposit,
            author=request.user,
            body=request.POST.get("body", ""),
            field=request.POST.get("field", ""),
            file=_file(deposit, file_id) if file_id and not parent else None,
            parent=parent,
        )
    except DomainError as exc:
        if _is_htmx(request):
            return _fragment(request, deposit, error=exc.message)
        messages.error(request, exc.message)
        return redirect(_back(request, deposit))
    root_id = comment.parent_id or comment.pk
    text = _("Reply sent.") if comment.parent_id else _("Comment added.")
    if _is_htmx(request):
        return _fragment(request, deposit, notice=text)
    messages.success(request, text)
    return redirect(_back(request, deposit, f"thread-{root_id}"))


def _resolution(request, pk: int, comment_id: int, *, resolve: bool):
    deposit = _deposit(request, pk)
    comment = _comment(deposit, comment_id)
    service = conversation.comment_resolve if resolve else conversation.comment_reopen
    try:
        root = service(comment=comment, actor=request.user, deposit=deposit)
    except DomainError as exc:
        if _is_htmx(request):
            return _fragment(request, deposit, error=exc.message)
        messages.error(request, exc.message)
        return redirect(_back(request, deposit, f"thread-{comment.parent_id or comment.pk}"))
    text = _("Thread marked as resolved.") if resolve else _("Thread reopened.")
    if _is_htmx(request):
        return _fragment(request, deposit, notice=text)
    messages.success(request, text)
    return redirect(_back(request, deposit, f"thread-{root.pk}"))


@login_required
@require_POST
def comment_resolve(request, pk: int, comment_id: int):
    return _resolution(request, pk, comment_id, resolve=True)


@login_required
@require_POST
def comment_reopen(request, pk: int, comment_id: int):
    return _resolution(request, pk, comment_id, resolve=False)
