"""What a record's preservation package (a BagIt bag) holds besides its files: the record as Estran
keeps it (fields, identifiers, revisions, the files' checksums and fixity history), its review
history, the people these name, and every format Estran exports it in; and the bag's name and
fingerprint, from which an export tells a bag that changed from one that did not."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date, datetime
from urllib.parse import quote

from django.db.models import Prefetch

from deposit.models import Deposit, DepositEvent, ReviewRound
from moderation.models import Comment
from repository.landing import LandingRecord
from repository.models import FixityCheck, PersistentIdentifier, Record, RecordRevision
from repository.selectors import listed_files, records_all
from repository.views import EXPORTS

# The layout's version, in every bag's bag-info.txt (`Estran-Bag-Format`) and fingerprint: a change
# of what a bag holds rewrites every bag at the next export.
BAG_FORMAT = "estran-bag/1"
# Where things are inside a bag's payload (`data/`).
FILES_DIR = "files"
METADATA_DIR = "metadata"
ESTRAN_DIR = "estran"
RECORD_JSON = f"{ESTRAN_DIR}/record.json"
REVIEW_JSON = f"{ESTRAN_DIR}/review.json"
AGENTS_JSON = f"{ESTRAN_DIR}/agents.json"

RECORD_FIELDS = (
    "doi",
    "title",
    "metadata",
    "version",
    "status",
    "publication_date",
    "embargo_until",
    "withdrawn_at",
    "withdrawal_reason",
    "withdrawal_note",
    "created",
    "modified",
    "file_count",
    "files_size",
    "file_extensions",
    "folder_totals",
)
# A DOI's registration as the outbox last left it. Its bookkeeping (attempts, next attempt, the last
# reconciliation's time and drift) is left out: it changes without the DOI changing.
PID_FIELDS = ("doi", "provider", "kind", "state", "target_state", "url", "sync", "last_error", "created", "synced_at")
FILE_FIELDS = ("name", "size", "md5", "sha256", "last_fixity_check_at", "fixity_error")
REVISION_FIELDS = ("number", "metadata", "reason", "created")
DEPOSIT_FIELDS = (
    "status",
    "title",
    "metadata",
    "revision",
    "created",
    "modified",
    "submitted_at",
    "claimed_at",
    "round",
)
EVENT_FIELDS = ("action", "from_status", "to_status", "note", "reason", "created")
ROUND_FIELDS = ("number", "metadata", "files", "created")
COMMENT_FIELDS = ("field", "file_name", "round", "body", "created", "resolved_at")


@dataclass(frozen=True)
class BagOptions:
    """What the operator chose to put in the bags beyond what is public: the people's e-mail
    addresses, and the conversation between moderators and depositors (comments)."""

    emails: bool = False
    comments: bool = False


def bag_name(doi: str) -> str:
    """The bag's folder name: the DOI, percent-encoded so that it is one path segment (a DOI's
    suffix may hold slashes) and decodes back to the DOI."""
    return quote(doi, safe="")


# Exports that are not a description of the record but a rendering of one in the bag: the formatted
# citation is CSL-JSON (in the bag) through a citation style, and the slowest export to make (a
# third of a bag's metadata time).
RENDERINGS = frozenset({"citation"})


def metadata_formats() -> list[tuple[str, str]]:
    """Every format Estran exports a record in (`repository.views.EXPORTS`) but the renderings:
    (format, file name)."""
    return [
        (fmt, f"{fmt}.{extension}") for fmt, (_type, extension, _serialize) in EXPORTS.items() if fmt not in RENDERINGS
    ]


def metadata_documents(record: Record) -> dict[str, bytes]:
    """The record in every export format, as its export URLs give them: {file name: bytes}."""
    record = records_all().prefetch_related(listed_files()).get(pk=record.pk)
    page = LandingRecord(record)
    return {name: EXPORTS[fmt][2](page) for fmt, name in metadata_formats()}


def to_json(value) -> bytes:
    """A document as a bag holds it: indented, keys sorted, for whoever opens it in fifty years."""
    return json.dumps(value, indent=1, sort_keys=True, ensure_ascii=False, default=_json_value).encode()


def _compact_json(value) -> bytes:
    """The same document in as few bytes, for its fingerprint: Python's C encoder writes it (an
    indent sends `json` to its pure-Python encoder, ten times slower on a record's metadata), and
    both serialisations change exactly when the document does."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=_json_value, separators=(",", ":")).encode()


