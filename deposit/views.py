"""Deposit pages: my deposits, a deposit's page with its problems (each a link into the wizard,
`views_wizard.py`), history and the actions its viewer may take. Thin: parse, call one service, turn domain
errors into messages or form errors."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as HttpForbidden
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _, gettext_lazy, gettext_noop, ngettext
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from pydantic import ValidationError as PydanticValidationError

from core.errors import DomainError, NotFound, ValidationFailed
from core.folders import FolderIndex
from repository import hooks as repository_hooks
from repository.landing import LandingFile, LandingPreview, preview_record
from repository.metadata import LICENCES, MetadataDocument
from repository.models import Record
from repository.serializers.schemaorg import encoding_format
from repository.storage import StorageError
from repository.views import landing_preview

from . import hooks, policy, selectors, services, wizard, workflow
from .file_listing import kept_query
from .forms import InviteForm, read_metadata
from .models import Deposit, DepositFile
from .workflow import Action

# Messages of repository.metadata's strict check, which reaches us untranslated: listed here so
# that makemessages collects them, and translated when shown (gettext of an unknown text is itself).
# Pydantic's own messages, which validation may report; the document's messages are marked in
# repository/metadata.py.
METADATA_MESSAGES = (
    gettext_noop("Field required"),
    gettext_noop("String should have at least 1 character"),
)

# The files the deposit's page lists, by name; the others are in the Files step, 100 a page, and
# the page says how many there are in each top folder.
DETAIL_FILES_LISTED = 20

STEP_LABELS = {
    "describe": gettext_lazy("Describe"),
    "people": gettext_lazy("People"),
    "where_when": gettext_lazy("Where and when"),
    "files": gettext_lazy("Files"),
    "links_licence": gettext_lazy("Links and licence"),
}
FIELD_LABELS = {
    "titles": gettext_lazy("Title"),
    "creators": gettext_lazy("Creators"),
    "descriptions": gettext_lazy("Abstract"),
    "community": gettext_lazy("Community"),
    "rights": gettext_lazy("Licence"),
    "files": gettext_lazy("Files"),
    "resource_type": gettext_lazy("Resource type"),
    "subjects": gettext_lazy("Subjects"),
    "geo_locations": gettext_lazy("Locations"),
    "dates": gettext_lazy("Dates"),
    "related_identifiers": gettext_lazy("Related resources"),
    "language": gettext_lazy("Language"),
    "version": gettext_lazy("Version"),
    "publisher": gettext_lazy("Publisher"),
    "publication_year": gettext_lazy("Publication year"),
    "note": gettext_lazy("Message"),
}
SUBFIELD_LABELS = {
    "orcid": gettext_lazy("ORCID iD"),
    "name": gettext_lazy("name"),
    "affiliations": gettext_lazy("affiliation"),
    "title": gettext_lazy("Title"),
    "description": gettext_lazy("description"),
}
# The form field where each metadata field is typed, for hints next to the input.
FORM_FIELDS = {
    "titles": "title",
    "creators": "creators",
    "descriptions": "description",
    "community": "community",
    "rights": "licence",
    "files": "files",
}
SUCCESS = {
    Action.submit: gettext_lazy("Submitted for review."),
    Action.resubmit: gettext_lazy("Resubmitted for review."),
    Action.claim: gettext_lazy("You are now reviewing this deposit."),
    Action.release: gettext_lazy("Released: the deposit is back in the queue for any moderator of the community."),
    Action.assign: gettext_lazy("Assigned."),
    Action.approve: gettext_lazy("Approved: the record is published."),
    Action.reject: gettext_lazy("The deposit was rejected."),
    Action.request_changes: gettext_lazy("Changes requested: the deposit went back to its depositor."),
    Action.edit: gettext_lazy("The deposit is a draft again: edit it, then submit it."),
}


def describe_problem(problem: dict) -> dict:
    """A problem from validation in words: where (step › field, line) and what."""
    path = str(problem.get("field") or "")
    top, _sep, rest = path.partition(".")
    where = [str(STEP_LABELS[problem["step"]])] if problem.get("step") in STEP_LABELS else []
    label = str(FIELD_LABELS.get(top, top)) if top else ""
    if rest:
        if top == "files":
            label = rest if problem.get("step") == "files" else f"{label} › {rest}"
        else:
            index, _sep, sub = rest.partition(".")
            if index.isdigit():
                label = _("%(field)s, line %(line)s") % {"field": label, "line": int(index) + 1}
                rest = sub
            if rest:
                parts = [str(SUBFIELD_LABELS.get(p, p)) for p in rest.split(".") if not p.isdigit()]
                label = f"{label} ({' › '.join(parts)})"
    if label and (not where or label != where[-1]):
        where.append(label)
    message = str(problem.get("message") or "")
    return {
        "where": " › ".join(where),
        "message": _(message) if message else "",  # gettext("") is the catalogue's header
        "form_field": FORM_FIELDS.get(top),
    }


def _deposit_or_404(user, pk: int) -> Deposit:
    try:
        return selectors.deposit_for(user, pk)
    except NotFound:
        raise Http404(_("No such deposit.")) from None


def _error_message(exc: DomainError) -> str:
    return str(exc.message)


def _store_files(request, deposit: Deposit, uploads) -> int:
    """Store each uploaded file; a refused one is reported and the others (and the deposit) kept."""
    stored = 0
    for upload in uploads:
        try:
            file = services.file_add_bytes(
                deposit=deposit,
                actor=request.user,
                name=upload.name,
                chunks=upload.chunks(),
                size=upload.size,
            )
        except DomainError as exc:
            messages.error(
                request,
                _("The file “%(name)s” was not added: %(reason)s")
                % {"name": upload.name, "reason": _error_message(exc)},
            )
            continue
        except StorageError:
            messages.error(
                request,
                _("The file “%(name)s” was not added: the file store is unavailable; try again shortly.")
                % {"name": upload.name},
            )
            continue
        if file.state == file.State.failed:
            messages.error(
                request,
                _("The file “%(name)s” failed verification: %(reason)s") % {"name": file.name, "reason": file.error},
            )
        else:
            stored += 1
    if stored:
        text = ngettext("%(count)s file added.", "%(count)s files added.", stored) % {"count": stored}
        messages.success(request, text)
    return stored


@login_required
def deposit_list(request):
    deposits = selectors.deposits_of(request.user)
    invitations = selectors.invitations_for(request.user)
    return render(request, "deposit/list.html", {"deposits": deposits, "invitations": invitations})


@login_required
def deposit_detail(request, pk: int):
    deposit = _deposit_or_404(request.user, pk)
    editable = deposit.status in workflow.EDITABLE
    typed = read_metadata(deposit.metadata)
    files = list(deposit.files.all())
    problems = (
        wizard.described_problems(services.deposit_problems(deposit), deposit.metadata, files) if editable else []
    )
    problems_listed, file_problems_left_out = wizard.listed_problems(problems)
    transitions = workflow.allowed_actions(deposit, request.user)
    return render(
        request,
        "deposit/detail.html",
        {
            "deposit": deposit,
            "typed": typed,
            "licence": LICENCES.get(typed["licence"] or ""),
            "files": files,
            "files_listed": files[:DETAIL_FILES_LISTED],
            "folders": FolderIndex((f.name, f.size) for f in files),
            "problems": problems,
            "problems_listed": problems_listed,
            "file_problems_left_out": file_problems_left_out,
            "completeness": wizard.completeness(deposit, problems, files) if editable else None,
            "transitions": transitions,
            # The conversation, timeline and colleagues to assign, from moderation.
            **hooks.context_from(
                hooks.detail_page_context, deposit=deposit, user=request.user, transitions=transitions
            ),
            "rejection_reasons": workflow.RejectionReason.choices,
            "change_request": selectors.change_request(deposit),
            "deletable": deposit.status in services.DELETABLE and not deposit.record_id,
            "can_edit": editable and policy.may_edit(deposit, request.user),
            "collaborations": list(selectors.collaborations_of(deposit)),
            "invite_form": InviteForm(),
        },
    )


@login_required
def deposit_edit(request, pk: int):
    """The old edit page's address: editing is the wizard now."""
    deposit = _deposit_or_404(request.user, pk)
    if not policy.may_edit(deposit, request.user):
        raise HttpForbidden(_("Only the depositor and co-depositors can change this deposit."))
    if deposit.status not in workflow.EDITABLE:
        messages.info(
            request,
            _("A deposit that is %(status)s cannot be edited.") % {"status": deposit.get_status_display()},
        )
        return redirect("deposit:detail", pk=deposit.pk)
    return redirect("deposit:wizard", pk=deposit.pk, step="describe")


