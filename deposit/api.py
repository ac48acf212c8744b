"""REST endpoints for deposits, their files and upload sessions, lifecycle actions, and the look-ups
that help fill in creators (ORCID names, ROR organisations). Thin: parse, call one service, shape
the answer."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import Field

from accounts import lookups
from core.errors import DomainError, NotFound, PermissionDenied, ValidationFailed
from core.file_names import clean_file_name
from repository.metadata import DocumentJsonSchema
from repository.models import Record

from . import policy, selectors, services, workflow
from .models import Deposit, DepositFile, UploadSession

router = Router(tags=["deposits"])

FILES_PAGE_SIZE = 500
FILES_PAGE_MAX = 1000


class EventOut(Schema):
    action: str
    from_status: str
    to_status: str
    actor: str | None
    note: str
    reason: str = Field(description="A rejection's reason (see RejectionReason); empty otherwise.")
    assignee: str | None = Field(description="Who an `assign` gave the deposit to.")
    created: datetime


class FileOut(Schema):
    id: int
    name: str
    size: int
    state: str
    md5: str
    sha256: str
    error: str
    same_content_as: list[str] = Field(
        description="The names of the deposit's other ready files with the same SHA-256, i.e. the same bytes. "
        "Accepted (two names for the same bytes can be deliberate), but worth a look: often a file chosen twice."
    )
    warnings: list[str] = Field(
        description="What the depositor should know about this file, in words (`Same content as data.csv.`)."
    )

    @staticmethod
    def resolve_same_content_as(obj) -> list[str]:
        return getattr(obj, "same_content_as", [])

    @staticmethod
    def resolve_warnings(obj) -> list[str]:
        names = getattr(obj, "same_content_as", [])
        return [_("Same content as %(names)s.") % {"names": ", ".join(names)}] if names else []


def _files_out(files) -> list[DepositFile]:
    """A deposit's files, each told which of the others hold the same bytes (FileOut reads it)."""
    files = list(files)
    same = selectors.same_content(files)
    for file in files:
        file.same_content_as = same.get(file.pk, [])
    return files


def _file_out(file: DepositFile) -> DepositFile:
    """One file as FileOut shows it, with the deposit's other files that hold the same bytes."""
    return next(f for f in _files_out(file.deposit.files.all()) if f.pk == file.pk)


class DepositOut(Schema):
    id: int
    status: str
    revision: int
    community: str | None
    title: str
    metadata: dict[str, Any]
    doi: str | None
    doi_is_demo: bool | None
    record_id: int | None
    owner: str
    reviewer: str | None = Field(description="The moderator reviewing it (or to whom it returns on resubmission).")
    round: int = Field(description="How many times it was submitted: the current review round.")
    created: datetime
    modified: datetime
    allowed_actions: list[str]
    problems: list[dict]
    files: list[FileOut]
    events: list[EventOut]


# The metadata a client sends: described by the MetadataDocument schema (published in the OpenAPI
# components), but accepted leniently, as drafts are: anything is kept, and the deposit's `problems`
# list what `validate_document` refuses (the same check the web pages show, and submission applies).
DraftMetadata = Annotated[dict[str, Any], DocumentJsonSchema]
_METADATA_HELP = (
    "The metadata document (schema: MetadataDocument). A draft keeps whatever is sent, even partial or "
    "invalid; the deposit's `problems` list what must be fixed, and submission requires it complete."
)


class DepositIn(Schema):
    community: str | None = Field(default=None, description="Community slug, e.g. `ocean`.")
    metadata: DraftMetadata = Field(default_factory=dict, description=_METADATA_HELP)


class DepositPatch(Schema):
    community: str | None = None
    metadata: DraftMetadata | None = Field(default=None, description=_METADATA_HELP)
    revision: int | None = Field(default=None, description="The revision you edited; refused with 409 if stale.")


class ActionIn(Schema):
    action: workflow.Action
    note: str = Field(default="", description="The message to the depositor (required to request changes or reject).")
    reason: workflow.RejectionReason | None = Field(default=None, description="Required to reject.")
    assignee: str | None = Field(default=None, description="To assign: the username of a moderator of the community.")
    expected_status: workflow.Status | None = Field(
        default=None,
        description="The status the client last saw; the action is refused (409, code `stale`) "
        "when the deposit has moved on meanwhile.",
    )


