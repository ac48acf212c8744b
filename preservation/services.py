"""Preservation packages: every record written as a BagIt bag (`bags_export`, incremental), and
records rebuilt from bags into another Estran (`bags_import`) — same DOIs, files, checksums and
history, no DOI minted."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import bagit
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from accounts.models import Community
from accounts.services import user_create
from core.errors import ValidationFailed
from core.file_names import clean_file_name
from core.logging import get_logger
from deposit.models import Deposit, DepositEvent, ReviewRound
from moderation.models import Comment
from repository.indexing import record_index
from repository.models import Concept, FixityCheck, PersistentIdentifier, Record, RecordFile, RecordRevision
from repository.storage import StorageError, get_store, new_object_key

from .destinations import Destination, put_object
from .package import (
    AGENTS_JSON,
    BAG_FORMAT,
    DEPOSIT_FIELDS,
    EVENT_FIELDS,
    FILES_DIR,
    METADATA_DIR,
    PID_FIELDS,
    RECORD_FIELDS,
    RECORD_JSON,
    REVIEW_JSON,
    REVISION_FIELDS,
    ROUND_FIELDS,
    BagOptions,
    RecordDocuments,
    bag_name,
    bag_records,
    metadata_documents,
    record_documents,
)

log = get_logger(__name__)

# The state file is written after this many bags (and at the end): an export stopped in between
# writes at most these again.
STATE_EVERY = 50
COPY_CHUNK = 1024 * 1024
DATETIME_FIELDS = {
    "created",
    "modified",
    "withdrawn_at",
    "synced_at",
    "submitted_at",
    "claimed_at",
    "resolved_at",
    "last_fixity_check_at",
    "checked_at",
}
DATE_FIELDS = {"publication_date", "embargo_until"}


class BagProblem(Exception):
    """A bag cannot be written or imported; the message says why (the other bags go on)."""


@dataclass
class ExportReport:
    written: list[str] = field(default_factory=list)
    unchanged: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class ImportReport:
    imported: list[str] = field(default_factory=list)
    present: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)


# --- Export --------------------------------------------------------------------------------------


def bags_export(
    *,
    to: Destination,
    dois: list[str] | None = None,
    force: bool = False,
    options: BagOptions | None = None,
    progress: Callable[[int, str, bool], None] | None = None,
) -> ExportReport:
    """Write the bag of every record (or of those with these DOIs) whose bag at `to` is missing or
    differs (its fingerprint), or of every one with `force`. Records are read a hundred at a time and
    each bag is built on disk, its files streamed from the store: memory does not grow with the
    records or their files (but for the state file's entry of each record). A record whose bag
    cannot be made is reported and the others go on. `progress(index, doi, written)` after each."""
    options = options or BagOptions()
    state = to.read_state()
    report = ExportReport()
    unsaved = 0
    for index, record in enumerate(bag_records(dois), start=1):
        documents = record_documents(record, options=options)
        known = state.bags.get(record.doi)
        if not force and known is not None and known.get("fingerprint") == documents.fingerprint:
            report.unchanged += 1
            if progress:
                progress(index, record.doi, False)
            continue
        name = bag_name(record.doi)
        try:
            with to.staging() as folder:
                bag_write(record, documents, folder)
                to.put_bag(name, folder)
        except (BagProblem, StorageError, OSError, bagit.BagError) as exc:
            log.error("bags.export_failed", doi=record.doi, error=str(exc))
            report.failed.append((record.doi, str(exc)))
            continue
        state.bags[record.doi] = {"bag": name, "fingerprint": documents.fingerprint}
        report.written.append(record.doi)
        log.info("bags.written", doi=record.doi, bag=name, destination=str(to))
        if progress:
            progress(index, record.doi, True)
        unsaved += 1
        if unsaved >= STATE_EVERY:
            to.write_state(state)
            unsaved = 0
    if unsaved or not state.bags:
        to.write_state(state)
    return report


def bag_write(record: Record, documents: RecordDocuments, folder: Path) -> bagit.Bag:
    """Make the record's bag in the empty `folder`: its files streamed from the store (and checked
    against their recorded checksums on the way: a bag never carries bytes the record disowns), its
    metadata in every export format, Estran's documents; then bagit.py's manifests (SHA-256) and
    bag-info.txt."""
    store = get_store()
    for record_file in record.files.order_by("name").iterator(chunk_size=1000):
        path = _inside(folder, FILES_DIR, record_file.name)
        md5, sha256, size = hashlib.md5(), hashlib.sha256(), 0
        try:
            with store.open(record_file.storage_key) as stream, open(path, "wb") as out:
                while chunk := stream.read(COPY_CHUNK):
                    md5.update(chunk)
                    sha256.update(chunk)
                    size += len(chunk)
                    out.write(chunk)
        except FileNotFoundError as exc:
            raise BagProblem(f"The store no longer holds “{record_file.name}”.") from exc
        if (size, sha256.hexdigest(), md5.hexdigest()) != (record_file.size, record_file.sha256, record_file.md5):
            raise BagProblem(f"The stored bytes of “{record_file.name}” do not match its recorded checksums.")
    for name, content in metadata_documents(record).items():
        _inside(folder, METADATA_DIR, name).write_bytes(content)
    for name, content in documents.encoded().items():
        _inside(folder, name).write_bytes(content)
    concept_pid = record.concept.pid
    bag_info = {
        "Source-Organization": settings.DOI_PUBLISHER or settings.SITE_NAME,
        "External-Identifier": f"https://doi.org/{record.doi}",
        "External-Description": record.title,
        "Bagging-Date": timezone.now().date().isoformat(),
        "Bag-Software-Agent": f"Estran estran_export_bags (bagit.py {bagit.VERSION})",
        "Estran-Bag-Format": BAG_FORMAT,
        "Estran-DOI": record.doi,
        "Estran-Record-Modified": record.modified.isoformat(),
        "Estran-Fingerprint": documents.fingerprint,
    }
    if concept_pid is not None:
        bag_info["Bag-Group-Identifier"] = f"https://doi.org/{concept_pid.doi}"
    # bagit.py moves the folder's content under data/ and writes the manifests from the bytes.
    return bagit.make_bag(str(folder), bag_info, processes=1, checksums=["sha256"])


def _inside(folder: Path, *parts: str, make: bool = True) -> Path:
    """The path of a file of the bag, its folders made (with `make`); never outside `folder` (a name
    is a relative path checked at upload, and checked again here)."""
    path = folder.joinpath(*parts).resolve()
    if folder.resolve() not in path.parents:
        raise BagProblem(f"“{'/'.join(parts)[:200]}” is not a path inside a bag.")
    if make:
        path.parent.mkdir(parents=True, exist_ok=True)
    return path


# --- Import --------------------------------------------------------------------------------------


def bags_import(*, source: Destination, progress: Callable[[int, str, str], None] | None = None) -> ImportReport:
    """Rebuild the records of the bags at `source`: each bag validated first (bagit.py's validator,
    every checksum), its files stored, the record created with its DOIs as they were (no DOI is
    minted nor sent: the outbox rows keep their state). A record whose DOI is here already is left
    alone (an import run again goes on where it stopped). `progress(index, bag, outcome)`."""
    report = ImportReport()
    for index, name in enumerate(source.bag_names(), start=1):
        try:
            with source.fetch_bag(name) as path:
                doi = bag_import(path)
        except (BagProblem, bagit.BagError, StorageError, OSError, ValueError, KeyError) as exc:
            log.error("bags.import_failed", bag=name, error=str(exc))
            report.failed.append((name, str(exc)))
            outcome = "failed"
        else:
            if doi is None:
                report.present.append(name)
                outcome = "present"
            else:
                report.imported.append(doi)
                outcome = "imported"
        if progress:
            progress(index, name, outcome)
    return report


def bag_validate(path: Path) -> bagit.Bag:
    """The bag at `path`, checked by bagit.py (complete, every checksum right) and of Estran's layout;
    BagProblem otherwise."""
    bag = bagit.Bag(str(path))
    try:
        bag.validate(processes=1)
    except bagit.BagValidationError as exc:
        raise BagProblem(f"The bag is not valid: {exc}") from exc
    if bag.info.get("Estran-Bag-Format") != BAG_FORMAT:
        raise BagProblem(f"Not a bag of the layout {BAG_FORMAT} (Estran-Bag-Format).")
    return bag


def bag_import(path: Path) -> str | None:
    """Import one bag; its record's DOI, or None when a record has that DOI here already."""
    bag_validate(path)
    data = Path(path) / "data"
    record_json = json.loads((data / RECORD_JSON).read_bytes())
    review_json = json.loads((data / REVIEW_JSON).read_bytes())
    agents = {person["key"]: person for person in json.loads((data / AGENTS_JSON).read_bytes())}
    doi = record_json["record"]["doi"]
    if Record.objects.filter(doi=doi).exists():
        return None
    if PersistentIdentifier.objects.filter(doi=doi).exists():
        raise BagProblem(f"The DOI {doi} is taken here by a deposit that is not this record.")
    store = get_store()
    keys = {}
    try:
        for entry in record_json["files"]:
            keys[entry["name"]] = _store_file(store, data, entry)
        with transaction.atomic():
            record_create(record_json, review_json, agents=agents, storage_keys=keys)
    except BaseException:
        for key in keys.values():
            store.delete(key)
        raise
    log.info("bags.imported", doi=doi, files=len(keys))
    return doi


