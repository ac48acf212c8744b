"""Reads on deposits. Who sees one is deposit.policy's to say (may_view): anybody else gets
NotFound, and learns nothing of its existence."""

from __future__ import annotations

from allauth.account.models import EmailAddress
from django.db.models import Prefetch, Q, QuerySet
from django.db.models.functions import Left, Substr

from core.errors import NotFound
from repository import variables

from . import policy
from .models import Collaboration, Deposit, DepositEvent, DepositFile
from .transitions import Action, Status


def deposits_of(user) -> QuerySet[Deposit]:
    """Deposits the user owns or co-deposits."""
    return policy.deposits_edited_by(user).select_related("owner", "community", "pid", "record", "reviewer")


def invitations_for(user) -> QuerySet[Collaboration]:
    """Pending invitations addressed to the user: by account, by one of their verified e-mail
    addresses, or by their ORCID iD when it is authenticated."""
    if not user.is_authenticated:
        return Collaboration.objects.none()
    match = Q(user=user)
    emails = EmailAddress.objects.filter(user=user, verified=True).values_list("email", flat=True)
    match |= Q(user__isnull=True, email__in=[e.lower() for e in emails])
    if user.orcid and user.orcid_authenticated:
        match |= Q(user__isnull=True, orcid=user.orcid)
    return (
        Collaboration.objects.filter(match, state=Collaboration.State.pending)
        .exclude(deposit__owner=user)
        .select_related("deposit", "invited_by")
    )


def collaborations_of(deposit: Deposit) -> list[Collaboration]:
    """Co-depositors and open invitations (from the prefetch when there is one)."""
    return [c for c in deposit.collaborations.all() if c.state != Collaboration.State.revoked]


def change_request(deposit: Deposit) -> DepositEvent | None:
    """The moderator's latest "request changes", while the deposit waits for them: what its pages
    show first. From the events deposit_for prefetched (no query then); None in any other status."""
    if deposit.status != Status.changes_requested:
        return None
    requests = [e for e in deposit.events.all() if e.action == Action.request_changes]
    return max(requests, key=lambda e: (e.created, e.pk), default=None)


def deposit_for(user, pk: int) -> Deposit:
    deposit = (
        Deposit.objects.select_related("owner", "community", "pid", "record", "reviewer")
        .prefetch_related(
            # Not the files' previews, which only the review shows (in its own query): at 10,000
            # files they would be most of the bytes every page of the deposit reads.
            Prefetch("files", queryset=DepositFile.objects.defer("preview")),
            Prefetch("events", queryset=DepositEvent.objects.select_related("actor", "assignee")),
            Prefetch("collaborations", queryset=Collaboration.objects.select_related("user")),
        )
        .filter(pk=pk)
        .first()
    )
    if deposit is None or not policy.may_view(deposit, user):
        raise NotFound("No such deposit.")
    return deposit


def same_content(files: list[DepositFile]) -> dict[int, list[str]]:
    """For each of a deposit's files, the names of its other files with the same bytes (the same
    SHA-256, as Estran computed it once the file was stored). Said, not refused: two names for the
    same bytes can be deliberate, but are more often a file chosen twice. Only ready files count: a
    failed file's checksum is that of bytes that will not be kept. Works on the list the caller
    already holds, so that a page or an answer listing files runs no query more."""
    by_sha: dict[str, list[DepositFile]] = {}
    for file in files:
        if file.state == DepositFile.State.ready and file.sha256:
            by_sha.setdefault(file.sha256, []).append(file)
    found: dict[int, list[str]] = {}
    for group in by_sha.values():
        if len(group) > 1:
            for file in group:
                found[file.pk] = sorted(other.name for other in group if other.pk != file.pk)
    return found


def files_in_folder(deposit: Deposit, *, folder: str = "", recursive: bool = True) -> QuerySet[DepositFile]:
    """A deposit's files in `folder` (a cleaned path, "" for the whole deposit), by name: all those
    under it, or with `recursive` False its own files only (not its subfolders'). The prefix is
    compared exactly (`Left`): SQLite's LIKE ignores case, and `Data/x` is not in `data`."""
    files = deposit.files.order_by("name", "pk")
    prefix = folder + "/" if folder else ""
    if prefix:
        files = files.annotate(folder_start=Left("name", len(prefix))).filter(folder_start=prefix)
    if not recursive:
        files = files.annotate(rest=Substr("name", len(prefix) + 1)).exclude(rest__contains="/")
    return files


def same_content_across(deposit: Deposit, files: list[DepositFile]) -> dict[int, list[str]]:
    """same_content for a page of a deposit's files, against all of its files: one query for the
    other ready files sharing a page's checksum, whatever the deposit's size."""
    checksums = {f.sha256 for f in files if f.state == DepositFile.State.ready and f.sha256}
    if not checksums:
        return {}
    # deposit_id too: the related manager checks each row's deposit_id, which deferred is a query per row.
    others = deposit.files.filter(state=DepositFile.State.ready, sha256__in=checksums).only(
        "deposit_id", "name", "sha256", "state"
    )
    found = same_content(list(others))
    return {f.pk: found.get(f.pk, []) for f in files}


def files_variables(deposit: Deposit) -> list[dict]:
    """The measured variables of the deposit's ready files, read from their stored previews
    (`repository.variables.from_previews`), the files in name order. One query, which reads only
    the parts of the previews that name variables (not a table's rows): the wizard asks on every
    refresh of the review, and a deposit may have thousands of files."""
    rows = (
        deposit.files.filter(state=DepositFile.State.ready)
        .order_by("name")
        .values_list("name", "preview__kind", "preview__header", "preview__variables")
    )
    return variables.from_previews(
        (name, {"kind": kind, "header": header, "variables": found}) for name, kind, header, found in rows
    )