class UploadIn(Schema):
    name: str = Field(
        description="The file's name, or its relative path in the deposit's folders (`profiles/2024/g123.nc`): "
        "names separated by `/`, none empty, `.` or `..`, each at most 255 bytes in UTF-8; at most 16 levels "
        "and 1,024 bytes in all."
    )
    size: int = Field(ge=0)
    sha256: str = Field(default="", description="Optional SHA-256 of the whole file; verified after completion.")
    part_sha256: bool = Field(
        default=False,
        description="True: every part will be sent with its SHA-256, through the URLs of `POST /uploads/{id}/parts` "
        "(the answer's `parts` is then empty). The store verifies each part as it arrives and keeps the object's "
        "composite checksum (with S3: the upload is created with the SHA-256 checksum algorithm).",
    )


class PartUrl(Schema):
    part_number: int
    url: str
    headers: dict[str, str] = Field(
        default_factory=dict, description="Headers to send with the PUT, exactly (signed into the URL)."
    )


class StoredPartOut(Schema):
    part_number: int
    etag: str
    size: int


class UploadOut(Schema):
    id: int
    file_id: int
    name: str
    size: int
    part_size: int
    part_count: int
    state: str
    expires_at: datetime
    part_sha256: bool
    parts: list[PartUrl]
    stored_parts: list[StoredPartOut]


class PartIn(Schema):
    part_number: int
    etag: str


class CompleteIn(Schema):
    parts: list[PartIn]
    sha256: str = Field(default="", description="Optional SHA-256 (hex) of the whole file, if not declared at opening.")


class PartChecksumIn(Schema):
    part_number: int
    sha256: str = Field(description="SHA-256 of the part's bytes, hexadecimal or base64.")


class SignPartsIn(Schema):
    parts: list[PartChecksumIn]


class SignedPartsOut(Schema):
    parts: list[PartUrl]


def _deposit_out(deposit: Deposit, user) -> dict:
    return {
        "id": deposit.pk,
        "status": deposit.status,
        "revision": deposit.revision,
        "community": deposit.community.slug if deposit.community_id else None,
        "title": deposit.title,
        "metadata": deposit.metadata,
        "doi": deposit.pid.doi if deposit.pid_id else None,
        "doi_is_demo": deposit.pid.is_demo if deposit.pid_id else None,
        "record_id": deposit.record_id,
        "owner": deposit.owner.username,
        "reviewer": deposit.reviewer.username if deposit.reviewer_id else None,
        "round": deposit.round,
        "created": deposit.created,
        "modified": deposit.modified,
        "allowed_actions": [t.action.value for t in workflow.allowed_actions(deposit, user)],
        "problems": services.deposit_problems(deposit) if deposit.status in workflow.EDITABLE else [],
        "files": _files_out(deposit.files.all()),
        "events": [
            {
                "action": e.action,
                "from_status": e.from_status,
                "to_status": e.to_status,
                "actor": e.actor.username if e.actor else None,
                "note": e.note,
                "reason": e.reason,
                "assignee": e.assignee.username if e.assignee else None,
                "created": e.created,
            }
            for e in deposit.events.all()
        ],
    }


def _upload_out(session: UploadSession, *, stored_parts: bool = True) -> dict:
    """`stored_parts` False for a session just opened: the store holds none of its parts yet, and
    asking it (an S3 request per session) would only say so."""
    is_open = session.state == UploadSession.State.open
    return {
        "id": session.pk,
        "file_id": session.file_id,
        "name": session.file.name,
        "size": session.file.size,
        "part_size": session.part_size,
        "part_count": session.part_count,
        "state": session.state,
        "expires_at": session.expires_at,
        "part_sha256": session.part_sha256,
        "parts": services.upload_part_urls(session) if is_open else [],
        "stored_parts": services.upload_stored_parts(session) if is_open and stored_parts else [],
    }


def _deposit(request, pk: int) -> Deposit:
    return selectors.deposit_for(request.auth, pk)


