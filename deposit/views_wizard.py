"""The five-step deposit wizard's pages: start a deposit, each step (GET, and a plain POST that works
without JavaScript), the autosave endpoint (JSON, revision-checked), uploads without the browser
uploader, the review fragment, NetCDF suggestions and submission. Thin: read the deposit with its
access rules, merge the step through `deposit.wizard`, save through `services.deposit_update`."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as HttpForbidden
from django.http import Http404, HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect, render
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import lookups
from accounts.models import Community
from core.errors import Conflict, DomainError, NotFound, ValidationFailed
from core.logging import get_logger

from . import hooks, policy, selectors, services, wizard, workflow
from .file_listing import FileListing
from .forms import WizardStartForm, WizardUploadForm
from .models import Deposit
from .views import SUCCESS, _store_files
from .workflow import Action, Status

log = get_logger(__name__)

UPLOADER_TEMPLATE = "deposit/_uploader.html"
# The proprietary files the Files step's advice names; the others are counted.
CLOSED_FORMATS_NAMED = 10


# --- Access -------------------------------------------------------------------------------------


def _viewable(request, pk: int) -> Deposit:
    try:
        return selectors.deposit_for(request.user, pk)
    except NotFound:
        raise Http404(_("No such deposit.")) from None


def _editable(request, pk: int) -> Deposit:
    """The deposit, if the user may edit it: 404 when they may not even see it, 403 when they see it
    (a moderator of its community) but do not edit it."""
    deposit = _viewable(request, pk)
    if not policy.may_edit(deposit, request.user):
        raise HttpForbidden(_("Only the depositor and co-depositors can change this deposit."))
    return deposit


def _step_or_404(step: str) -> wizard.Step:
    if step not in wizard.STEP_BY_SLUG:
        raise Http404(_("No such step."))
    return wizard.STEP_BY_SLUG[step]


def _not_editable_message(deposit: Deposit) -> str:
    return _("A deposit that is %(status)s cannot be edited.") % {"status": deposit.get_status_display()}


# --- Pages --------------------------------------------------------------------------------------


def _typeahead_url() -> str | None:
    try:
        return reverse("vocabularies:search")
    except NoReverseMatch:
        return None


def _lookup_urls() -> dict:
    """Where the people step's script looks up ORCID names and ROR organisations: "" for a look-up
    that is not configured (the fields are then typed by hand, as without JavaScript)."""
    return {
        "orcid": reverse("deposit:lookup-orcid", kwargs={"orcid": "__orcid__"})
        if lookups.orcid_lookup_enabled()
        else "",
        "ror": reverse("deposit:lookup-ror") if lookups.ror_lookup_enabled() else "",
    }


def _netcdf_suggester():
    return getattr(services, "file_netcdf_suggestions", None)


def _is_netcdf(name: str) -> bool:
    return name.lower().endswith((".nc", ".nc4", ".cdf", ".netcdf"))


def _has_uploader() -> bool:
    try:
        get_template(UPLOADER_TEMPLATE)
    except TemplateDoesNotExist:
        return False
    return True


def js_strings() -> dict:
    """What wizard.js and map.js say, translated here (one catalogue for the whole site)."""
    return {
        "saving": _("Saving…"),
        "saved": _("All changes saved"),
        "savedAt": _("Saved at %(time)s"),
        "unsaved": _("Unsaved changes"),
        "offline": _(
            "Not saved: the server could not be reached. "
            "Your changes are kept in this browser and will be saved when it answers."
        ),
        "failed": _("Not saved: %(reason)s"),
        "problemsHere": _("%(count)s problem(s) in this step"),
        "conflictTitle": _("Someone else saved this deposit"),
        "conflictNone": _("Their changes are in other steps; yours here do not overwrite them."),
        "field": _("Field"),
        "theirs": _("Their version"),
        "mine": _("Yours"),
        "loadTheirs": _("Load their version"),
        "keepMine": _("Keep mine and overwrite"),
        "restoreTitle": _("Changes typed in this browser were not saved"),
        "restoreText": _("This browser kept changes to this step from %(time)s that the server does not have."),
        "restore": _("Restore them"),
        "discard": _("Discard them"),
        "restored": _("Restored; saving…"),
        "remove": _("Remove"),
        "moveUp": _("Move up"),
        "moveDown": _("Move down"),
        "movedTo": _("Moved to position %(n)s"),
        "removed": _("Line removed"),
        "noMatch": _("No term found: press Enter to keep “%(q)s” as a free term."),
        "searchFailed": _("The thesaurus search is not available; press Enter to keep the term as typed."),
        "added": _("Added “%(label)s”"),
        "alreadyThere": _("“%(label)s” is already in the list."),
        "lat": _("A latitude is between −90 and 90."),
        "lon": _("A longitude is between −180 and 180."),
        "number": _("Enter a number (with a decimal point)."),
        "southNorth": _("The south latitude must not be north of the north latitude."),
        "antimeridian": _(
            "West is east of East: the box crosses the antimeridian (180°). If that is not what you meant, swap them."
        ),
        "minMax": _("The minimum is above the maximum."),
        "doiFormat": _("Not a DOI: it looks like 10.1234/abcd (a doi.org link is fine)."),
        "urlFormat": _("Not a web address: it starts with https:// or http://."),
        "swhidFormat": _("Not a Software Heritage identifier (swh:1:dir:… with 40 hexadecimal characters)."),
        "endBeforeStart": _("The end date is before the start date."),
        "orcidFormat": _("An ORCID iD has 16 digits (the last may be X), as in 0000-0002-1825-0097."),
        "orcidCheck": _(
            "This ORCID iD's last character (its check digit) does not match: copy it again from the ORCID record."
        ),
        "rorFormat": _("A ROR id looks like https://ror.org/02feahw73 (or just 02feahw73)."),
        "orcidLooking": _("Reading the name on the ORCID record…"),
        "orcidFilled": _("Name filled in from the ORCID record: %(name)s."),
        "orcidMatches": _("The name matches the ORCID record."),
        "orcidDiffers": _("The ORCID record gives the name %(name)s."),
        "orcidUseName": _("Use the name on the ORCID record: %(name)s"),
        "orcidUsed": _("Name taken from the ORCID record: %(name)s."),
        "orcidNoName": _("This ORCID record does not show a name publicly: type it yourself."),
        "lookupFailed": _("The look-up could not be made (no connection?): type the value yourself."),
        "rorSuggestions": _("Organisations in the Research Organization Registry"),
        "rorFound": _("%(n)s organisation(s) found in ROR: arrow keys to browse, Enter to choose."),
        "rorNoMatch": _("No organisation found in ROR for “%(q)s”: the affiliation is kept as typed."),
        "rorChosen": _("Chosen: %(name)s, ROR id %(id)s."),
        "embargoMax": _("An embargo lasts at most two years (until %(date)s)."),
        "embargoPast": _("The embargo must end in the future."),
        "polygonLine": _("Line %(n)s is not “longitude, latitude”."),
        "polygonFew": _("A polygon needs at least three points."),
        "drawBox": _(
            "Drag on the map, with the mouse or a finger, to draw the box. Escape or the button again cancels."
        ),
        "drawPolygon": _(
            "Click or tap each corner on the map; the first corner again (or Enter) finishes. Escape cancels."
        ),
        "drawPoint": _("Click or tap the map where the point is. Escape cancels."),
        "drawn": _("Added to the list of places."),
        "box": _("Box"),
        "point": _("Point"),
        "polygon": _("Polygon"),
        "place": _("Place"),
        "location": _("Location %(n)s"),
        "applied": _("Filled from the file: check the values, then they are saved."),
    }


def _files_of(deposit: Deposit) -> wizard.NamedFiles:
    """All the deposit's files, by name (deposit_for's prefetch, without their previews), with each
    name's place among them."""
    return wizard.NamedFiles(deposit.files.all())


