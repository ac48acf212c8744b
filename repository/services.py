"""Writes on published records and persistent identifiers: publication, versions, withdrawal,
embargo lifting, and the DOI registration outbox (sync, re-drive, reconciliation).

Every change a DOI's registration must reflect goes the same way: lock the identifier's row, set
what we want (`target_state`), mark it pending and enqueue its sync once the transaction commits.
The worker computes the XML from the record at that moment, so whatever changed is sent.
Locks are taken in one order: deposit, record, version identifiers, concept, concept identifier.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from lxml import etree

from core.errors import Conflict, PermissionDenied, ValidationFailed
from core.logging import get_logger
from core.mail import mail_administrators

from . import file_summary, hooks, selectors, tasks
from .indexing import record_index
from .metadata import AccessLevel, MetadataDocument
from .models import Concept, PersistentIdentifier, Record, RecordFile, RecordRevision, WithdrawalReason
from .pids.base import DOIState, RejectedError, RetryableError, get_provider

log = get_logger(__name__)

Sync = PersistentIdentifier.Sync
# Files inserted per statement at publication.
PUBLISH_FILES_BATCH = 1000


# --- The outbox ---------------------------------------------------------------------------------


def _enqueue_sync(pid: PersistentIdentifier) -> None:
    pid_id = pid.pk
    transaction.on_commit(lambda: tasks.pid_sync_task.delay(pid_id))


def _mark_pending(pid: PersistentIdentifier, fields: Iterable[str] = ()) -> None:
    """Queue the row's sync: pending from now (or since it already was), due at once. Saves the
    given fields with it."""
    now = timezone.now()
    if pid.sync != Sync.pending:
        pid.pending_since = now
        pid.attempts = 0
        if pid.sync == Sync.done:
            pid.last_error = ""
    pid.sync = Sync.pending
    pid.next_attempt_at = None
    pid.save(update_fields=[*fields, "sync", "next_attempt_at", "pending_since", "attempts", "last_error"])
    _enqueue_sync(pid)


def _locked_pid(pk: int) -> PersistentIdentifier:
    return PersistentIdentifier.objects.select_for_update(of=("self",)).get(pk=pk)


def _pid_resend(pid_id: int | None, *, target: DOIState | None = None) -> None:
    """Send a DOI's registration again (its metadata, links or state changed); `target` changes
    the state wanted. A DOI never sent, or deleted, is left alone."""
    if pid_id is None:
        return
    pid = _locked_pid(pid_id)
    fields = []
    if target is not None and pid.target_state != target:
        pid.target_state = target
        fields.append("target_state")
    if pid.target_state in (DOIState.none, DOIState.deleted):
        return
    _mark_pending(pid, fields)


def pid_mint(*, concept: Concept | None = None) -> PersistentIdentifier:
    """A DOI that is ours but not sent anywhere yet (a new version's deposit, before submission)."""
    provider = get_provider()
    return PersistentIdentifier.objects.create(
        doi=provider.mint(),
        provider=provider.name,
        concept=concept,
        state=DOIState.none,
        target_state=DOIState.none,
        sync=Sync.done,
    )


def pid_reserve(*, document: MetadataDocument, pid: PersistentIdentifier | None = None) -> PersistentIdentifier:
    """Queue the reservation (DataCite draft) of a DOI with the given metadata: a new DOI, or one
    minted earlier (`pid_mint`). The DOI is ours from this moment: the depositor may quote it."""
    if pid is not None:
        pid_update_document(pid=pid, document=document)
        return pid
    provider = get_provider()
    pid = PersistentIdentifier.objects.create(
        doi=provider.mint(),
        provider=provider.name,
        target_state=DOIState.draft,
        document=document.model_dump(mode="json"),
        pending_since=timezone.now(),
    )
    _enqueue_sync(pid)
    return pid


def pid_update_document(*, pid: PersistentIdentifier, document: MetadataDocument) -> None:
    """New metadata for a DOI not yet published (a resubmission): resend it (reserving it if it was
    only minted)."""
    pid = _locked_pid(pid.pk)
    if pid.record_id or pid.target_state in (DOIState.findable, DOIState.registered, DOIState.deleted):
        raise Conflict(_("This DOI is published or deleted; its draft metadata cannot change."))
    pid.document = document.model_dump(mode="json")
    pid.target_state = DOIState.draft
    _mark_pending(pid, ["document", "target_state"])


def pid_delete(*, pid: PersistentIdentifier) -> PersistentIdentifier:
    """Delete a reserved (draft) DOI at the agency, through the outbox (a DataCite outage does not
    block the deletion of a deposit). A registered or findable DOI can never be deleted."""
    pid = _locked_pid(pid.pk)
    if pid.is_permanent or pid.record_id:
        raise Conflict(
            _(
                "The DOI %(doi)s is registered: a registered or findable DOI can never be deleted. "
                "A published record can be withdrawn instead; its DOI then resolves to a tombstone page."
            )
            % {"doi": pid.doi},
            code="doi_permanent",
        )
    if pid.target_state == DOIState.none:
        # Never asked for: nothing was sent, nothing to delete. The row stays, so that the DOI is
        # never minted again.
        pid.state = pid.target_state = DOIState.deleted
        pid.save(update_fields=["state", "target_state"])
        return pid
    # Even a DOI whose reservation seems not to have succeeded may exist at the agency (a worker
    # killed after sending it): the agency is asked, and a DOI it does not know counts as deleted.
    pid.target_state = DOIState.deleted
    _mark_pending(pid, ["target_state"])
    log.info("doi.delete_queued", doi=pid.doi)
    return pid


def _backoff(attempts: int, retry_after: float | None) -> timedelta:
    """Exponential from DOI_RETRY_BASE_SECONDS, with up to 25 % jitter (a recovering DataCite is not
    hit by every waiting registration at once), capped at DOI_RETRY_MAX_SECONDS; never sooner than
    the agency's Retry-After."""
    seconds = settings.DOI_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0) * random.uniform(1.0, 1.25)
    seconds = min(seconds, settings.DOI_RETRY_MAX_SECONDS)
    if retry_after:
        seconds = max(seconds, retry_after)
    return timedelta(seconds=seconds)