@router.get("/deposits", response=list[DepositOut], summary="Your deposits")
def deposit_list(request):
    return [
        _deposit_out(d, request.auth)
        for d in selectors.deposits_of(request.auth).prefetch_related("files", "events__actor", "events__assignee")
    ]


@router.post("/deposits", response={201: DepositOut}, summary="Create a deposit (a draft)")
def deposit_create(request, payload: DepositIn):
    deposit = services.deposit_create(owner=request.auth, metadata=payload.metadata, community=payload.community)
    return Status(201, _deposit_out(selectors.deposit_for(request.auth, deposit.pk), request.auth))


@router.get("/deposits/{pk}", response=DepositOut, summary="One deposit, with its problems, files and history")
def deposit_detail(request, pk: int):
    return _deposit_out(_deposit(request, pk), request.auth)


@router.patch("/deposits/{pk}", response=DepositOut, summary="Save metadata (lenient: anything is kept)")
def deposit_update(request, pk: int, payload: DepositPatch):
    deposit = _deposit(request, pk)
    kwargs = payload.dict(exclude_unset=True)
    services.deposit_update(deposit=deposit, actor=request.auth, **kwargs)
    return _deposit_out(_deposit(request, pk), request.auth)


@router.post("/deposits/{pk}/actions", response=DepositOut, summary="Apply a lifecycle action")
def deposit_action(request, pk: int, payload: ActionIn):
    """`submit`, `resubmit` and `edit` for the depositor; `claim`, `release`, `assign`,
    `request_changes`, `approve` and `reject` for a moderator of the deposit's community (`note` is
    required to request changes or reject, `reason` to reject, `assignee` to assign). Illegal
    actions get 409 with the reason; an incomplete deposit gets 422 with every problem against its
    field."""
    deposit = _deposit(request, pk)
    services.deposit_act(
        deposit=deposit,
        action=payload.action,
        actor=request.auth,
        note=payload.note,
        reason=payload.reason or "",
        assignee=payload.assignee or "",
        seen_status=payload.expected_status or "",
    )
    return _deposit_out(_deposit(request, pk), request.auth)


class FileListParams(Schema):
    folder: str | None = Field(
        default=None,
        description="Only the files in this folder (`profiles/2024`), with its subfolders' unless `recursive` "
        "is false. Paged answer.",
    )
    recursive: bool = Field(
        default=True, description="False: only the folder's own files (the top level without `folder`). Paged answer."
    )
    page: int | None = Field(default=None, ge=1, description="The page, from 1. Paged answer.")
    page_size: int | None = Field(
        default=None, ge=1, le=FILES_PAGE_MAX, description=f"Files per page (default {FILES_PAGE_SIZE}). Paged answer."
    )


class FilePageOut(Schema):
    total: int
    page: int
    size: int
    pages: int
    files: list[FileOut]
    links: dict[str, str | None] = Field(description="self, first, prev, next, last (absolute URLs; null when none).")


@router.get("/deposits/{pk}/files", response=list[FileOut] | FilePageOut, summary="The deposit's files")
def file_list(request, pk: int, params: Query[FileListParams]):
    """Without parameters, every file as a list (what clients of a few files read). With `folder`,
    `recursive`, `page` or `page_size`, a page of them by name, with the total and the page links:
    the form for a deposit of thousands of files."""
    deposit = _deposit(request, pk)
    if params.folder is None and params.recursive and params.page is None and params.page_size is None:
        return _files_out(deposit.files.all())
    try:
        folder = clean_file_name(params.folder) if params.folder else ""
    except ValidationFailed as exc:
        raise ValidationFailed(exc.message, field="folder") from None
    files = selectors.files_in_folder(deposit, folder=folder, recursive=params.recursive)
    size = params.page_size or FILES_PAGE_SIZE
    total = files.count()
    pages = max(1, math.ceil(total / size))
    page = params.page or 1
    listed = list(files[(page - 1) * size : page * size]) if page <= pages else []
    same = selectors.same_content_across(deposit, listed)
    for file in listed:
        file.same_content_as = same.get(file.pk, [])

    def link(number: int) -> str:
        query = {"page": number, "page_size": size, "recursive": str(params.recursive).lower()}
        if folder:
            query["folder"] = folder
        return request.build_absolute_uri(f"{request.path}?{urlencode(query)}")

    return {
        "total": total,
        "page": page,
        "size": size,
        "pages": pages,
        "files": listed,
        "links": {
            "self": link(page),
            "first": link(1),
            "prev": link(min(page, pages + 1) - 1) if page > 1 else None,
            "next": link(page + 1) if page < pages else None,
            "last": link(pages),
        },
    }