def _json_value(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON")


def _fields(obj, names) -> dict:
    return {name: getattr(obj, name) for name in names}


@dataclass
class Agents:
    """The people one bag names, each once, under a key that is the same in every bag of one export
    (`user-<id>`): an import maps each key to one account, whichever bags name it. Their e-mail
    addresses only when the operator said so."""

    emails: bool = False
    people: dict[str, dict] = field(default_factory=dict)

    def key(self, user) -> str | None:
        if user is None:
            return None
        key = f"user-{user.pk}"
        if key not in self.people:
            person = {
                "key": key,
                "name": user.public_name,
                "orcid": user.orcid,
                "affiliation": user.affiliation,
                "affiliation_ror": user.affiliation_ror,
            }
            if self.emails:
                person["email"] = user.email
            self.people[key] = person
        return key


@dataclass(frozen=True)
class RecordDocuments:
    """The JSON documents of one bag (`data/estran/`: {file name: document}), and the bag's
    fingerprint: the hash of these documents, the bag format, the export formats and the options.
    The record's files never change, so that what can change in a bag changes its fingerprint. An
    export computes every record's fingerprint and writes few bags: the documents are encoded
    (`encoded`) only for a bag written."""

    documents: dict[str, object]
    fingerprint: str

    def encoded(self) -> dict[str, bytes]:
        return {name: to_json(document) for name, document in self.documents.items()}


def record_documents(record: Record, *, options: BagOptions) -> RecordDocuments:
    """Estran's own account of the record. `record` comes from `bag_records`, with its community,
    owner, withdrawer, identifiers, revisions and deposit history: two queries of its own (its files
    and their fixity, each one more per thousand files), one more with the comments."""
    agents = Agents(emails=options.emails)
    concept_pid = record.concept.pid
    record_json = {
        "format": BAG_FORMAT,
        "record": {
            **_fields(record, RECORD_FIELDS),
            "owner": agents.key(record.owner),
            "withdrawn_by": agents.key(record.withdrawn_by),
        },
        "community": _fields(record.community, ("slug", "name", "acronym", "description", "contact_email")),
        "pid": _pid(record.pid) if hasattr(record, "pid") else None,
        "concept": {
            "created": record.concept.created,
            "pid": _pid(concept_pid) if concept_pid is not None else None,
        },
        "revisions": [
            {**_fields(revision, REVISION_FIELDS), "actor": agents.key(revision.actor)}
            for revision in record.revisions.all()  # ordered by number (`bag_records`)
        ],
        "files": [
            {**_fields(f, FILE_FIELDS), "path": f"data/{FILES_DIR}/{f.name}"}
            for f in record.files.order_by("name").iterator(chunk_size=1000)
        ],
        "fixity": [
            {"file": name, "checked_at": checked_at, "ok": ok, "problem": problem}
            for name, checked_at, ok, problem in FixityCheck.objects.filter(record_file__record=record)
            .order_by("record_file__name", "checked_at", "pk")
            .values_list("record_file__name", "checked_at", "ok", "problem")
            .iterator(chunk_size=1000)
        ],
    }
    review_json = review_history(record, agents=agents, comments=options.comments)
    documents = {
        RECORD_JSON: record_json,
        REVIEW_JSON: review_json,
        AGENTS_JSON: sorted(agents.people.values(), key=lambda person: person["key"]),
    }
    digest = hashlib.sha256(
        _compact_json({"format": BAG_FORMAT, "exports": metadata_formats(), "options": vars(options)})
    )
    for name in sorted(documents):
        digest.update(name.encode() + b"\0" + _compact_json(documents[name]) + b"\0")
    return RecordDocuments(documents=documents, fingerprint=digest.hexdigest())


def _pid(pid: PersistentIdentifier) -> dict:
    return _fields(pid, PID_FIELDS)


def review_history(record: Record, *, agents: Agents, comments: bool) -> dict:
    """How the record came to be published: the deposit it was published from, every transition
    (decisions among them: approve, request changes, reject), what each review round was given, and
    — only when the operator asks — the comments. None for a record with no deposit (imported).
    `record` comes from `bag_records`, its deposit with its events and rounds."""
    try:
        deposit = record.deposit
    except Deposit.DoesNotExist:
        return {"deposit": None, "events": [], "rounds": [], "comments": None}
    events = [
        {**_fields(e, EVENT_FIELDS), "actor": agents.key(e.actor), "assignee": agents.key(e.assignee)}
        for e in deposit.events.all()  # in order (`bag_records`)
    ]
    rounds = [{**_fields(r, ROUND_FIELDS), "submitted_by": agents.key(r.submitted_by)} for r in deposit.rounds.all()]
    conversation = None
    if comments:
        thread = list(Comment.objects.filter(deposit=deposit).select_related("author", "resolved_by").order_by("pk"))
        position = {c.pk: index for index, c in enumerate(thread)}
        conversation = [
            {
                **_fields(c, COMMENT_FIELDS),
                "author": agents.key(c.author),
                "resolved_by": agents.key(c.resolved_by),
                # the comment answered, by its place in this list
                "parent": position.get(c.parent_id),
            }
            for c in thread
        ]
    return {
        "deposit": {
            **_fields(deposit, DEPOSIT_FIELDS),
            "owner": agents.key(deposit.owner),
            "reviewer": agents.key(deposit.reviewer),
            "community": deposit.community.slug if deposit.community else None,
        },
        "events": events,
        "rounds": rounds,
        # None: not exported (the operator did not ask); a list: every comment.
        "comments": conversation,
    }


def bag_records(dois: list[str] | None = None):
    """The records to bag, oldest first, read a hundred at a time (never all at once), each with
    what `record_documents` reads of it but its files (a record may have ten thousand): a hundred
    records' revisions, deposits, review events and rounds are read in one query each."""
    records = (
        Record.objects.select_related(
            "community",
            "owner",
            "withdrawn_by",
            "pid",
            "concept__pid",
            "deposit__owner",
            "deposit__reviewer",
            "deposit__community",
        )
        .prefetch_related(
            Prefetch("revisions", queryset=RecordRevision.objects.select_related("actor").order_by("number")),
            Prefetch(
                "deposit__events",
                queryset=DepositEvent.objects.select_related("actor", "assignee").order_by("created", "pk"),
            ),
            Prefetch("deposit__rounds", queryset=ReviewRound.objects.select_related("submitted_by").order_by("number")),
        )
        .order_by("pk")
    )
    if dois:
        records = records.filter(doi__in=dois)
    return records.iterator(chunk_size=100)