# A task that arrives this early (clock differences between processes) still runs.
EARLY_TOLERANCE = timedelta(seconds=1)


def pid_sync(*, pid_id: int) -> PersistentIdentifier | None:
    """Bring the agency's state of one DOI to its target. Safe to run twice or concurrently: the row
    is locked for the call (another worker holding it is left to finish; None is returned), a
    registration not yet due waits, and every provider call is idempotent. A retryable failure is
    recorded (attempts, error, next attempt) and then raised, so that the calling task retries."""
    retry: RetryableError | None = None
    with transaction.atomic():
        pid = (
            PersistentIdentifier.objects.select_for_update(of=("self",), skip_locked=True)
            .select_related("record__concept__pid", "concept__pid")
            .filter(pk=pid_id)
            .first()
        )
        if pid is None:
            log.info("doi.sync_skipped", pid=pid_id, reason="locked by another worker")
            return None
        if pid.sync != Sync.pending:
            return pid
        if pid.next_attempt_at and pid.next_attempt_at > timezone.now() + EARLY_TOLERANCE:
            return pid  # not due: its own retry (or the re-drive) comes back then
        provider = get_provider(pid.provider)
        target = DOIState(pid.target_state)
        try:
            try:
                answered = _send(provider, pid, target)
            except (RetryableError, RejectedError):
                raise
            except Exception as exc:  # a bug here must show in the outbox, and be retried
                log.exception("doi.sync_error", doi=pid.doi)
                raise RetryableError(f"Estran could not prepare the request: {type(exc).__name__}: {exc}") from exc
        except RetryableError as exc:
            # Recorded in this transaction, raised after it commits.
            retry = exc
            pid.attempts += 1
            pid.last_error = exc.message[:2000]
            pid.next_attempt_at = timezone.now() + _backoff(pid.attempts, exc.retry_after)
            pid.save(update_fields=["attempts", "last_error", "next_attempt_at"])
            log.warning(
                "doi.retry",
                doi=pid.doi,
                attempts=pid.attempts,
                next_attempt_at=pid.next_attempt_at.isoformat(),
                error=exc.message[:200],
            )
        except RejectedError as exc:
            pid.attempts += 1
            pid.sync = Sync.rejected
            pid.last_error = exc.message[:2000]
            pid.next_attempt_at = None
            pid.save(update_fields=["attempts", "sync", "last_error", "next_attempt_at"])
            log.error("doi.rejected", doi=pid.doi, target=target.value, error=exc.message[:500])
            doi, message = pid.doi, exc.message
            transaction.on_commit(
                lambda: mail_administrators(
                    f"DOI refused by DataCite: {doi}",
                    f"DataCite refused the registration of {doi} (wanted: {target.value}); it is not retried.\n\n"
                    f"DataCite said: {message}\n\nSee the admin's Persistent identifiers (rejected), fix the cause, "
                    "then re-drive it (admin action, or manage.py estran_redrive_dois --rejected).\n",
                )
            )
            return pid
        else:
            if answered is not None and answered is not target:
                log.warning("doi.state_differs", doi=pid.doi, wanted=target.value, answered=answered.value)
            pid.state = answered or target
            pid.sync = Sync.done
            pid.last_error = ""
            pid.next_attempt_at = None
            pid.synced_at = timezone.now()
            pid.drift = ""
            pid.save(update_fields=["state", "sync", "last_error", "next_attempt_at", "synced_at", "url", "drift"])
            log.info("doi.synced", doi=pid.doi, state=pid.state, provider=pid.provider, attempts=pid.attempts)
    if retry is not None:
        raise retry
    return pid