@router.delete("/deposits/{pk}/files/{file_id}", response={204: None}, summary="Delete a draft file")
def file_delete(request, pk: int, file_id: int):
    deposit = _deposit(request, pk)
    file = deposit.files.filter(pk=file_id).first()
    if file is None:
        raise NotFound("No such file.")
    services.file_delete(file=file, actor=request.auth)
    return Status(204, None)


@router.post("/deposits/{pk}/uploads", response={201: UploadOut}, summary="Open an upload session for one file")
def upload_open(request, pk: int, payload: UploadIn):
    """The answer gives the part size and one URL per part. PUT each part's bytes to its URL (no
    token needed: the URL is signed) and keep the `ETag` response header; then complete. With S3
    the URLs are presigned S3 URLs and the bytes never pass through Estran. To have each part's
    SHA-256 verified by the store as it arrives (and, with S3, the object's composite checksum
    kept), open with `part_sha256` and get the part URLs from `POST /uploads/{id}/parts` instead.
    Limits (per file, per deposit, number of files) are refused here, before any byte. The same
    file (name, size and `part_sha256`) opened again while its upload is unfinished answers that
    session, with the parts already stored (`state` is `completed` if the store had finished it);
    another file of that name replaces the unfinished upload."""
    deposit = _deposit(request, pk)
    session = services.upload_open(
        deposit=deposit,
        actor=request.auth,
        name=payload.name,
        size=payload.size,
        sha256=payload.sha256,
        part_sha256=payload.part_sha256,
    )
    return Status(201, _upload_out(session))


# --- Uploads in bulk ---------------------------------------------------------------------------
# Before /uploads/{upload_id}: Django tries the paths in order, and `complete` would be taken for an id.


class BatchProblemOut(Schema):
    """One item's refusal, in the shape of the API's error answers (the `Error` schema)."""

    detail: str
    code: str
    problems: list[dict] = Field(description="Each problem against its field (`files.3.name`), when there are some.")


def _problem_out(exc: DomainError) -> dict:
    """An item's problem, in the shape of the API's error answers."""
    problems = exc.problems if isinstance(exc, ValidationFailed) else []
    if not problems and exc.field:
        problems = [{"field": exc.field, "message": exc.message}]
    return {"detail": exc.message, "code": exc.code, "problems": problems}


class UploadBatchIn(Schema):
    files: list[UploadIn] = Field(
        min_length=1, max_length=services.BATCH_MAX_ITEMS, description="The files to open, at most 500."
    )


class UploadBatchItemOut(Schema):
    status: int = Field(description="201 (opened, or an unfinished upload of this file resumed) or the problem's.")
    upload: UploadOut | None = Field(description="The session, as `POST /deposits/{id}/uploads` answers it.")
    problem: BatchProblemOut | None = Field(description="Why this file was refused (its fields named `files.<n>.…`).")


class UploadBatchOut(Schema):
    opened: int
    refused: int
    results: list[UploadBatchItemOut] = Field(description="One per file sent, in the same order.")


@router.post("/deposits/{pk}/uploads/batch", response=UploadBatchOut, summary="Open upload sessions for many files")
def upload_open_batch(request, pk: int, payload: UploadBatchIn):
    """Up to 500 files in one call, each opened as `POST /deposits/{id}/uploads` opens one, and
    answered on its own in `results`, in order: its session (part URLs included) or its problem
    (a bad or duplicate name, a folder clash, a limit). A refused file refuses only itself; the
    limits on the number of files and the deposit's size count the batch as a whole, the earlier
    files taking the room first. A request the schema refuses (a size that is not a number…) is a
    422 for the whole batch, and a store that does not answer a 503 with nothing opened."""
    deposit = _deposit(request, pk)
    results = services.uploads_open_batch(deposit=deposit, actor=request.auth, items=[f.dict() for f in payload.files])
    out = [
        {"status": 201, "upload": _upload_out(r.session, stored_parts=not r.bulk), "problem": None}
        if r.session is not None
        else {"status": r.problem.status_code, "upload": None, "problem": _problem_out(r.problem)}
        for r in results
    ]
    opened = sum(1 for r in results if r.session is not None)
    return {"opened": opened, "refused": len(results) - opened, "results": out}


