"""The review page: the deposit laid out by the wizard's steps, its files with previews, the
automatic checks, what changed since the previous round, the conversation, the decisions and
the timeline. For the moderators of the deposit's community (and administrators)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.http import require_GET

from accounts.selectors import community_moderators
from deposit import policy, workflow
from deposit.models import Deposit, DepositEvent, ReviewRound
from deposit.workflow import RejectionReason

from . import checks, conversation, review as layout, timeline


def deposit_for_review(user, pk: int) -> Deposit:
    """The deposit, for a moderator of its community; 404 for anyone else (nobody learns it exists)."""
    deposit = (
        Deposit.objects.select_related("owner", "community", "pid", "record", "reviewer")
        .prefetch_related(
            "files",
            Prefetch("events", queryset=DepositEvent.objects.select_related("actor", "assignee")),
        )
        .filter(pk=pk)
        .first()
    )
    if deposit is None or not policy.may_open_review(deposit, user):
        raise Http404("No such deposit.")
    return deposit


def colleagues_for(deposit: Deposit, user, transitions) -> list:
    """The moderators of the deposit's community a deposit can be assigned to (not the user, nor
    its depositors: deposit.policy.may_moderate), when assigning is one of the user's actions."""
    if not any(t.action is workflow.Action.assign for t in transitions):
        return []
    editors = policy.editor_ids(deposit)
    return sorted(
        (u for u in community_moderators(deposit.community) if u.pk != user.pk and u.is_active and u.pk not in editors),
        key=lambda u: u.name.lower(),
    )


def deposit_detail_context(*, deposit: Deposit, user, transitions) -> dict:
    """What the deposit's own page (deposit.views.deposit_detail) shows of its moderation, through
    deposit.hooks.detail_page_context."""
    thread = conversation.thread_for(deposit)
    return {
        "thread": thread,
        "timeline": timeline.entries(deposit, thread),
        "colleagues": colleagues_for(deposit, user, transitions),
    }


def reviewer_page_context(*, deposit: Deposit) -> dict:
    """The deposit's metadata by step and the map of its extent, read as the review page reads them
    (labels, not codes), for the private reviewer page (deposit.hooks.reviewer_page_context): no
    conversation, no checks, no timeline."""
    return {"sections": layout.sections(deposit.metadata, deposit), "shapes": layout.extent_shapes(deposit.metadata)}


def wizard_step_context(*, deposit: Deposit, user) -> dict:
    """The moderator's open comments, shown at the top of a wizard step and beside their fields
    (deposit.hooks.wizard_page_context)."""
    return {"thread": conversation.thread_for(deposit)}


@login_required
@require_GET
def review(request, pk: int):
    deposit = deposit_for_review(request.user, pk)
    files = list(deposit.files.all())
    transitions = [t for t in workflow.allowed_actions(deposit, request.user) if t.role is not workflow.Role.depositor]
    thread = conversation.thread_for(deposit)
    return render(
        request,
        "moderation/review.html",
        {
            "deposit": deposit,
            "sections": layout.sections(deposit.metadata, deposit),
            "shapes": layout.extent_shapes(deposit.metadata),
            "files": files,
            "checks": checks.run_checks(deposit, files),
            "thread": thread,
            "diff": layout.latest_diff(deposit),
            "timeline": timeline.entries(deposit, thread),
            "transitions": transitions,
            "colleagues": colleagues_for(deposit, request.user, transitions),
            "rejection_reasons": RejectionReason.choices,
            "yours": policy.is_editor(deposit, request.user),
        },
    )


@login_required
@require_GET
def approve_confirm(request, pk: int):
    """The step between "Approve" and the publication: approving publishes the record and makes its
    DOI permanent, so the moderator confirms it here (a page of its own: it works without
    JavaScript). Its form posts the approval to the deposit's action view, as the review page did."""
    deposit = deposit_for_review(request.user, pk)
    allowed = any(t.action is workflow.Action.approve for t in workflow.allowed_actions(deposit, request.user))
    if not allowed:
        return redirect("moderation:review", pk=deposit.pk)
    return render(request, "moderation/approve.html", {"deposit": deposit})


REPORT_FORMATS = {"html": "text/html; charset=utf-8", "pdf": "application/pdf"}


@login_required
@require_GET
def report(request, pk: int, fmt: str):
    """The review report: the deposit's rounds, every transition and comment, and the automatic
    checks as they stand, for both parties' files. HTML to read or print, PDF to archive."""
    if fmt not in REPORT_FORMATS:
        raise Http404("Reports are HTML or PDF.")
    deposit = (
        Deposit.objects.select_related("owner", "community", "pid", "reviewer")
        .prefetch_related(
            "files",
            Prefetch("rounds", queryset=ReviewRound.objects.select_related("submitted_by")),
            Prefetch("events", queryset=DepositEvent.objects.select_related("actor", "assignee")),
        )
        .filter(pk=pk)
        .first()
    )
    if deposit is None or not policy.may_view(deposit, request.user):
        raise Http404("No such deposit.")
    files = list(deposit.files.all())
    thread = conversation.thread_for(deposit)
    html = render_to_string(
        "moderation/report.html",
        {
            "deposit": deposit,
            "files": files,
            "rounds": list(deposit.rounds.all()),
            "checks": checks.run_checks(deposit, files),
            "timeline": timeline.entries(deposit, thread),
            "generated": timezone.now(),
            "generated_by": request.user,
        },
        request=request,
    )
    name = f"estran-review-{deposit.pk}"
    if fmt == "html":
        response = HttpResponse(html, content_type=REPORT_FORMATS["html"])
        response["Content-Disposition"] = f'inline; filename="{name}.html"'
        return response
    import weasyprint  # noqa: PLC0415 - lazily: WeasyPrint and Pango take a second to load, only PDFs need them

    pdf = weasyprint.HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()
    response = HttpResponse(pdf, content_type=REPORT_FORMATS["pdf"])
    response["Content-Disposition"] = f'attachment; filename="{name}.pdf"'
    return response
