"""Reads on published records, their versions, and the metadata document each DOI is registered
with (the depositor's document, plus what the repository knows: the version chain, a withdrawal)."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db.models import Prefetch, QuerySet
from django.db.models.functions import Substr
from django.utils import timezone

from core.errors import NotFound

from . import file_summary
from .metadata import (
    Creator,
    DateEntry,
    DateType,
    Description,
    MetadataDocument,
    NameType,
    PointOfContact,
    RelatedIdentifier,
    RelationType,
    Title,
)
from .models import Concept, PersistentIdentifier, Record, RecordFile, WithdrawalReason
from .serializers.datacite import to_datacite_xml


def records_published() -> QuerySet[Record]:
    """Records that are published (not withdrawn), newest first: what lists show."""
    return records_all().filter(status=Record.Status.published)


def records_all() -> QuerySet[Record]:
    """Every record, withdrawn ones included (their landing page is a tombstone)."""
    return Record.objects.select_related("community", "pid", "concept__pid").order_by("-created")


def record_get(pk: int, *, files: bool = True) -> Record:
    """The record, with its files unless `files` is False (for those that read them otherwise, like
    `record_files_values`, not as a list of models)."""
    records = records_all().prefetch_related("files") if files else records_all()
    record = records.filter(pk=pk).first()
    if record is None:
        raise NotFound("No such record.")
    return record


def listed_files() -> Prefetch:
    """The prefetch of the files of records that list them all (`Record.files_summarised` is False):
    a record with thousands has them summarised on its row, and its page reads one page of them
    (`record_files_page`)."""
    return Prefetch(
        "files", queryset=RecordFile.objects.filter(record__file_count__lte=settings.PUBLISH_FILES_LISTED_MAX)
    )


def record_files_page(
    record: Record, *, page: int, size: int, folder: str = "", contains: str = ""
) -> list[RecordFile]:
    """One page of a record's files, by name (page 1 first), of `folder` and its subfolders and whose
    name below it contains `contains` (see `record_files_in`): one query, wherever the page is."""
    start = (page - 1) * size
    return list(record_files_in(record, folder=folder, contains=contains).order_by("name")[start : start + size])


def record_files_in(record: Record, *, folder: str = "", contains: str = "") -> QuerySet[RecordFile]:
    """The record's files under `folder` (all for ""), with `contains`, those whose name relative to
    the folder contains it, whatever the case (what the page shows of a name is relative to its
    folder: searching "profiles" inside `profiles/` is not meant to find every file)."""
    files = RecordFile.objects.filter(record=record)
    if folder:
        files = files.filter(name__startswith=folder + "/")
    if contains:
        files = files.annotate(relative_name=Substr("name", len(folder) + 2 if folder else 1)).filter(
            relative_name__icontains=contains
        )
    return files


def record_file_names(record: Record) -> list[str]:
    """The names of every file of a record, by name, whatever was prefetched (the linkset names
    them all): one query."""
    return list(RecordFile.objects.filter(record=record).order_by("name").values_list("name", flat=True))


def record_files_values(record: Record, *, folder: str = "") -> QuerySet:
    """The record's files as (name, size, sha256, storage_key) tuples, by name; with `folder`, only
    those under it (`a/b` takes `a/b/c.nc` and `a/b/d/e.nc`, not `a/bc.nc`). One query whatever the
    number of files, read with `.iterator()` by "download all" and its lists."""
    files = record.files.order_by("name")
    if folder:
        files = files.filter(name__startswith=folder + "/")
    return files.values_list("name", "size", "sha256", "storage_key")


def record_by_doi(doi: str) -> Record:
    record = Record.objects.filter(doi__iexact=doi.strip()).first()
    if record is None:
        raise NotFound("No such DOI.")
    return record


def concept_by_doi(doi: str) -> Concept:
    concept = Concept.objects.filter(pid__doi__iexact=doi.strip()).first()
    if concept is None:
        raise NotFound("No such DOI.")
    return concept


def concept_versions(concept: Concept) -> list[Record]:
    """The records of a concept, first version first (one query)."""
    return list(concept.records.select_related("pid").order_by("version"))


def concept_latest(concept: Concept, versions: list[Record] | None = None) -> Record | None:
    """The version a concept DOI resolves to: the latest published one, else (every version
    withdrawn) the latest, whose tombstone then answers."""
    versions = versions if versions is not None else concept_versions(concept)
    published = [r for r in versions if r.status == Record.Status.published]
    return (published or versions or [None])[-1]


# --- The document a DOI is registered with ------------------------------------------------------


def _relation(doi: str, relation: RelationType) -> RelatedIdentifier:
    return RelatedIdentifier(identifier=doi, identifier_type="DOI", relation_type=relation)


def _with_relations(document: MetadataDocument, relations: list[RelatedIdentifier]) -> list[RelatedIdentifier]:
    """The depositor's related identifiers, then the repository's, each (identifier, relation) once."""
    seen, merged = set(), []
    for related in [*document.related_identifiers, *relations]:
        key = (related.identifier.lower(), related.relation_type)
        if key not in seen:
            seen.add(key)
            merged.append(related)
    return merged


def version_relations(record: Record, versions: list[Record]) -> list[RelatedIdentifier]:
    """IsVersionOf the concept DOI (once there is one), IsNewVersionOf the version before,
    IsPreviousVersionOf the version after. Derived from the chain whenever a document is built,
    never stored in the depositor's metadata."""
    relations = []
    concept_pid = record.concept.pid if record.concept.pid_id else None
    if concept_pid is not None:
        relations.append(_relation(concept_pid.doi, RelationType.is_version_of))
    index = next((i for i, r in enumerate(versions) if r.pk == record.pk), None)
    if index is not None:
        if index > 0:
            relations.append(_relation(versions[index - 1].doi, RelationType.is_new_version_of))
        if index + 1 < len(versions):
            relations.append(_relation(versions[index + 1].doi, RelationType.is_previous_version_of))
    return relations