@login_required
@require_POST
def deposit_act(request, pk: int):
    deposit = _deposit_or_404(request.user, pk)
    action = request.POST.get("action", "")
    try:
        deposit = services.deposit_act(
            deposit=deposit,
            action=action,
            actor=request.user,
            note=request.POST.get("note", ""),
            reason=request.POST.get("reason", ""),
            assignee=request.POST.get("assignee", ""),
            seen_status=request.POST.get("seen_status", ""),
        )
    except ValidationFailed as exc:
        messages.error(request, exc.message)
        for problem in exc.problems:
            described = describe_problem(problem)
            if described["message"] == exc.message:
                continue
            text = _("%(where)s: %(message)s") % described if described["where"] else described["message"]
            messages.error(request, text)
    except DomainError as exc:
        messages.error(request, _error_message(exc))
    else:
        text = str(SUCCESS.get(action, _("Done.")))
        if action in (Action.submit, Action.resubmit) and deposit.pid_id:
            reserved = _("The DOI %(doi)s is reserved for this deposit; it becomes active on publication.")
            text += " " + reserved % {"doi": deposit.pid.doi}
        messages.success(request, text)
    return redirect(_after_action(request, deposit))


def _after_action(request, deposit: Deposit) -> str:
    """Back where the action was taken (the queue, the review page), if it is ours; after a final
    decision, the deposit's page, which shows the outcome (the record and its DOI)."""
    if deposit.status in workflow.TERMINAL:
        return deposit.get_absolute_url()
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return deposit.get_absolute_url()