def _send(provider, pid: PersistentIdentifier, target: DOIState) -> DOIState | None:
    """One call to the agency for the target state; the state it answered with."""
    if target is DOIState.none:
        return DOIState.none
    if target is DOIState.deleted:
        provider.delete(doi=pid.doi)
        return DOIState.deleted
    xml = selectors.pid_datacite_xml(pid)
    if target is DOIState.draft:
        return provider.reserve(doi=pid.doi, xml=xml)
    # The URL set when the record was published (or corrected by reconciliation), not one computed
    # here: the worker's SITE_URL is not the authority on where the web site answers.
    pid.url = pid.url or selectors.pid_expected_url(pid)
    if target is DOIState.findable:
        return provider.register(doi=pid.doi, url=pid.url, xml=xml)
    return provider.hide(doi=pid.doi, url=pid.url, xml=xml)


# Re-drive leaves alone what became pending this recently: its task is most likely still queued.
REDRIVE_GRACE = timedelta(minutes=2)


def pids_redrive(*, include_rejected: bool = False, pids: Iterable[int] | None = None, now=None) -> int:
    """Re-enqueue registrations that are due (and, on request, rejected ones). With `pids` (the
    admin's action): exactly those, due or not, rejected or not. Returns the count."""
    now = now or timezone.now()
    if pids is not None:
        count = 0
        for pk in pids:
            with transaction.atomic():
                pid = PersistentIdentifier.objects.select_for_update(of=("self",)).get(pk=pk)
                if pid.sync == Sync.done and pid.target_state == pid.state:
                    continue
                _mark_pending(pid)
                count += 1
        return count
    retried = Q(pk__in=[])
    if include_rejected:
        rejected = list(PersistentIdentifier.objects.filter(sync=Sync.rejected).values_list("pk", flat=True))
        PersistentIdentifier.objects.filter(pk__in=rejected).update(
            sync=Sync.pending, next_attempt_at=None, pending_since=now, attempts=0
        )
        retried = Q(pk__in=rejected)
    due = PersistentIdentifier.objects.filter(sync=Sync.pending).filter(
        retried
        | Q(next_attempt_at__lte=now)
        | Q(next_attempt_at__isnull=True, pending_since__lte=now - REDRIVE_GRACE)
        | Q(next_attempt_at__isnull=True, pending_since__isnull=True)
    )
    count = 0
    for pid in due.only("pk").iterator():
        _enqueue_sync(pid)
        count += 1
    if count:
        log.info("doi.redriven", count=count)
    return count


# --- Publication and versions -------------------------------------------------------------------


def _embargo_until(document: MetadataDocument) -> date | None:
    access = document.access
    return access.embargo_until if access.level is AccessLevel.embargoed else None