def _context(request, deposit: Deposit, step: wizard.Step, *, values: dict | None = None, conflict=None) -> dict:
    files = _files_of(deposit)
    problems = wizard.described_problems(services.deposit_problems(deposit), deposit.metadata, files)
    state = wizard.completeness(deposit, problems, files)
    for item in state["steps"]:
        item["state_text"] = _state_text(item)
    here = [p for p in problems if p["step"] == step.slug]
    problems_listed, file_problems_left_out = wizard.listed_problems(problems)
    step_problems_listed, step_file_problems_left_out = wizard.listed_problems(here)
    closed_formats = [f for f in files if wizard.file_format(f.name)["open"] is False]
    by_anchor: dict[str, list[str]] = {}
    for problem in here:
        by_anchor.setdefault(problem["anchor"], []).append(problem["message"])
    transitions = {t.action.value for t in workflow.allowed_actions(deposit, request.user)}
    suggester = _netcdf_suggester()
    communities = list(Community.objects.all())
    return {
        "deposit": deposit,
        "step": step,
        "steps": wizard.STEP_LIST,
        "state": state,
        "nav": state["steps"],
        "problems": problems,
        "problems_listed": problems_listed,
        "file_problems_left_out": file_problems_left_out,
        "step_problems": here,
        "step_problems_listed": step_problems_listed,
        "step_file_problems_left_out": step_file_problems_left_out,
        "problems_by_anchor": by_anchor,
        "values": values if values is not None else wizard.read_step(step.slug, deposit.metadata, deposit),
        "is_form_step": step.slug in wizard.FORM_STEPS,
        "previous_step": wizard.STEP_LIST[step.number - 2] if step.number > 1 else None,
        "next_step": wizard.STEP_LIST[step.number] if step.number < len(wizard.STEP_LIST) else None,
        "files": files,
        "listing": FileListing(files, request.GET, selectors.same_content(files)) if step.slug == "files" else None,
        "netcdf_files": [f for f in files if _is_netcdf(f.name) and f.state == "ready"] if suggester else [],
        "has_readme": any(f.name.lower().startswith("readme") for f in files),
        # Step 3's table, and the review's word on the files' variables not in it.
        "variables_table": wizard.variables_table(
            deposit.metadata,
            selectors.files_variables(deposit),
            rows_shown=values.get("variables") if values is not None else None,
        )
        if step.slug in ("where_when", "links_licence")
        else None,
        "closed_formats": closed_formats[:CLOSED_FORMATS_NAMED],
        "closed_formats_left_out": len(closed_formats[CLOSED_FORMATS_NAMED:]),
        "has_uploader": _has_uploader(),
        "upload_form": WizardUploadForm(),
        "typeahead_url": _typeahead_url(),
        "lookups": _lookup_urls() if step.slug == "people" else {},
        "communities": communities,
        "community_themes": wizard.community_themes(communities),
        "choices": {
            "resource_types": wizard.RESOURCE_TYPES,
            "languages": wizard.LANGUAGES,
            "title_types": wizard.TITLE_TYPES,
            "name_types": wizard.NAME_TYPES,
            "contributor_types": wizard.CONTRIBUTOR_TYPES,
            "funder_id_types": wizard.FUNDER_ID_TYPES,
            "vertical_references": wizard.VERTICAL_REFERENCES,
            "identifier_types": wizard.IDENTIFIER_TYPES,
            "relation_types": wizard.RELATION_TYPES,
            "related_resource_types": wizard.RELATED_RESOURCE_TYPES,
            "access_levels": wizard.ACCESS_LEVELS,
            "licences": wizard.licence_choices(),
            "inspire_themes": wizard.inspire_theme_choices(),
            "link_presets": wizard.LINK_PRESETS,
        },
        "groups": {g.name: g for g in wizard.KEYWORD_GROUPS},
        "subject_keys": wizard.SUBJECT_KEYS,
        "embargo_max": wizard.embargo_limit().isoformat(),
        "today": timezone.localdate().isoformat(),
        "can_submit": bool(transitions & {Action.submit.value, Action.resubmit.value}),
        "submit_label": Action.resubmit.label if deposit.status == Status.changes_requested else Action.submit.label,
        "conflict": conflict,
        "change_request": selectors.change_request(deposit),
        "js_strings": js_strings(),
    }


