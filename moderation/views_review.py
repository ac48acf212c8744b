"""The review page: the deposit laid out by the wizard's steps, its files with previews, the
automatic checks, what changed since the previous round, the conversation, the decisions and
the timeline. For the moderators of the deposit's community (and administrators).

A deposit may hold 10,000 files in folders: the page keeps its folder tree and its files' checks
while the files do not change and reads the files of one folder a hundred at a time
(moderation.review_files), loads a file's stored preview only when the moderator opens it
(`file_preview`) and a file's comment form too when nobody has commented on it (`file_thread`). A
link to a file, from a check or a comment, goes through `review_file`, which finds the folder and
the page that show it."""

from __future__ import annotations

from dataclasses import replace

from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.http import require_GET

from accounts.selectors import community_moderators
from core.folder_files import place_of
from core.folders import FolderIndex
from deposit import policy, workflow
from deposit.models import Deposit, DepositEvent, ReviewRound
from deposit.workflow import RejectionReason

from . import checks, conversation, review as layout, timeline
from .review_files import files_page, files_summary, review_files


def deposit_for_review(user, pk: int) -> Deposit:
    """The deposit, for a moderator of its community; 404 for anyone else (nobody learns it exists)."""
    deposit = (
        Deposit.objects.select_related("owner", "community", "pid", "record", "reviewer")
        .prefetch_related(Prefetch("events", queryset=DepositEvent.objects.select_related("actor", "assignee")))
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


def file_url(deposit: Deposit, file_pk: int) -> str:
    """Where a link to a file of the review page leads, from any page: `review_file`."""
    return reverse("moderation:review-file", kwargs={"pk": deposit.pk, "file_pk": file_pk})


def _linked(results: checks.Results, deposit: Deposit, shown: set[int]) -> checks.Results:
    """The checks, a result about a file of another folder or page linked through `review_file`
    rather than to an anchor this page does not have."""
    out = checks.Results()
    for result in results:
        kind, _sep, value = result.target.partition("-")
        if kind == "file" and value.isdigit() and int(value) not in shown:
            result = replace(result, href=file_url(deposit, int(value)))
        out.append(result)
    return out


@login_required
@require_GET
def review(request, pk: int):
    deposit = deposit_for_review(request.user, pk)
    summary = files_summary(deposit)
    listing = files_page(deposit, summary.folders, request.GET)
    shown = {row.file.pk for row in listing.rows}
    transitions = [t for t in workflow.allowed_actions(deposit, request.user) if t.role is not workflow.Role.depositor]
    thread = conversation.thread_for(deposit)
    return render(
        request,
        "moderation/review.html",
        {
            "deposit": deposit,
            "sections": layout.sections(deposit.metadata, deposit),
            "shapes": layout.extent_shapes(deposit.metadata),
            "files_count": summary.count,
            "folders": summary.folders,
            "listing": listing,
            # Threads on files this page does not list, each linked to the page that does.
            "file_threads_elsewhere": [root for root in thread.file_roots if root.file_id not in shown],
            "checks": _linked(checks.run_checks(deposit, [], files_results=summary.checks), deposit, shown),
            "thread": thread,
            # Files nobody has commented on get their form when it is opened (file_thread).
            "may_comment": thread.rights(request.user)["comment"],
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
def review_file(request, pk: int, file_pk: int):
    """A file's place on the review page: its folder and the page of that folder's files that lists
    it (core.folder_files.place_of), whatever the deposit holds in a bounded number of queries."""
    deposit = deposit_for_review(request.user, pk)
    file = deposit.files.only("id", "name").filter(pk=file_pk).first()
    if file is None:
        raise Http404("No such file.")
    params = place_of(deposit.files.all(), file.name)
    query = f"?{urlencode(params)}" if params else ""
    return redirect(f"{reverse('moderation:review', kwargs={'pk': deposit.pk})}{query}#file-{file.pk}")


@login_required
@require_GET
def file_preview(request, pk: int, file_pk: int):
    """A file's stored preview (first rows, first lines, a NetCDF header, or why there is none): the
    fragment landing.js puts in the file's <details> when the moderator opens it (`?fragment=1`),
    else a page of its own (the link offered without script), which also holds the file's
    conversation and the form to comment on it. Read as the worker stored it."""
    deposit = deposit_for_review(request.user, pk)
    file = deposit.files.filter(pk=file_pk).first()
    if file is None:
        raise Http404("No such file.")
    if "fragment" in request.GET:
        return render(request, "moderation/_file_preview_fragment.html", {"file": file})
    back = file_url(deposit, file.pk)
    return render(
        request,
        "moderation/file_preview.html",
        {"deposit": deposit, "file": file, "back": back, "thread": conversation.thread_for(deposit)},
    )


@login_required
@require_GET
def file_thread(request, pk: int, file_pk: int):
    """A file's conversation with its new-comment form open: the fragment file_comments.js puts in
    place of the review page's "Comment on this" when the moderator opens it on a file nobody has
    commented on yet (the page does not draw a form for each of its hundred files). `next`, a page
    of this site, is where the form comes back to; else the file on the review page."""
    deposit = deposit_for_review(request.user, pk)
    file = deposit.files.only("id", "name", "deposit_id").filter(pk=file_pk).first()
    if file is None:
        raise Http404("No such file.")
    back = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        back = file_url(deposit, file.pk)
    context = {
        "deposit": deposit,
        "thread": conversation.thread_for(deposit),
        "file": file,
        "anchor_label": file.name,
        "thread_next": back,
        "form_open": True,
    }
    return render(request, "moderation/_thread.html", context)


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
# A report lists the deposit's folders and its files up to these numbers, then says how many more
# there are: a hundred table rows cost WeasyPrint about a second (10,000 rows would take minutes and
# make hundreds of pages nobody reads). Every file's name and checksum is in the record's manifest
# once published.
REPORT_FOLDERS_MAX = 200
REPORT_FILES_MAX = 200


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
            Prefetch("rounds", queryset=ReviewRound.objects.select_related("submitted_by")),
            Prefetch("events", queryset=DepositEvent.objects.select_related("actor", "assignee")),
        )
        .filter(pk=pk)
        .first()
    )
    if deposit is None or not policy.may_view(deposit, request.user):
        raise Http404("No such deposit.")
    files = review_files(deposit)
    index = FolderIndex((f.name, f.size) for f in files)
    folders = [block["folder"] for block in index.tree() if block["kind"] == "open"]
    thread = conversation.thread_for(deposit)
    html = render_to_string(
        "moderation/report.html",
        {
            "deposit": deposit,
            "files": files[:REPORT_FILES_MAX],
            "files_count": len(files),
            "files_size": index.top.size,
            "files_more": max(len(files) - REPORT_FILES_MAX, 0),
            "folders": folders[:REPORT_FOLDERS_MAX],
            "folders_more": max(len(folders) - REPORT_FOLDERS_MAX, 0),
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