@transaction.atomic
def record_publish(
    *, pid: PersistentIdentifier, document: MetadataDocument, community, owner, files: list[dict], actor=None
) -> Record:
    """Create the immutable record of an approved deposit and queue its DOI becoming findable.
    `files` are dicts with name, size, md5, sha256, storage_key (bytes already stored).

    A DOI minted for a new version (`pid.concept`) joins that concept as its next version; the
    concept DOI is minted with the second version (so that a dataset with one version has one DOI)
    and resolves to the latest; the versions whose relations change are sent again."""
    pid = _locked_pid(pid.pk)
    if pid.record_id:
        raise Conflict(_("This DOI already belongs to a published record."))
    now = timezone.now()
    today = now.date()
    document = document.model_copy(
        update={"publisher": document.publisher or settings.DOI_PUBLISHER, "publication_year": today.year}
    )
    if pid.concept_id:
        concept = Concept.objects.select_for_update().get(pk=pid.concept_id)
        version = (concept.records.aggregate(v=Max("version"))["v"] or 0) + 1
    else:
        concept = Concept.objects.create()
        version = 1
    earlier = list(concept.records.order_by("version").values_list("pk", "pid__pk", named=True))
    record = Record.objects.create(
        title=document.title,
        metadata=document.model_dump(mode="json"),
        doi=pid.doi,
        community=community,
        owner=owner,
        concept=concept,
        version=version,
        publication_date=today,
        embargo_until=_embargo_until(document),
        modified=now,
        **file_summary.summarise((f["name"], f["size"]) for f in files),
    )
    RecordRevision.objects.create(
        record=record,
        number=1,
        metadata=record.metadata,
        reason=RecordRevision.Reason.published,
        actor=actor,
        created=now,
    )
    # In batches: one INSERT per thousand files, never one per file, and no statement too large.
    RecordFile.objects.bulk_create((RecordFile(record=record, **f) for f in files), batch_size=PUBLISH_FILES_BATCH)
    record_index(record=record)  # records before identifiers: the lock order
    pid.record = record
    pid.concept = concept
    pid.target_state = DOIState.findable
    pid.url = record.landing_url
    _mark_pending(pid, ["record", "concept", "target_state", "url"])
    log.info("record.published", record=record.pk, doi=record.doi, version=version, concept=concept.pk)

    if earlier:
        concept_is_new = concept.pid_id is None
        # The version before gains IsPreviousVersionOf; with a new concept DOI, every version
        # gains IsVersionOf.
        resend = earlier if concept_is_new else earlier[-1:]
        # Records before their identifiers: the order every writer locks in.
        Record.objects.filter(pk__in=[row.pk for row in resend]).update(modified=now)
        for row in resend:
            _pid_resend(row.pid__pk)
        if concept_is_new:
            _concept_pid_mint(concept, provider_name=pid.provider)
        else:
            _pid_resend(concept.pid_id, target=_concept_target(concept))
    return record


def _record_pid_id(record: Record) -> int | None:
    return PersistentIdentifier.objects.filter(record=record).values_list("pk", flat=True).first()


def _concept_target(concept: Concept) -> DOIState:
    published = concept.records.filter(status=Record.Status.published).exists()
    return DOIState.findable if published else DOIState.registered


def _concept_pid_mint(concept: Concept, *, provider_name: str) -> PersistentIdentifier:
    provider = get_provider(provider_name)
    pid = PersistentIdentifier.objects.create(
        doi=provider.mint(),
        provider=provider.name,
        kind=PersistentIdentifier.Kind.concept,
        target_state=DOIState.findable,
        url=concept.landing_url,
        pending_since=timezone.now(),
    )
    concept.pid = pid
    concept.save(update_fields=["pid"])
    _enqueue_sync(pid)
    log.info("doi.concept_minted", doi=pid.doi, concept=concept.pk)
    return pid


# --- Withdrawal ---------------------------------------------------------------------------------