class CompleteItemIn(Schema):
    upload_id: int
    parts: list[PartIn]
    sha256: str = Field(default="", description="Optional SHA-256 (hex) of the whole file, if not declared at opening.")


class CompleteBatchIn(Schema):
    uploads: list[CompleteItemIn] = Field(
        min_length=1, max_length=services.BATCH_MAX_ITEMS, description="The uploads to complete, at most 500."
    )


class CompleteBatchItemOut(Schema):
    upload_id: int
    status: int = Field(description="200 (`ready`), 202 (`verifying`: a worker reads it back) or the problem's.")
    file: FileOut | None = Field(description="The file as it stands (a failed file too, with its `error`).")
    problem: BatchProblemOut | None


class CompleteBatchOut(Schema):
    results: list[CompleteBatchItemOut] = Field(description="One per upload sent, in the same order.")


@router.post("/uploads/complete", response=CompleteBatchOut, summary="Complete many uploads")
def upload_complete_batch(request, payload: CompleteBatchIn):
    """Up to 500 uploads completed in one call, each as `POST /uploads/{id}/complete` completes one
    (and as safe to send again), answered on its own in `results`, in order. Small files are verified
    in this request while their sizes add up to UPLOAD_VERIFY_INLINE_MAX_SIZE, the others by the
    worker (202: poll the deposit's files). A store that does not answer is that item's 503: complete
    it again."""
    items = [
        {"upload_id": u.upload_id, "parts": [p.dict() for p in u.parts], "sha256": u.sha256} for u in payload.uploads
    ]
    results = services.uploads_complete_batch(actor=request.auth, items=items)
    # The answered files as they stand, each told its deposit's other files with the same bytes: a
    # query for them and one per deposit, not the deposit's thousands of files.
    answered = DepositFile.objects.filter(pk__in=[r.file.pk for r in results if r.file is not None])
    by_deposit: dict[int, list[DepositFile]] = {}
    for file in answered.select_related("deposit").defer("preview"):
        by_deposit.setdefault(file.deposit_id, []).append(file)
    shown: dict[int, DepositFile] = {}
    for files in by_deposit.values():
        same = selectors.same_content_across(files[0].deposit, files)
        for file in files:
            file.same_content_as = same.get(file.pk, [])
            shown[file.pk] = file
    out = []
    for item, r in zip(items, results, strict=True):
        file = shown.get(r.file.pk) if r.file is not None else None
        problem = r.problem
        if file is not None and file.state == DepositFile.State.failed:
            field = "sha256" if file.declared_sha256 and file.declared_sha256 != file.sha256 else "size"
            problem = ValidationFailed(file.error, field=field)
        if problem is not None:
            status = problem.status_code
        else:
            status = 202 if file.state == DepositFile.State.verifying else 200
        out.append(
            {
                "upload_id": item["upload_id"],
                "status": status,
                "file": file,
                "problem": _problem_out(problem) if problem is not None else None,
            }
        )
    return {"results": out}


# --- One upload -------------------------------------------------------------------------------


def _session(request, upload_id: int) -> UploadSession:
    """The upload session, when the user may see its deposit. A missing session and someone else's
    get the same 404, so that trying ids tells nobody which exist."""
    session = UploadSession.objects.select_related("file__deposit").filter(pk=upload_id).first()
    if session is None or not policy.may_view(session.file.deposit, request.auth):
        raise NotFound("No such upload.")
    return session