def _store_file(store, data: Path, entry: dict) -> str:
    """Put one file of the bag in the store under a new key, checked against the record's checksums.
    Its name must be one Estran would have stored (`core.file_names`): a bag's record.json never
    reaches outside the bag's files, nor gives a name an upload could not have."""
    try:
        if clean_file_name(entry["name"]) != entry["name"]:
            raise ValidationFailed("not as Estran stores it")
    except ValidationFailed as exc:
        raise BagProblem(f"“{str(entry['name'])[:200]}” is not a file name Estran keeps: {exc}") from exc
    path = _inside(data, FILES_DIR, entry["name"], make=False)
    md5, sha256 = hashlib.md5(), hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(COPY_CHUNK):
            md5.update(chunk)
            sha256.update(chunk)
    if (sha256.hexdigest(), md5.hexdigest(), path.stat().st_size) != (entry["sha256"], entry["md5"], entry["size"]):
        raise BagProblem(f"“{entry['name']}” does not have the checksums its record gives.")
    key = new_object_key()
    with open(path, "rb") as fh:
        put_object(store, key, fh)
    return key


def _values(data: dict, names) -> dict:
    """The named fields of an exported object, dates and times parsed back."""
    values = {}
    for name in names:
        value = data.get(name)
        if isinstance(value, str) and name in DATETIME_FIELDS:
            value = parse_datetime(value)
        elif isinstance(value, str) and name in DATE_FIELDS:
            value = parse_date(value)
        values[name] = value
    return values