@login_required
@require_http_methods(["GET", "POST"])
def wizard_start(request):
    """`/deposits/new`: what the five steps ask for, and a button that starts a draft with the
    depositor as first creator and point of contact."""
    if request.method == "POST":
        form = WizardStartForm(request.POST)
        if form.is_valid():
            community = form.cleaned_data["community"]
            metadata = wizard.initial_metadata(request.user, community=community.slug if community else None)
            title = form.cleaned_data["title"].strip()
            if title:
                metadata["titles"] = [{"title": title}]
            deposit = services.deposit_create(owner=request.user, metadata=metadata, community=community)
            log.info("wizard.started", deposit=deposit.pk)
            return redirect("deposit:wizard", pk=deposit.pk, step="describe")
    else:
        form = WizardStartForm()
    return render(request, "deposit/wizard/start.html", {"form": form, "steps": wizard.STEP_LIST})


@login_required
@require_http_methods(["GET", "POST"])
def wizard_step(request, pk: int, step: str):
    step_obj = _step_or_404(step)
    deposit = _editable(request, pk)
    if deposit.status not in workflow.EDITABLE:
        messages.info(request, _not_editable_message(deposit))
        return redirect("deposit:detail", pk=deposit.pk)
    if request.method == "POST":
        return _save_from_page(request, deposit, step_obj)
    context = _context(request, deposit, step_obj)
    # The moderator's open comments, shown at the top of the step and beside their fields.
    context.update(hooks.context_from(hooks.wizard_page_context, deposit=deposit, user=request.user))
    _count_open_comments(context)
    return render(request, step_obj.template, context)