@router.get("/uploads/{upload_id}", response=UploadOut, summary="An upload session, with the parts already stored")
def upload_detail(request, upload_id: int):
    session = _session(request, upload_id)
    deposit = session.file.deposit
    # part URLs are write capabilities: a moderator may read the deposit, not write its files
    if not policy.may_edit(deposit, request.auth):
        raise PermissionDenied("Only the depositor and co-depositors can see an upload's part URLs.")
    return _upload_out(session)


@router.post(
    "/uploads/{upload_id}/parts",
    response=SignedPartsOut,
    summary="URLs for parts signed with their SHA-256, which the store verifies",
)
def upload_sign_parts(request, upload_id: int, payload: SignPartsIn):
    """For each part, a URL signed for that part's SHA-256 and exact length: PUT the bytes with the
    `headers` given (`x-amz-checksum-sha256`, base64) and the store refuses bytes that do not match
    (S3 answers 400 BadDigest). Ask for one part at a time or several."""
    session = _session(request, upload_id)
    parts = services.upload_sign_parts(
        session_id=session.pk, actor=request.auth, parts=[p.dict() for p in payload.parts]
    )
    return {"parts": parts}


@router.post(
    "/uploads/{upload_id}/complete",
    response={200: FileOut, 202: FileOut},
    summary="Complete an upload with its parts' ETags",
)
def upload_complete(request, upload_id: int, payload: CompleteIn):
    """200 with the file `ready` (small files are verified at once), 202 with the file `verifying`
    while a worker reads it back (poll the deposit's files), 422 if the parts or the bytes are wrong
    (the file is then `failed`), 503 (`storage_unavailable`) if the store did not answer: the
    upload stays open, complete it again. Safe to send again in any case (an answer lost, a 5xx, a
    409): a completed upload answers its file as it stands."""
    session = _session(request, upload_id)
    file = services.upload_complete(
        session_id=session.pk,
        actor=request.auth,
        parts=[p.dict() for p in payload.parts],
        sha256=payload.sha256,
    )
    if file.state == DepositFile.State.failed:
        # the failed state is committed by the service; the answer names the check that failed
        field = "sha256" if file.declared_sha256 and file.declared_sha256 != file.sha256 else "size"
        raise ValidationFailed(file.error, field=field)
    return Status(202 if file.state == DepositFile.State.verifying else 200, _file_out(file))


@router.delete("/uploads/{upload_id}", response={204: None}, summary="Abort an upload")
def upload_abort(request, upload_id: int):
    session = _session(request, upload_id)
    services.upload_abort(session_id=session.pk, actor=request.auth)
    return Status(204, None)


# --- Co-depositors ------------------------------------------------------------------------------


class CollaboratorIn(Schema):
    email: str = Field(default="", description="Invite by e-mail address…")
    orcid: str = Field(default="", description="…or by ORCID iD.")


class CollaboratorOut(Schema):
    id: int
    email: str
    orcid: str
    user: str | None
    state: str
    created: datetime


class InvitationOut(Schema):
    id: int
    deposit_id: int
    deposit_title: str
    invited_by: str
    created: datetime


def _collaborator_out(c) -> dict:
    return {
        "id": c.pk,
        "email": c.email,
        "orcid": c.orcid,
        "user": c.user.username if c.user else None,
        "state": c.state,
        "created": c.created,
    }


@router.get(
    "/deposits/{pk}/collaborators",
    response=list[CollaboratorOut],
    tags=["co-depositors"],
    summary="The deposit's co-depositors and pending invitations",
)
def collaborator_list(request, pk: int):
    return [_collaborator_out(c) for c in selectors.collaborations_of(_deposit(request, pk))]


@router.post(
    "/deposits/{pk}/collaborators",
    response={201: CollaboratorOut},
    tags=["co-depositors"],
    summary="Invite a co-depositor (owner only)",
)
def collaborator_invite(request, pk: int, payload: CollaboratorIn):
    collaboration = services.collaborator_invite(
        deposit=_deposit(request, pk), actor=request.auth, email=payload.email, orcid=payload.orcid
    )
    return Status(201, _collaborator_out(collaboration))