@login_required
@require_http_methods(["GET", "POST"])
def file_delete(request, pk: int, file_pk: int):
    """GET asks for confirmation, naming the file (the step's table shows the same question in a
    dialog when scripts run; this page is that question without them); POST deletes."""
    deposit = _deposit_or_404(request.user, pk)
    file = next((f for f in deposit.files.all() if f.pk == file_pk), None)
    if file is None:
        raise Http404(_("No such file."))
    if request.method == "GET":
        if not policy.may_edit(deposit, request.user):
            raise HttpForbidden(_("Only the depositor and co-depositors can change this deposit."))
        if deposit.status not in workflow.EDITABLE:
            messages.info(
                request,
                _("A deposit that is %(status)s cannot be edited.") % {"status": deposit.get_status_display()},
            )
            return redirect("deposit:detail", pk=deposit.pk)
        back = _files_step(deposit, request)
        return render(request, "deposit/file_delete.html", {"deposit": deposit, "file": file, "back": back})
    try:
        services.file_delete(file=file, actor=request.user)
    except DomainError as exc:
        messages.error(request, _error_message(exc))
        return redirect("deposit:detail", pk=deposit.pk)
    messages.success(request, _("The file “%(name)s” was deleted.") % {"name": file.name})
    return redirect(_files_step(deposit, request))


def _files_step(deposit: Deposit, request) -> str:
    """The Files step's table as it was when Delete… was chosen: its folder, search and page."""
    step = reverse("deposit:wizard", kwargs={"pk": deposit.pk, "step": "files"})
    return step + kept_query(request.GET) + "#f-files"


# --- Co-depositors ------------------------------------------------------------------------------


@login_required
@require_POST
def collaborator_invite(request, pk: int):
    deposit = _deposit_or_404(request.user, pk)
    form = InviteForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give either an e-mail address or an ORCID iD."))
        return redirect("deposit:detail", pk=pk)
    value = form.cleaned_data["invitee"]
    kind = "email" if "@" in value else "orcid"
    try:
        services.collaborator_invite(deposit=deposit, actor=request.user, **{kind: value})
    except DomainError as exc:
        messages.error(request, _error_message(exc))
    else:
        messages.success(request, _("%(who)s is invited to co-deposit.") % {"who": value})
    return redirect("deposit:detail", pk=pk)


@login_required
@require_POST
def collaborator_remove(request, pk: int, collaboration_pk: int):
    deposit = _deposit_or_404(request.user, pk)
    collaboration = next((c for c in selectors.collaborations_of(deposit) if c.pk == collaboration_pk), None)
    if collaboration is None:
        raise Http404(_("No such co-depositor."))
    try:
        services.collaboration_revoke(collaboration=collaboration, actor=request.user)
    except DomainError as exc:
        messages.error(request, _error_message(exc))
        return redirect("deposit:detail", pk=pk)
    if policy.may_leave(collaboration, request.user):
        messages.success(request, _("You no longer co-deposit this dataset."))
        return redirect("deposit:list")
    messages.success(request, _("The co-depositor was removed."))
    return redirect("deposit:detail", pk=pk)


@login_required
@require_http_methods(["GET", "POST"])
def invitations(request):
    if request.method == "POST":
        try:
            collaboration_id = int(request.POST.get("invitation", ""))
        except ValueError:
            raise Http404(_("No such invitation.")) from None
        answer = request.POST.get("answer")
        try:
            if answer == "accept":
                collaboration = services.invitation_accept(collaboration_id=collaboration_id, user=request.user)
                messages.success(request, _("You now co-deposit this dataset."))
                return redirect("deposit:detail", pk=collaboration.deposit_id)
            services.invitation_decline(collaboration_id=collaboration_id, user=request.user)
            messages.info(request, _("Invitation declined."))
        except NotFound:
            raise Http404(_("No such invitation.")) from None
        return redirect("deposit:invitations")
    return render(request, "deposit/invitations.html", {"invitations": selectors.invitations_for(request.user)})