@transaction.atomic
def record_withdraw(*, record: Record, actor, reason: str, note: str = "") -> Record:
    """A moderator of the record's community (or an administrator) withdraws it: its landing page
    becomes a tombstone with the citation and the reason, its files are no longer served, and its
    DOI becomes registered (hidden from DataCite's search, still resolving to the tombstone)."""
    if not hooks.may("withdraw", record, actor):
        raise PermissionDenied(_("Only a moderator of the record's community or an administrator can withdraw it."))
    if reason not in WithdrawalReason.values:
        raise ValidationFailed(_("Choose a reason from the list."), field="reason")
    note = (note or "").strip()
    if reason == WithdrawalReason.other and not note:
        raise ValidationFailed(_("Explain the reason: it is shown on the tombstone page."), field="note")
    if len(note) > 2000:
        raise ValidationFailed(_("The explanation is at most 2,000 characters."), field="note")
    record = Record.objects.select_for_update().get(pk=record.pk)
    if record.is_withdrawn:
        raise Conflict(_("This record is already withdrawn."), code="already_withdrawn")
    now = timezone.now()
    record.status = Record.Status.withdrawn
    record.withdrawn_at = now
    record.withdrawal_reason = reason
    record.withdrawal_note = note
    record.withdrawn_by = actor
    record.modified = now
    record.save(
        update_fields=["status", "withdrawn_at", "withdrawal_reason", "withdrawal_note", "withdrawn_by", "modified"]
    )
    record_index(record=record)
    _pid_resend(_record_pid_id(record), target=DOIState.registered)
    concept = record.concept
    if concept.pid_id:
        _pid_resend(concept.pid_id, target=_concept_target(concept))
    log.info("record.withdrawn", record=record.pk, doi=record.doi, reason=reason, actor=actor.pk)
    return record


# --- Embargoes ----------------------------------------------------------------------------------


@transaction.atomic
def record_lift_embargo(*, record: Record, today: date | None = None, actor=None) -> bool:
    """Open a record's files on the day its embargo ends: a new metadata snapshot with open access
    (the previous one kept in its revisions), `modified` for harvesters, DataCite's rights updated
    through the outbox. False if there is nothing to lift (yet)."""
    today = today or timezone.now().date()
    record = Record.objects.select_for_update().get(pk=record.pk)
    if record.embargo_until is None or record.embargo_until > today:
        return False
    metadata = {**record.metadata, "access": {"level": AccessLevel.open.value, "embargo_until": None}}
    MetadataDocument.model_validate(metadata)  # what is stored always loads
    now = timezone.now()
    number = (record.revisions.aggregate(n=Max("number"))["n"] or 0) + 1
    RecordRevision.objects.create(
        record=record,
        number=number,
        metadata=metadata,
        reason=RecordRevision.Reason.embargo_lifted,
        actor=actor,
        created=now,
    )
    embargo_until = record.embargo_until
    record.metadata = metadata
    record.embargo_until = None
    record.modified = now
    record.save(update_fields=["metadata", "embargo_until", "modified"])
    record_index(record=record)
    _pid_resend(_record_pid_id(record))
    concept = record.concept
    if concept.pid_id and selectors.concept_latest(concept) == record:
        _pid_resend(concept.pid_id)  # the concept DOI carries the latest version's rights
    log.info("record.embargo_lifted", record=record.pk, doi=record.doi, embargo_until=embargo_until.isoformat())
    return True


def records_lift_embargoes(*, today: date | None = None) -> int:
    """Lift every embargo ending on or before `today` (the daily beat task). Returns the count."""
    today = today or timezone.now().date()
    lifted = 0
    for record in selectors.records_embargo_due(today).only("pk"):
        if record_lift_embargo(record=record, today=today):
            lifted += 1
    if lifted:
        log.info("records.embargoes_lifted", count=lifted, today=today.isoformat())
    return lifted


# --- Reconciliation -----------------------------------------------------------------------------


@dataclass
class Drift:
    doi: str
    pid_id: int
    problems: list[str] = field(default_factory=list)
    fixed: bool = False


def _canonical_parts(xml: bytes) -> dict[str, list[bytes]]:
    """The XML's top-level elements, each canonicalised (C14N, insignificant whitespace dropped),
    by local name: what is compared, so that DataCite's formatting is not drift."""
    parser = etree.XMLParser(remove_blank_text=True, remove_comments=True)
    root = etree.fromstring(xml, parser)
    for el in root.iter():
        if el.text is not None and not el.text.strip():
            el.text = None
        if el.tail is not None:
            el.tail = None
    parts: dict[str, list[bytes]] = {}
    for child in root:
        if not isinstance(child.tag, str):
            continue
        parts.setdefault(etree.QName(child).localname, []).append(etree.tostring(child, method="c14n"))
    return parts