class _People:
    """Accounts for the bags' people: an existing account with the same ORCID iD or e-mail address
    (when the bag carries one), the account an earlier import made for the same key, or a new
    inactive account (no password: its owner claims it by signing in with ORCID or resetting its
    password by e-mail)."""

    def __init__(self, agents: dict[str, dict]):
        self.agents = agents
        self.users: dict[str, object] = {}

    def __call__(self, key: str | None):
        if key is None:
            return None
        if key not in self.users:
            self.users[key] = self._account(self.agents[key])
        return self.users[key]

    @staticmethod
    def _account(person: dict):
        User = get_user_model()
        email = person.get("email") or ""
        found = None
        if person.get("orcid"):
            found = User.objects.filter(orcid=person["orcid"]).order_by("pk").first()
        if found is None and email:
            found = User.objects.filter(email__iexact=email).order_by("pk").first()
        username = f"imported-{person['key']}"
        if found is None:
            found = User.objects.filter(username=username).first()
        if found is not None:
            return found
        user = user_create(
            username=username, email=email, password=None, display_name=person.get("name", ""), email_verified=False
        )
        user.orcid = person.get("orcid", "")
        user.affiliation = person.get("affiliation", "")
        user.affiliation_ror = person.get("affiliation_ror", "")
        user.is_active = False
        user.save(update_fields=["orcid", "affiliation", "affiliation_ror", "is_active"])
        log.info("bags.account_created", username=username)
        return user


def _pid_create(data: dict, **links) -> PersistentIdentifier:
    values = _values(data, PID_FIELDS)
    created = values.pop("created")
    pid = PersistentIdentifier.objects.create(**values, **links)
    PersistentIdentifier.objects.filter(pk=pid.pk).update(created=created)
    return pid