# --- What public outputs may show -------------------------------------------------------------

# DataCite's standard value for information withheld on purpose ("unallowed, suppressed intentionally"),
# where its schema requires a value: the creator of a record withdrawn for sensitive data.
SUPPRESSED = ":unal"
SUPPRESSED_DESCRIPTION = (
    "This record was withdrawn because it held sensitive or personal data: only its identifier, title, "
    "publisher and publication year remain public."
)


def record_is_redacted(record: Record) -> bool:
    """Withdrawn for sensitive or personal data: its public outputs (tombstone, API, exports, OAI-PMH,
    DataCite) keep only what identifies it, as InvenioRDM's tombstones and DataCite's guidance do:
    the DOI, the title, the publisher, the year, the resource type and the withdrawal. Creators go
    too (DataCite's `:unal`): a name may be what made the record sensitive."""
    return record.is_withdrawn and record.withdrawal_reason == WithdrawalReason.sensitive


def record_public_metadata(record: Record) -> MetadataDocument:
    """The depositor's document as anything public shows it: the snapshot, with the community's
    contact address where the depositor published none of their own; for a redacted record, only
    what identifies it."""
    document = MetadataDocument.model_validate(record.metadata)
    community = record.community
    if record_is_redacted(record):
        return MetadataDocument(
            titles=[Title(title=document.title)],
            creators=[Creator(name=SUPPRESSED, name_type=NameType.organizational)],
            descriptions=[Description(description=SUPPRESSED_DESCRIPTION)],
            resource_type=document.resource_type,
            publisher=document.publisher,
            publication_year=document.publication_year,
            language=document.language,
            version=document.version,
            point_of_contact=PointOfContact(
                name=f"{community.name} ({community.acronym})", email=community.public_contact_email
            ),
            rights=document.rights,
            access=document.access,
        )
    contact = document.point_of_contact
    if contact.email:
        return document
    public = contact.model_copy(update={"email": community.public_contact_email})
    return document.model_copy(update={"point_of_contact": public})


def record_document(record: Record, versions: list[Record] | None = None) -> MetadataDocument:
    """The record's metadata as registered and exported: its public document, its version relations,
    its version number when the depositor gave none, and the date of a withdrawal."""
    document = record_public_metadata(record)
    versions = versions if versions is not None else concept_versions(record.concept)
    update: dict = {
        "related_identifiers": _with_relations(document, version_relations(record, versions)),
        "version": document.version or str(record.version),
    }
    if record.is_withdrawn and record.withdrawn_at:
        update["dates"] = [
            *document.dates,
            DateEntry(date=record.withdrawn_at.date().isoformat(), date_type=DateType.withdrawn),
        ]
    return document.model_copy(update=update)


def concept_document(concept: Concept) -> tuple[MetadataDocument, int] | None:
    """The concept DOI's document: the latest version's description, HasVersion each version, no
    version number; and its publication year."""
    versions = concept_versions(concept)
    latest = concept_latest(concept, versions)
    if latest is None:
        return None
    document = record_public_metadata(latest)
    relations = [_relation(r.doi, RelationType.has_version) for r in versions]
    document = document.model_copy(
        update={"related_identifiers": _with_relations(document, relations), "version": None}
    )
    return document, latest.publication_date.year


def draft_document(pid: PersistentIdentifier) -> MetadataDocument:
    """A reserved DOI's document (no record yet): the deposit's metadata and, for a new version,
    its place in the chain."""
    document = MetadataDocument.model_validate(pid.document)
    concept = pid.concept if pid.concept_id else None
    if concept is None:
        return document
    relations = []
    if concept.pid_id:
        relations.append(_relation(concept.pid.doi, RelationType.is_version_of))
    latest = concept_versions(concept)[-1:]
    if latest:
        relations.append(_relation(latest[0].doi, RelationType.is_new_version_of))
    return document.model_copy(update={"related_identifiers": _with_relations(document, relations)})


def pid_datacite_xml(pid: PersistentIdentifier) -> bytes:
    """The DataCite XML a DOI is sent with now: computed at each attempt, so a retried or re-sent
    registration always carries the record's current metadata."""
    if pid.kind == PersistentIdentifier.Kind.concept:
        built = concept_document(pid.concept_of)
        if built is None:
            raise NotFound("This concept has no version yet.")
        document, year = built
    elif pid.record_id:
        document = record_document(pid.record)
        year = pid.record.publication_date.year
        sizes, formats = file_summary.datacite_sizes_formats(pid.record)
        return to_datacite_xml(document, doi=pid.doi, publication_year=year, sizes=sizes, formats=formats)
    else:
        document = draft_document(pid)
        year = date.today().year
    return to_datacite_xml(document, doi=pid.doi, publication_year=year)


def pid_expected_url(pid: PersistentIdentifier) -> str:
    """Where the DOI should point now (the site's address may have changed since it was sent)."""
    if pid.kind == PersistentIdentifier.Kind.concept and hasattr(pid, "concept_of"):
        return pid.concept_of.landing_url
    if pid.record_id:
        return pid.record.landing_url
    return pid.url


def records_embargo_due(today: date | None = None) -> QuerySet[Record]:
    today = today or timezone.now().date()
    return Record.objects.filter(embargo_until__lte=today).order_by("embargo_until", "pk")


def landing_versions(record: Record) -> list[Record]:
    return concept_versions(record.concept)
