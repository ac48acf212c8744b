"""The review page: the deposit laid out by the wizard's steps, its files with previews, the
automatic checks, what changed since the previous round, the conversation, the decisions and
the timeline. For the moderators of the deposit's community (and administrators)."""
from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts.selectors import community_moderators, is_moderator_of
from deposit import workflow
from deposit.models import Deposit, DepositEvent
from deposit.workflow import RejectionReason, Status

from . import checks, conversation, review, timeline


def deposit_for_review(user, pk: int) -> Deposit:
    """The deposit, for a moderator of its community; 404 for anyone else (nobody learns it exists)."""
    from django.db.models import Prefetch

    deposit = (
        Deposit.objects.select_related("owner", "community", "pid", "record", "reviewer")
        .prefetch_related(
            "files",
            Prefetch("events", queryset=DepositEvent.objects.select_related("actor", "assignee")),
        )
        .filter(pk=pk)
        .first()
    )
    if deposit is None or deposit.status == Status.draft and deposit.round == 0:
        raise Http404("No such deposit.")
    if not is_moderator_of(user, deposit.community):
        raise Http404("No such deposit.")
    return deposit


@login_required
@require_GET
def review(request, pk: int):
    deposit = deposit_for_review(request.user, pk)
    files = list(deposit.files.all())
    transitions = workflow.allowed_actions(deposit, request.user)
    actions = {t.action.value for t in transitions}
    colleagues = []
    if "assign" in actions:
        colleagues = sorted(
            (u for u in community_moderators(deposit.community) if u.pk != request.user.pk and u.is_active),
            key=lambda u: u.name.lower(),
        )
    thread = conversation.thread_for(deposit)
    return render(
        request,
        "moderation/review.html",
        {
            "deposit": deposit,
            "sections": review.sections(deposit.metadata, deposit),
            "files": files,
            "checks": checks.run_checks(deposit, files),
            "thread": thread,
            "diff": review.latest_diff(deposit),
            "timeline": timeline.entries(deposit, thread),
            "actions": actions,
            "colleagues": colleagues,
            "rejection_reasons": RejectionReason.choices,
        },
    )