def _concept(data: dict) -> Concept:
    """The record's concept: the one holding its concept DOI here (an earlier version's bag made it),
    else a new one (with that DOI, if it has one)."""
    pid_data = data["pid"]
    if pid_data is not None:
        existing = PersistentIdentifier.objects.filter(doi=pid_data["doi"]).select_related("concept_of").first()
        if existing is not None:
            try:
                return existing.concept_of
            except Concept.DoesNotExist:
                raise BagProblem(f"The DOI {pid_data['doi']} is here, but not as a concept DOI.") from None
    concept = Concept.objects.create(pid=_pid_create(pid_data) if pid_data is not None else None)
    Concept.objects.filter(pk=concept.pk).update(created=parse_datetime(data["created"]))
    return concept


def record_create(record_json: dict, review_json: dict, *, agents: dict[str, dict], storage_keys: dict[str, str]):
    """The record of a bag, with its identifiers, revisions, files, fixity and review history, in
    the current transaction. Times are the bag's (each `created` written after the row, since Django
    sets it at creation)."""
    people = _People(agents)
    data = record_json["record"]
    community, _created = Community.objects.get_or_create(
        slug=record_json["community"]["slug"], defaults=record_json["community"]
    )
    concept = _concept(record_json["concept"])
    values = _values(data, RECORD_FIELDS)
    created = values.pop("created")
    record = Record.objects.create(
        **values,
        community=community,
        concept=concept,
        owner=people(data["owner"]),
        withdrawn_by=people(data["withdrawn_by"]),
    )
    Record.objects.filter(pk=record.pk).update(created=created)
    RecordRevision.objects.bulk_create(
        RecordRevision(record=record, actor=people(r["actor"]), **_values(r, REVISION_FIELDS))
        for r in record_json["revisions"]
    )
    files = RecordFile.objects.bulk_create(
        (
            RecordFile(
                record=record,
                storage_key=storage_keys[f["name"]],
                **_values(f, ("name", "size", "md5", "sha256", "last_fixity_check_at", "fixity_error")),
            )
            for f in record_json["files"]
        ),
        batch_size=1000,
    )
    by_name = {f.name: f for f in files}
    FixityCheck.objects.bulk_create(
        (
            FixityCheck(record_file=by_name[c["file"]], **_values(c, ("checked_at", "ok", "problem")))
            for c in record_json["fixity"]
        ),
        batch_size=1000,
    )
    pid = None
    if record_json["pid"] is not None:
        pid = _pid_create(record_json["pid"], record=record, concept=concept)
    record_index(record=record)
    _review_create(review_json, record=record, pid=pid, people=people)
    return record


def _with_times(model, rows: list, exported: list[dict]) -> None:
    """Give rows made by bulk_create (where Django sets `created` to now) their times in the bag."""
    for row, data in zip(rows, exported, strict=True):
        row.created = parse_datetime(data["created"])
    model.objects.bulk_update(rows, ["created"])


def _review_create(review_json: dict, *, record: Record, pid, people: _People) -> None:
    data = review_json["deposit"]
    if data is None:
        return
    values = _values(data, DEPOSIT_FIELDS)
    created, modified = values.pop("created"), values.pop("modified")
    community = Community.objects.filter(slug=data["community"]).first() if data["community"] else None
    deposit = Deposit.objects.create(
        **values,
        owner=people(data["owner"]),
        reviewer=people(data["reviewer"]),
        community=community,
        pid=pid,
        record=record,
    )
    Deposit.objects.filter(pk=deposit.pk).update(created=created, modified=modified)
    events = review_json["events"]
    rows = DepositEvent.objects.bulk_create(
        DepositEvent(
            deposit=deposit, actor=people(e["actor"]), assignee=people(e["assignee"]), **_values(e, EVENT_FIELDS)
        )
        for e in events
    )
    _with_times(DepositEvent, rows, events)
    rounds = review_json["rounds"]
    rows = ReviewRound.objects.bulk_create(
        ReviewRound(deposit=deposit, submitted_by=people(r["submitted_by"]), **_values(r, ROUND_FIELDS)) for r in rounds
    )
    _with_times(ReviewRound, rows, rounds)
    made: list[Comment] = []
    for c in review_json["comments"] or []:
        values = _values(c, ("field", "file_name", "round", "body", "resolved_at", "created"))
        created = values.pop("created")
        comment = Comment.objects.create(
            deposit=deposit,
            author=people(c["author"]),
            resolved_by=people(c["resolved_by"]),
            parent=made[c["parent"]] if c["parent"] is not None else None,
            **values,
        )
        Comment.objects.filter(pk=comment.pk).update(created=created)
        made.append(comment)