def _count_open_comments(context: dict) -> None:
    """Give each step's tab the number of open comments on its fields (and files), so that the
    depositor sees where the moderator's requests are before opening the step."""
    thread = context.get("thread")
    counts = dict(thread.open_steps()) if thread else {}
    for item in context["nav"]:
        item["open_comments"] = counts.get(item["slug"], 0)


def _target_after_save(request, step: wizard.Step) -> str:
    go = request.POST.get("go", "")
    return go if go in wizard.STEP_BY_SLUG else step.slug


def _save_from_page(request, deposit: Deposit, step: wizard.Step):
    """The step's form posted without JavaScript: save, then go where the button said."""
    if step.slug not in wizard.FORM_STEPS:
        return redirect("deposit:wizard", pk=deposit.pk, step=_target_after_save(request, step))
    try:
        revision = int(request.POST.get("overwrite_revision") or request.POST.get("revision", ""))
    except ValueError:
        return HttpResponseBadRequest(_("The form is missing its revision; reload the page."))
    metadata, community = wizard.merge_step(step.slug, deposit.metadata, request.POST)
    try:
        services.deposit_update(
            deposit=deposit, actor=request.user, metadata=metadata, community=community, revision=revision
        )
    except Conflict as exc:
        if exc.code != "stale_revision":
            messages.error(request, exc.message)
            return redirect("deposit:detail", pk=deposit.pk)
        current = _viewable(request, deposit.pk)
        conflict = _conflict(step.slug, current, request.POST, exc)
        values = wizard.read_step(step.slug, wizard.merge_step(step.slug, current.metadata, request.POST)[0], current)
        if step.slug == "describe":
            values["community"] = request.POST.get("community", "")
        context = _context(request, current, step, values=values, conflict=conflict)
        context["stale_revision"] = revision
        return render(request, step.template, context, status=409)
    except ValidationFailed as exc:
        messages.error(request, exc.message)
        return redirect("deposit:wizard", pk=deposit.pk, step=step.slug)
    messages.success(request, _("Saved."))
    return redirect("deposit:wizard", pk=deposit.pk, step=_target_after_save(request, step))


def _conflict(step: str, current: Deposit, posted, exc: Conflict) -> dict:
    """What the other save holds that differs from what this one would write, field by field."""
    theirs = wizard.step_values_flat(step, current.metadata, current)
    mine_md, mine_community = wizard.merge_step(step, current.metadata, posted)
    mine = wizard.step_values_flat(step, mine_md, current)
    if step == "describe":
        mine["community"] = mine_community or ""
    differences = [
        {"name": name, "label": wizard.field_label(name), "theirs": theirs.get(name, ""), "mine": mine.get(name, "")}
        for name in dict.fromkeys([*theirs, *mine])  # the page's order
        if theirs.get(name, "") != mine.get(name, "")
    ]
    return {
        "detail": str(exc.message),
        "code": "stale_revision",
        "revision": current.revision,
        "differences": differences,
    }


# --- Autosave -------------------------------------------------------------------------------------


def _json_error(message: str, status: int, code: str) -> JsonResponse:
    return JsonResponse({"detail": str(message), "code": code}, status=status)