@router.delete(
    "/deposits/{pk}/collaborators/{collaboration_id}",
    response={204: None},
    tags=["co-depositors"],
    summary="Withdraw an invitation, remove a co-depositor, or leave",
)
def collaborator_remove(request, pk: int, collaboration_id: int):
    collaboration = next(
        (c for c in selectors.collaborations_of(_deposit(request, pk)) if c.pk == collaboration_id), None
    )
    if collaboration is None:
        raise NotFound("No such co-depositor.")
    services.collaboration_revoke(collaboration=collaboration, actor=request.auth)
    return Status(204, None)


@router.get(
    "/invitations",
    response=list[InvitationOut],
    tags=["co-depositors"],
    summary="Invitations to co-deposit waiting for you",
)
def invitation_list(request):
    return [
        {
            "id": c.pk,
            "deposit_id": c.deposit_id,
            "deposit_title": c.deposit.title,
            "invited_by": c.invited_by.username,
            "created": c.created,
        }
        for c in selectors.invitations_for(request.auth)
    ]


@router.post(
    "/invitations/{collaboration_id}/accept",
    response=CollaboratorOut,
    tags=["co-depositors"],
    summary="Accept an invitation",
)
def invitation_accept(request, collaboration_id: int):
    return _collaborator_out(services.invitation_accept(collaboration_id=collaboration_id, user=request.auth))


@router.post(
    "/invitations/{collaboration_id}/decline",
    response=CollaboratorOut,
    tags=["co-depositors"],
    summary="Decline an invitation",
)
def invitation_decline(request, collaboration_id: int):
    return _collaborator_out(services.invitation_decline(collaboration_id=collaboration_id, user=request.auth))


# --- Deleting a deposit, starting a new version (DOI lifecycle) ---------------------------------


@router.delete("/deposits/{pk}", response={204: None}, summary="Delete a deposit and its reserved DOI")
def deposit_delete(request, pk: int):
    """Only the depositor who created it (or an administrator), only a draft, a deposit sent back for
    changes or a rejected one. A reserved (draft) DOI is deleted at DataCite; a registered or
    findable DOI can never be deleted (409 `doi_permanent`)."""
    services.deposit_delete(deposit=_deposit(request, pk), actor=request.auth)
    return Status(204, None)


@router.post("/records/{pk}/new-version", response={201: DepositOut}, summary="Start a new version of a record")
def record_new_version(request, pk: int):
    """A draft prefilled with the record's metadata; once approved it is the dataset's next version,
    with its own DOI, and the concept DOI (shared by every version) resolves to it. 409
    `new_version_open` when a new version is already being prepared."""
    record = Record.objects.filter(pk=pk).first()
    if record is None:
        raise NotFound("No such record.")
    deposit = services.deposit_new_version(record=record, actor=request.auth)
    return Status(201, _deposit_out(selectors.deposit_for(request.auth, deposit.pk), request.auth))


# --- Look-ups for creators and affiliations (ORCID names, ROR organisations) ---------------------


class OrcidPersonOut(Schema):
    orcid: str
    given_name: str
    family_name: str
    name: str = Field(description='The published (credit) name, else given and family names; "" when private.')


class OrganisationOut(Schema):
    id: str = Field(description="The ROR id, as a URL: `https://ror.org/044jxhp58`.")
    name: str = Field(description="ROR's display name.")
    country: str
    aliases: list[str] = Field(description="Other labels, aliases and acronyms.")


@router.get("/lookups/orcid/{orcid}", response=OrcidPersonOut, tags=["look-ups"], summary="The name on an ORCID record")
def lookup_orcid(request, orcid: str):
    """Read from ORCID's public API when `ORCID_API_URL` is set (404 `lookup_off` otherwise); 404
    `orcid_not_found`, 422 not an ORCID iD, 503 `lookup_unavailable` when ORCID does not answer."""
    return lookups.orcid_person(orcid)


@router.get(
    "/lookups/ror",
    response=list[OrganisationOut],
    tags=["look-ups"],
    summary="Search the Research Organization Registry",
)
def lookup_ror(request, q: str = ""):
    """Organisations whose names, aliases or acronyms match `q` (two characters at least), when
    `ROR_API_URL` is set (404 `lookup_off` otherwise); 503 `lookup_unavailable` when ROR does not
    answer."""
    return lookups.ror_search(q)
