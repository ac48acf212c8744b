"""Private reviewer links: the depositors give them out and revoke them from the deposit's page, and
whoever holds one reads the unpublished deposit at /review/<token>/, without an account: its
metadata as the review page lays it out, its files with their previews and downloads (a folder's
files a hundred at a time under the folder tree, each preview loaded when opened). Nothing
there names the depositor's account, the co-depositors, the moderators or the conversation, nor
leads to another deposit.

Every answer under a token is private (`Cache-Control: private, no-store`), kept out of search
engines (`X-Robots-Tag`) and sends no `Referer` that would carry the token to another site. A token
that is unknown, malformed, expired or revoked gets the site's 404 page, the same bytes for each:
nothing tells a guess from a link that was revoked. A link closed at publication leads to the
published record, which is public anyway."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from core.errors import DomainError, NotFound
from core.folder_files import folder_page, place_of
from core.folders import FolderIndex
from repository.views import stored_file_response

from . import hooks, selectors, services
from .forms import ReviewerLinkForm
from .models import Deposit, DepositFile, ReviewerLink

CONFIDENTIAL_HEADERS = {
    "Cache-Control": "private, no-store",
    "X-Robots-Tag": "noindex, nofollow",
    "Referrer-Policy": "no-referrer",
}


def _confidential(response: HttpResponse) -> HttpResponse:
    for name, value in CONFIDENTIAL_HEADERS.items():
        response[name] = value
    return response


def _deposit_or_404(user, pk: int) -> Deposit:
    try:
        return selectors.deposit_for(user, pk)
    except NotFound:
        raise Http404(_("No such deposit.")) from None


def _links_section(deposit: Deposit) -> str:
    return reverse("deposit:detail", kwargs={"pk": deposit.pk}) + "#reviewer-links"


# --- The depositors' side: give a link, revoke one ----------------------------------------------


@never_cache
@login_required
@require_POST
def reviewer_link_create(request, pk: int):
    """The clear link is rendered in this response and nowhere stored (nor cached: never_cache): it is
    shown once."""
    deposit = _deposit_or_404(request.user, pk)
    form = ReviewerLinkForm(request.POST)
    # A refusal is said at the top of the deposit's page, where its messages are (not at the section).
    if not form.is_valid():
        for name, errors in form.errors.items():
            for error in errors:
                messages.error(request, _("%(field)s: %(error)s") % {"field": form[name].label, "error": error})
        return redirect(deposit.get_absolute_url())
    try:
        link, token = services.reviewer_link_create(
            deposit=deposit,
            actor=request.user,
            label=form.cleaned_data["label"],
            expires_in_days=form.cleaned_data["expires_in_days"],
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(deposit.get_absolute_url())
    url = settings.SITE_URL + reverse("reviewer:page", kwargs={"token": token})
    return render(request, "deposit/reviewer_link_created.html", {"deposit": deposit, "link": link, "url": url})


@login_required
@require_POST
def reviewer_link_revoke(request, pk: int, link_pk: int):
    deposit = _deposit_or_404(request.user, pk)
    link = ReviewerLink.objects.filter(deposit=deposit, pk=link_pk).first()
    if link is None:
        raise Http404(_("No such reviewer link."))
    try:
        services.reviewer_link_revoke(link=link, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        text = _("The reviewer link “%(label)s” is revoked: it leads nowhere now.") % {"label": link.label}
        messages.success(request, text)
    return redirect(_links_section(deposit))


# --- The reviewers' side: the deposit under a token --------------------------------------------


def _not_found(request) -> HttpResponse:
    """The site's 404 page, whatever was wrong with the token."""
    return _confidential(render(request, "404.html", status=404))


@require_safe
def reviewer_page(request, token: str):
    link = services.reviewer_link_find(token)
    if link is not None and link.closed_at is not None and link.deposit.record_id:
        # Published: the record is public, and its DOI is what the reviewers cite from now on.
        record = link.deposit.record
        return _confidential(render(request, "deposit/reviewer_closed.html", {"record": record}, status=410))
    if link is None or not link.is_active:
        return _not_found(request)
    deposit = link.deposit
    # Lightweight rows (not the stored previews, loaded when opened): the tree counts them all.
    files = list(
        DepositFile.objects.filter(deposit=deposit, state=DepositFile.State.ready)
        .only("id", "name", "size", "state", "sha256")
        .order_by("name")
    )
    folders = FolderIndex((f.name, f.size) for f in files)
    if request.method == "GET":
        services.reviewer_link_count_use(link=link)
    context = {
        "link": link,
        "deposit": deposit,
        "doi": deposit.pid.doi if deposit.pid_id else "",
        "token": token,
        "files_count": len(files),
        "folders": folders,
        "listing": folder_page(files, folders, request.GET),
        **hooks.context_from(hooks.reviewer_page_context, deposit=deposit),
    }
    return _confidential(render(request, "deposit/reviewer_page.html", context))


@require_safe
def reviewer_file(request, token: str, file_pk: int):
    """A file of the link's deposit, and of no other: looked up within that deposit."""
    link = services.reviewer_link_find(token)
    if link is None or not link.is_active:
        return _not_found(request)
    file = DepositFile.objects.filter(deposit_id=link.deposit_id, pk=file_pk, state=DepositFile.State.ready).first()
    if file is None:
        return _not_found(request)
    response = stored_file_response(
        request,
        storage_key=file.storage_key,
        name=file.name,
        size=file.size,
        sha256=file.sha256,
        on_download=lambda: services.reviewer_link_count_use(link=link, download=True),
    )
    return _confidential(response)


@require_safe
def reviewer_file_preview(request, token: str, file_pk: int):
    """A ready file's stored preview, as the review page shows it: the fragment landing.js puts in
    the file's <details> (`?fragment=1`), else a page of its own."""
    link = services.reviewer_link_find(token)
    if link is None or not link.is_active:
        return _not_found(request)
    file = DepositFile.objects.filter(deposit_id=link.deposit_id, pk=file_pk, state=DepositFile.State.ready).first()
    if file is None:
        return _not_found(request)
    if "fragment" in request.GET:
        return _confidential(render(request, "moderation/_file_preview_fragment.html", {"file": file}))
    ready = DepositFile.objects.filter(deposit_id=link.deposit_id, state=DepositFile.State.ready)
    params = place_of(ready, file.name)
    back = (
        reverse("reviewer:page", kwargs={"token": token})
        + (f"?{urlencode(params)}" if params else "")
        + f"#file-{file.pk}"
    )
    context = {"deposit": link.deposit, "file": file, "back": back}
    return _confidential(render(request, "moderation/file_preview.html", context))