@login_required
@require_POST
def wizard_save(request, pk: int):
    """Autosave: merge one step's fields (form-encoded, with the `revision` they were typed on) into
    the document and save it. 200 with the new revision, the step's problems and every step's
    state; 409 `stale_revision` with the other save's values when someone saved in between."""
    try:
        deposit = _editable(request, pk)
    except HttpForbidden as exc:
        return _json_error(str(exc), 403, "forbidden")
    step = request.POST.get("step", "")
    if step not in wizard.FORM_STEPS:
        return _json_error(_("Unknown step."), 400, "bad_step")
    try:
        revision = int(request.POST.get("revision", ""))
    except ValueError:
        return _json_error(_("The form is missing its revision; reload the page."), 400, "no_revision")
    metadata, community = wizard.merge_step(step, deposit.metadata, request.POST)
    try:
        deposit = services.deposit_update(
            deposit=deposit, actor=request.user, metadata=metadata, community=community, revision=revision
        )
    except Conflict as exc:
        if exc.code == "stale_revision":
            current = _viewable(request, pk)
            return JsonResponse(_conflict(step, current, request.POST, exc), status=409)
        return _json_error(exc.message, 409, exc.code)
    except ValidationFailed as exc:  # what the service refuses outright (an unknown community)
        problems = [
            {"anchor": wizard.problem_anchor({"step": step, **p}, metadata)[1], "message": str(p["message"])}
            for p in exc.problems
        ]
        return JsonResponse({"detail": str(exc.message), "code": "invalid", "problems": problems}, status=422)
    except DomainError as exc:
        return _json_error(exc.message, exc.status_code, exc.code)
    files = _files_of(deposit)
    problems = wizard.described_problems(services.deposit_problems(deposit), deposit.metadata, files)
    state = wizard.completeness(deposit, problems, files)
    return JsonResponse(
        {
            "revision": deposit.revision,
            "saved_at": timezone.localtime(deposit.modified).strftime("%H:%M:%S"),
            "problems": [
                {"anchor": p["anchor"], "message": p["message"], "where": p["where"]}
                for p in problems
                if p["step"] == step
            ],
            "problem_count": len(problems),
            "steps": [{"slug": s["slug"], "status": s["status"], "state_text": _state_text(s)} for s in state["steps"]],
            "score": state["score"],
            "title": str(deposit),
        }
    )


def _state_text(step: dict) -> str:
    text = str(step["status_label"])
    if step["problems"]:
        text += " · " + ngettext("%(n)s problem", "%(n)s problems", step["problems"]) % {"n": step["problems"]}
    return text


# --- Fragments (htmx) -----------------------------------------------------------------------------


@login_required
@require_GET
def wizard_review(request, pk: int):
    """The review of the whole deposit (step 5), refreshed after each save."""
    deposit = _editable(request, pk)
    context = _context(request, deposit, wizard.STEP_BY_SLUG["links_licence"])
    return render(request, "deposit/wizard/_review.html", context)


@login_required
@require_GET
def wizard_files(request, pk: int):
    """The file table of step 4 as the step shows it (the same `?folder=`, `?files_q=` and
    `?files_page=`): refreshed by the uploader after its uploads, its page of rows polled while one
    of them is on its way. Only what the table needs: the files, in one query."""
    deposit = _editable(request, pk)
    files = _files_of(deposit)
    listing = FileListing(files, request.GET, selectors.same_content(files))
    return render(request, "deposit/wizard/_files_table.html", {"deposit": deposit, "listing": listing})


@login_required
@require_GET
def wizard_suggestions(request, pk: int, file_pk: int):
    """What a NetCDF file's CF / ACDD attributes suggest for step 3, for the depositor to accept or
    edit (nothing is saved here)."""
    deposit = _editable(request, pk)
    file = next((f for f in deposit.files.all() if f.pk == file_pk and _is_netcdf(f.name)), None)
    suggester = _netcdf_suggester()
    if file is None or suggester is None:
        raise Http404(_("No such file."))
    try:
        suggestions = suggester(file=file) or {}
    except DomainError as exc:  # not ready, not NetCDF, too large, store unavailable: say so here
        suggestions = {"notes": [exc.message]}
    payload = {
        "geo_locations": suggestions.get("geo_locations") or [],
        "temporal_extent": suggestions.get("temporal_extent") or None,
        "vertical_extent": suggestions.get("vertical_extent") or None,
        "subjects": suggestions.get("subjects") or [],
    }
    # Step 3 takes places, platforms, instruments and parameters; the file's other keywords belong
    # to step 1 and are not offered here.
    parameters = [
        s
        for s in payload["subjects"]
        if isinstance(s, dict) and str(s.get("keyword_type") or "parameter") in wizard.WHERE_TYPES
    ]
    # A CF standard name already said by a keyword (its NERC term) is offered unticked, and the
    # browser does not add it twice when the form holds its equivalent.
    parameters = services.netcdf_subjects_known(subjects=parameters, metadata=deposit.metadata)
    payload["subjects"] = parameters
    return render(
        request,
        "deposit/wizard/_suggestions.html",
        {
            "deposit": deposit,
            "file": file,
            "payload": payload,
            "payload_json": json.dumps(payload, default=str),
            "locations": [
                wizard.read_step("where_when", {"geo_locations": [g]})["geo_locations"][0]
                for g in payload["geo_locations"]
                if isinstance(g, dict)
            ],
            "temporal": wizard.read_step("where_when", {"temporal_extent": payload["temporal_extent"]})[
                "temporal_extent"
            ]
            if payload["temporal_extent"]
            else None,
            "vertical": wizard.read_step("where_when", {"vertical_extent": payload["vertical_extent"]})[
                "vertical_extent"
            ]
            if payload["vertical_extent"]
            else None,
            "subjects": parameters,
            "notes": suggestions.get("notes") or [],
            "empty": not any(
                [payload["geo_locations"], payload["temporal_extent"], payload["vertical_extent"], parameters]
            ),
        },
    )