# --- Deleting a deposit, starting a new version (DOI lifecycle) ---------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def deposit_delete(request, pk: int):
    """GET asks first, on a page of its own (it works without scripts, and stands apart from the
    buttons that move the deposit on), saying what is lost; its form POSTs here, which deletes."""
    deposit = _deposit_or_404(request.user, pk)
    if request.method == "GET":
        return _delete_confirmation(request, deposit)
    doi = deposit.pid.doi if deposit.pid_id and deposit.pid.target_state != "none" else None
    try:
        services.deposit_delete(deposit=deposit, actor=request.user)
    except DomainError as exc:
        messages.error(request, _error_message(exc))
        return redirect("deposit:detail", pk=pk)
    text = _("The deposit was deleted.")
    if doi:
        text += " " + _("Its reserved DOI %(doi)s is deleted at DataCite; it will never be used again.") % {"doi": doi}
    messages.success(request, text)
    return redirect("deposit:list")


def _delete_confirmation(request, deposit: Deposit):
    if not policy.may_delete(deposit, request.user):
        raise HttpForbidden(_("Only the depositor who created the deposit can delete it."))
    if deposit.status not in services.DELETABLE or deposit.record_id:
        messages.info(
            request,
            _(
                "A deposit that is %(status)s cannot be deleted; only drafts, deposits sent back for changes and "
                "rejected deposits can."
            )
            % {"status": deposit.get_status_display()},
        )
        return redirect("deposit:detail", pk=deposit.pk)
    files = list(deposit.files.all())
    pid = deposit.pid if deposit.pid_id and deposit.pid.target_state not in ("none", "deleted") else None
    return render(
        request,
        "deposit/delete_confirm.html",
        {
            "deposit": deposit,
            "files": files,
            "files_size": sum(f.size or 0 for f in files),
            "reserved_doi": pid.doi if pid else "",
            "co_depositors": [c for c in selectors.collaborations_of(deposit) if c.state == c.State.accepted],
        },
    )


@login_required
@require_POST
def record_new_version(request, record_pk: int):
    record = Record.objects.filter(pk=record_pk).first()
    if record is None:
        raise Http404(_("No such record."))
    try:
        deposit = services.deposit_new_version(record=record, actor=request.user)
    except DomainError as exc:
        messages.error(request, _error_message(exc))
        return redirect(record.get_absolute_url())
    messages.success(
        request,
        _("A new version of this dataset is started from version %(version)s: change what is new, then submit it.")
        % {"version": record.version},
    )
    return redirect("deposit:wizard", pk=deposit.pk, step="describe")


@login_required
@require_safe
def deposit_landing_preview(request, pk: int):
    """The landing page the deposit will have once approved, with its metadata as it is now and its
    files' stored previews, for its editors and its community's moderators (`policy.may_preview_landing`):
    the landing page's own template and context (`repository.views.landing_preview`), under a banner.
    A document that does not validate yet has no page to show: the answer says what is missing; a
    published deposit's preview is its record's page."""
    deposit = _deposit_or_404(request.user, pk)
    if not policy.may_preview_landing(deposit, request.user):
        raise Http404(_("No such deposit."))
    if deposit.record_id:
        return redirect(deposit.record.get_absolute_url())  # published: the page itself
    back = request.GET.get("next", "")
    if not (back.startswith("/") and url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()})):
        back = ""
    back_url, back_label = (back, _("Back")) if back else (deposit.get_absolute_url(), _("Back to the deposit"))
    try:
        document = MetadataDocument.model_validate(deposit.metadata)
    except PydanticValidationError:
        response = render(
            request,
            "deposit/landing_preview_incomplete.html",
            {"deposit": deposit, "back_url": back_url, "back_label": back_label},
        )
        response["X-Robots-Tag"] = "noindex, nofollow"
        return response
    record = preview_record(document=document, pid=deposit.pid, community=deposit.community, owner=deposit.owner)
    files = [
        LandingFile(
            pk=f.pk,
            name=f.name,
            size=f.size,
            sha256=f.sha256,
            media_type=encoding_format(f.name),
            path="",
            previewable=repository_hooks.file_previewable(f.name),
            preview=f.preview or None,
        )
        # with their previews, which deposit_for's prefetch leaves out
        for f in deposit.files.filter(state=DepositFile.State.ready)
    ]
    return landing_preview(request, LandingPreview(record, files), back_url=back_url, back_label=back_label)