def _metadata_drift(remote_xml: bytes, expected_xml: bytes) -> list[str]:
    try:
        remote, expected = _canonical_parts(remote_xml), _canonical_parts(expected_xml)
    except Exception as exc:  # noqa: BLE001 - unreadable XML at the agency is drift too
        return [f"unreadable ({type(exc).__name__})"]
    return sorted(name for name in remote.keys() | expected.keys() if remote.get(name) != expected.get(name))


def pid_compare(pid: PersistentIdentifier, remote) -> list[str]:
    """What differs between the agency's view of a DOI and ours, in words (empty: nothing)."""
    state = DOIState(pid.state)
    if state is DOIState.deleted:
        return [] if remote is None else [f"state: {remote.state.value} at the agency, deleted here"]
    if remote is None:
        return [f"missing at the agency (should be {state.value})"]
    problems = []
    if remote.state is not state:
        problems.append(f"state: {remote.state.value} at the agency, {state.value} here")
    if state in (DOIState.registered, DOIState.findable):
        if (remote.url or "") != (pid.url or ""):
            problems.append(f"URL: {remote.url or '(none)'} at the agency, {pid.url} here")
        expected_url = selectors.pid_expected_url(pid)
        if expected_url and expected_url != pid.url:
            problems.append(f"URL: the site's address is now {expected_url}, the DOI was sent with {pid.url}")
    if remote.xml is not None:
        differing = _metadata_drift(remote.xml, selectors.pid_datacite_xml(pid))
        if differing:
            problems.append("metadata differs: " + ", ".join(differing))
    return problems


def pids_reconcile(
    *, fix: bool = False, dois: list[str] | None = None, progress: Callable[[int, int], None] | None = None
) -> dict:
    """Compare each DOI's state, URL and metadata at the agency with ours and record what differs on
    the row (`drift`, `checked_at`, shown in the admin). With `fix`, each drifting DOI is sent again
    through the outbox (the worker PUTs the full wanted state: state, URL and XML). DOIs with a
    registration under way are skipped: the outbox is already sending them. Returns counts and the
    drifts."""
    pids = (
        PersistentIdentifier.objects.filter(sync=Sync.done)
        .exclude(state=DOIState.none)
        .select_related("record__concept__pid", "concept__pid")
        .order_by("pk")
    )
    if dois is not None:
        pids = pids.filter(doi__in=[d.lower() for d in dois] + list(dois))
    total = pids.count()
    drifts: list[Drift] = []
    unreachable = checked = 0
    for index, pid in enumerate(pids.iterator(chunk_size=200), start=1):
        if progress is not None:
            progress(index, total)
        try:
            remote = get_provider(pid.provider).get(doi=pid.doi)
        except RetryableError as exc:
            unreachable += 1
            log.warning("doi.reconcile_unreachable", doi=pid.doi, error=exc.message[:200])
            continue
        except RejectedError as exc:
            remote = None
            log.warning("doi.reconcile_refused", doi=pid.doi, error=exc.message[:200])
        checked += 1
        problems = pid_compare(pid, remote)
        PersistentIdentifier.objects.filter(pk=pid.pk).update(
            drift="; ".join(problems)[:2000], checked_at=timezone.now()
        )
        if not problems:
            continue
        drift = Drift(doi=pid.doi, pid_id=pid.pk, problems=problems)
        log.warning("doi.drift", doi=pid.doi, problems=problems)
        if fix:
            with transaction.atomic():
                locked = _locked_pid(pid.pk)
                if locked.sync == Sync.done:
                    expected_url = selectors.pid_expected_url(pid)
                    fields = []
                    if (
                        expected_url
                        and locked.state in (DOIState.registered, DOIState.findable)
                        and expected_url != locked.url
                    ):
                        locked.url = expected_url
                        fields.append("url")
                    _mark_pending(locked, fields)
                    drift.fixed = True
        drifts.append(drift)
    return {"total": total, "checked": checked, "unreachable": unreachable, "drifts": drifts}


# --- Files --------------------------------------------------------------------------------------


def record_file_count_download(*, record_file: RecordFile) -> None:
    RecordFile.objects.filter(pk=record_file.pk).update(download_count=F("download_count") + 1)