# --- Files and submission -------------------------------------------------------------------------


@login_required
@require_POST
def wizard_upload(request, pk: int):
    """The plain upload form of step 4 (when the browser uploader is not there, or without
    JavaScript): each file through the upload-session protocol, then back to the step."""
    deposit = _editable(request, pk)
    if deposit.status not in workflow.EDITABLE:
        messages.error(request, _not_editable_message(deposit))
        return redirect("deposit:detail", pk=deposit.pk)
    form = WizardUploadForm(request.POST, request.FILES)
    if form.is_valid() and form.cleaned_data["files"]:
        _store_files(request, deposit, form.cleaned_data["files"])
    else:
        messages.error(request, _("Choose one or more files first."))
    return redirect(reverse("deposit:wizard", kwargs={"pk": deposit.pk, "step": "files"}) + "#f-files")


@login_required
@require_POST
def wizard_submit(request, pk: int):
    """Submit (or resubmit) from the review: the strict check runs; what it finds is listed against
    each field, on the review."""
    deposit = _editable(request, pk)
    action = Action.resubmit if deposit.status == Status.changes_requested else Action.submit
    try:
        deposit = services.deposit_act(deposit=deposit, action=action, actor=request.user)
    except services.NameRequired as exc:  # about the account, not a field of the deposit
        messages.error(request, exc.message)
        return redirect(reverse("deposit:wizard", kwargs={"pk": pk, "step": "links_licence"}) + "#review")
    except ValidationFailed as exc:
        messages.error(
            request, _("%(message)s Each problem is listed below, with a link to its field.") % {"message": exc.message}
        )
        return redirect(reverse("deposit:wizard", kwargs={"pk": pk, "step": "links_licence"}) + "#review")
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("deposit:detail", pk=pk)
    text = str(SUCCESS[action])
    if deposit.pid_id:
        text += " " + _("The DOI %(doi)s is reserved for this deposit; it becomes active on publication.") % {
            "doi": deposit.pid.doi
        }
    messages.success(request, text)
    return redirect("deposit:detail", pk=deposit.pk)


# --- Look-ups for the people step (ORCID names, ROR organisations) -------------------------------


@login_required
@require_GET
def lookup_orcid(request, orcid: str):
    """The name on an ORCID record, for the people step to fill in or offer: 200 `{"orcid",
    "given_name", "family_name", "name"}`; 404 `orcid_not_found` (or `lookup_off` when ORCID_API_URL
    is not set), 422 not an iD, 503 `lookup_unavailable` when ORCID does not answer in time. Any
    signed-in user: it reads public records only, and the depositor may be typing a co-author."""
    try:
        person = lookups.orcid_person(orcid)
    except DomainError as exc:
        return _json_error(exc.message, exc.status_code, exc.code)
    return JsonResponse(person)


@login_required
@require_GET
def lookup_ror(request):
    """`?q=`: organisations of the Research Organization Registry for the affiliation type-ahead,
    200 `{"results": [{"id", "name", "country", "aliases"}]}`; 404 `lookup_off` when ROR_API_URL is
    not set, 503 `lookup_unavailable` when ROR does not answer in time."""
    try:
        results = lookups.ror_search(request.GET.get("q", ""))
    except DomainError as exc:
        return _json_error(exc.message, exc.status_code, exc.code)
    return JsonResponse({"results": results})
