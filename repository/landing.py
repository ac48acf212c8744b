"""What a record's landing page shows, and says to machines, computed from the record, its files and
its versions as the view loaded them (no query here): the exported document, the citation (CSL-JSON
item and DataCite's recommended text), the schema.org JSON-LD, the Signposting links, the files
with their formats, the map's shapes and the related resources with their links.
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import secrets
from dataclasses import dataclass
from datetime import date
from functools import cached_property, lru_cache
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.contrib.humanize.templatetags.humanize import intcomma
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from django.utils.http import RFC3986_SUBDELIMS
from django.utils.translation import ngettext

from core.file_names import base_name

from . import file_summary, hooks, selectors, signposting
from .metadata import AccessLevel, MetadataDocument, RelationType
from .models import Concept, PersistentIdentifier, Record, RecordUsage
from .serializers import citation as citations
from .serializers.schemaorg import Archive, Distribution, encoding_format, identifier_url, to_schemaorg

# What `reverse` leaves unquoted in a path argument (RFC 3986's pchar, as Django's resolver quotes it).
_PATH_SAFE = RFC3986_SUBDELIMS + "/~:@"

# Relations the repository computes from the version chain: shown as "Versions", not as related
# resources.
VERSION_RELATIONS = {RelationType.is_version_of, RelationType.is_new_version_of, RelationType.is_previous_version_of}


@dataclass(frozen=True)
class LandingFile:
    pk: int
    name: str
    size: int
    sha256: str
    media_type: str
    path: str  # the download's path on this site
    # Whether the page offers its stored preview (by its format), the fragment's path, and, on the
    # preview of a page before publication, the preview itself (shown at once: nothing to fetch).
    previewable: bool = False
    preview_path: str = ""
    preview: dict | None = None

    @property
    def url(self) -> str:
        return settings.SITE_URL + self.path

    @property
    def format_label(self) -> str:
        """The file's extension in capitals (`NC`, `CSV`), what readers recognise."""
        _stem, dot, extension = base_name(self.name).rpartition(".")
        return extension.upper() if dot and len(extension) <= 8 else ""


@dataclass(frozen=True)
class RelatedResource:
    identifier: str
    identifier_type: str
    relation_type: str
    resource_type: str | None
    url: str | None


class LandingRecord:
    """A record as its landing page and exports see it. `versions` are the records of its concept,
    first version first (one query, made by the caller). A record with more files than
    `PUBLISH_FILES_LISTED_MAX` (`Record.files_summarised`) shows them a page at a time (`files_page`,
    `PUBLISH_FILES_LISTED_MAX` a page), each page one query; its exports summarise them."""

    def __init__(self, record: Record, versions: list[Record] | None = None, *, files_page: int = 1):
        self.record = record
        self.versions = versions if versions is not None else selectors.landing_versions(record)
        self.files_page = min(max(files_page, 1), self.files_pages)

    @property
    def files_summarised(self) -> bool:
        return self.record.files_summarised and not self.record.is_withdrawn

    @property
    def files_pages(self) -> int:
        """How many pages of files the record's page has (1 when they are all on it)."""
        if not self.files_summarised:
            return 1
        return -(-self.record.file_count // settings.PUBLISH_FILES_LISTED_MAX)

    @cached_property
    def metadata(self) -> MetadataDocument:
        """The depositor's document, as published (see `selectors.record_public_metadata`)."""
        return selectors.record_public_metadata(self.record)

    @property
    def redacted(self) -> bool:
        """Withdrawn for sensitive data: the tombstone names no one and cites nothing."""
        return selectors.record_is_redacted(self.record)

    @cached_property
    def document(self) -> MetadataDocument:
        """The document as registered and exported: with the version relations and number."""
        return selectors.record_document(self.record, self.versions)

    @cached_property
    def files(self) -> list[LandingFile]:
        """The files the page shows: all of them, or the page `files_page` of a record with many."""
        record = self.record
        if record.is_withdrawn:
            return []
        if self.files_summarised:
            size = settings.PUBLISH_FILES_LISTED_MAX
            return [self._file(f) for f in selectors.record_files_page(record, page=self.files_page, size=size)]
        return [self._file(f) for f in record.files.all()]

    def _every_item(self) -> list[tuple[str, str]]:
        """(download URL, media type) of every file, even of a record with thousands: what the
        linkset names. Their URLs are written from one reversed prefix, quoted as `reverse` quotes
        a path (a `reverse` each would take seconds for ten thousand files)."""
        if not self.files_summarised:
            return [(f.url, f.media_type) for f in self.files]
        prefix = reverse("repository:file-download", kwargs={"pk": self.record.pk, "name": "-"})[:-1]
        prefix = settings.SITE_URL + prefix
        return [
            (prefix + quote(name, safe=_PATH_SAFE), encoding_format(name))
            for name in selectors.record_file_names(self.record)
        ]

    def _file(self, f) -> LandingFile:
        pk = self.record.pk
        return LandingFile(
            pk=f.pk,
            name=f.name,
            size=f.size,
            sha256=f.sha256,
            media_type=encoding_format(f.name),
            path=reverse("repository:file-download", kwargs={"pk": pk, "name": f.name}),
            previewable=hooks.file_previewable(f.name),
            preview_path=reverse("repository:file-preview", kwargs={"pk": pk, "name": f.name}),
        )

    @property
    def files_first(self) -> int:
        """The number of the page's first file, counting from 1 (paged records)."""
        return (self.files_page - 1) * settings.PUBLISH_FILES_LISTED_MAX + 1

    @property
    def files_last(self) -> int:
        return self.files_first + len(self.files) - 1

    @property
    def files_count(self) -> int:
        return self.record.file_count if self.files_summarised else len(self.files)

    @property
    def files_size(self) -> int:
        return self.record.files_size if self.files_summarised else sum(f.size for f in self.files)

    @property
    def files_open(self) -> bool:
        """Whether anybody may download the files now (not withdrawn, not under embargo)."""
        return not self.record.is_withdrawn and not self.record.embargoed_on(timezone.now().date())

    @cached_property
    def csl(self) -> dict:
        return citations.to_csl(
            self.document, doi=self.record.doi, year=self.record.publication_date.year, version=self.document.version
        )

    @cached_property
    def citation(self) -> str:
        """DataCite's recommended citation, what the page shows first."""
        return citations.datacite_citation(self.csl, version_number=self.record.version)

    def schemaorg(self) -> dict:
        record = self.record
        archive = None
        if self.files_summarised:
            archive = Archive(
                count=record.file_count,
                size=record.files_size,
                media_types=file_summary.media_types(record),
                url=settings.SITE_URL + reverse("repository:files-zip", kwargs={"pk": record.pk}),
                list_url=settings.SITE_URL + reverse("repository:files-urls", kwargs={"pk": record.pk}),
            )
        return to_schemaorg(
            self.document,
            doi=record.doi,
            url=record.landing_url,
            date_published=record.publication_date,
            date_modified=record.modified,
            distributions=[Distribution(f.name, f.size, f.sha256, f.url) for f in self.files]
            if archive is None
            else [],
            archive=archive,
            catalog_name=settings.SITE_NAME,
            catalog_url=settings.SITE_URL + "/",
            citation=self.citation,
            withdrawn=record.is_withdrawn,
            community=record.community.name,
        )

    def links(self, describedby: list[tuple[str, str]], *, every_file: bool = False) -> list[signposting.Link]:
        """The Signposting links; `describedby` is (URL, media type) of each metadata format.
        `every_file` for the linkset, which names every file; the `Link` header names none of a
        record with many (more than `signposting.MAX_HEADER_ITEMS`), so they are not read for it."""
        record = self.record
        listed = self.files_open and (every_file or not self.files_summarised)
        return signposting.record_links(
            doi=record.doi,
            creators_orcids=[c.orcid for c in self.metadata.creators if c.orcid],
            describedby=describedby,
            items=self._every_item() if listed else [],
            licences=[r.uri for r in self.metadata.rights],
            linkset_url=settings.SITE_URL + reverse("repository:export", kwargs={"pk": record.pk, "fmt": "linkset"}),
        )

    def archive_links(self) -> list[signposting.Link]:
        """The files all at once, for the linkset, when anybody may download them: the ZIP (an
        `item`, like each file) and, as `describedby` in plain text, the SHA-256 manifest and the
        list of the files' URLs."""
        if not self.files_open or not self.files_count:
            return []

        def url(name: str) -> str:
            return settings.SITE_URL + reverse(name, kwargs={"pk": self.record.pk})

        return [
            signposting.Link(url("repository:files-zip"), "item", "application/zip"),
            signposting.Link(url("repository:files-manifest"), "describedby", "text/plain"),
            signposting.Link(url("repository:files-urls"), "describedby", "text/plain"),
        ]

    @cached_property
    def dates(self) -> list[tuple[str, date | str]]:
        """The record's dates as DataCite is told them, (kind, a day or the metadata's text): its
        publication (Issued), the embargo's end (Available), the collection period (Collected, a
        range), then the depositor's; the same date of the same kind once."""
        record, document = self.record, self.metadata
        dates: list[tuple[str, date | str]] = [("Issued", record.publication_date)]
        if record.embargo_until:
            dates.append(("Available", record.embargo_until))
        extent = document.temporal_extent
        if extent:
            dates.append(("Collected", f"{extent.start.isoformat()}/{extent.end.isoformat() if extent.end else ''}"))
        dates += [(entry.date_type.value, entry.date) for entry in document.dates]
        return list(dict.fromkeys(dates))

    @cached_property
    def related(self) -> list[RelatedResource]:
        """The depositor's related resources (the version chain is shown apart)."""
        return [
            RelatedResource(
                identifier=r.identifier,
                identifier_type=r.identifier_type,
                relation_type=r.relation_type.value,
                resource_type=r.resource_type_general.value if r.resource_type_general else None,
                url=identifier_url(r.identifier, r.identifier_type),
            )
            for r in self.metadata.related_identifiers
            if r.relation_type not in VERSION_RELATIONS
        ]

    @cached_property
    def shapes(self) -> list[dict]:
        """The extent for the map: boxes, points and polygons (`[lat, lon]` rings), with their place."""
        shapes = []
        for location in self.metadata.geo_locations:
            label = location.place or ""
            if location.box:
                b = location.box
                shapes.append(
                    {"kind": "box", "west": b.west, "east": b.east, "south": b.south, "north": b.north, "label": label}
                )
            if location.point:
                shapes.append(
                    {"kind": "point", "lat": location.point.latitude, "lon": location.point.longitude, "label": label}
                )
            if location.polygon:
                shapes.append(
                    {"kind": "polygon", "points": [[p.latitude, p.longitude] for p in location.polygon], "label": label}
                )
        return shapes


class LandingPreview(LandingRecord):
    """The page a deposit will have once published, before it is: `record` is unsaved (built by
    `preview_record` from the deposit's document, DOI and community), with no other version to
    show, and its files are the deposit's, each with its stored preview."""

    def __init__(self, record: Record, files: list[LandingFile]):
        super().__init__(record, versions=[])
        self.preview_files = files

    @cached_property
    def files(self) -> list[LandingFile]:
        return self.preview_files


def preview_record(*, document: MetadataDocument, pid: PersistentIdentifier | None, community, owner) -> Record:
    """An unsaved record as `services.record_publish` would make it today from the deposit: the same
    publisher, year, embargo and version number, the reserved DOI (if any) and its concept."""
    today = timezone.now().date()
    document = document.model_copy(
        update={"publisher": document.publisher or settings.DOI_PUBLISHER, "publication_year": today.year}
    )
    access = document.access
    concept = pid.concept if pid is not None and pid.concept_id else Concept()
    version = 1
    if concept.pk:
        version = (max((r.version for r in concept.records.all()), default=0)) + 1
    record = Record(
        title=document.title,
        metadata=document.model_dump(mode="json"),
        doi=pid.doi if pid is not None and pid.target_state not in ("none", "deleted") else "",
        community=community,
        owner=owner,
        concept=concept,
        version=version,
        publication_date=today,
        embargo_until=access.embargo_until if access.level is AccessLevel.embargoed else None,
        modified=timezone.now(),
    )
    if record.doi:
        # Its state shown as it is now (reserved); a copy, so that the deposit's own is left alone.
        record.pid = copy.copy(pid)
    return record


# --- The page cache ---------------------------------------------------------------------------------
#
# An anonymous reader's page depends only on the record, its versions, its DOI's state, the day
# (an embargo ends), the language, and two things that change with every request: the CSRF token of
# the language form and the usage counts. So the whole page is rendered once with marks in their
# place and cached under a key made of all the rest (`page_state`, one query, which reads the usage
# totals too); a hit is a cache read and two replacements. Signed-in users (buttons, forms, the
# moderation count) and pages with a query string (a citation style) are rendered each time.
#
# The CSRF mark is drawn at random for each rendering and kept beside the page: a fixed mark could
# be typed into a title or a link by a depositor, and every visitor's token would be put there (and
# sent away with a click). The usage mark is an HTML comment, which escaped metadata cannot form.

USAGE_MARK = "<!--estran:usage-->"


def csrf_mark() -> str:
    return "estran-csrf-" + secrets.token_hex(16)


def usage_text(views: int, downloads: int) -> str:
    return " · ".join(
        [
            ngettext("%(n)s view", "%(n)s views", views) % {"n": intcomma(views)},
            ngettext("%(n)s download", "%(n)s downloads", downloads) % {"n": intcomma(downloads)},
        ]
    )


@lru_cache(maxsize=4)
def _state_sql(vendor: str) -> str:
    """The state query, written by hand for PostgreSQL and SQLite alike: the ORM's version (four
    correlated subqueries) takes PostgreSQL a third longer to plan, and building it in Python costs
    more than running it. Each pair of aggregates comes back as one text ("a|b")."""
    q = connection.ops.quote_name
    record, concept = q(Record._meta.db_table), q(Concept._meta.db_table)
    pid, usage = q(PersistentIdentifier._meta.db_table), q(RecordUsage._meta.db_table)
    return (
        f"SELECT r.id, r.modified, r.status, r.embargo_until, p.state, p.sync, p.provider, c.pid_id, "
        f"(SELECT CAST(max(v.modified) AS TEXT) || '|' || CAST(count(*) AS TEXT) FROM {record} v "
        f"WHERE v.concept_id = r.concept_id), "
        f"(SELECT CAST(coalesce(sum(u.views), 0) AS TEXT) || '|' || CAST(coalesce(sum(u.downloads), 0) AS TEXT) "
        f"FROM {usage} u WHERE u.record_id = r.id) "
        f"FROM {record} r INNER JOIN {concept} c ON c.id = r.concept_id "
        f"LEFT OUTER JOIN {pid} p ON p.record_id = r.id WHERE r.id = %s"
    )


def page_state(pk: int) -> dict | None:
    """What an anonymous page depends on, beyond the record's own immutable rows, and its usage
    totals: one query (None: no such record)."""
    with connection.cursor() as cursor:
        cursor.execute(_state_sql(connection.vendor), [pk])
        row = cursor.fetchone()
    if row is None:
        return None
    pk, modified, status, embargo_until, pid_state, pid_sync, provider, concept_pid, versions, counts = row
    views, downloads = (int(n) for n in (counts or "0|0").split("|"))
    if isinstance(embargo_until, str):  # SQLite
        embargo_until = date.fromisoformat(embargo_until)
    return {
        "pk": pk,
        "modified": str(modified),
        "status": status,
        "embargo_until": embargo_until,
        "pid": (pid_state, pid_sync, provider),
        "concept_pid": concept_pid,
        "versions": versions,
        "usage_views": views,
        "usage_downloads": downloads,
    }


@lru_cache(maxsize=1)
def _templates_version() -> str:
    """A digest of the templates a page is made of, of the code that writes its citation and
    JSON-LD, and of the translations: a deployment that changes them never serves pages cached
    before it."""
    base = Path(settings.BASE_DIR)
    digest = hashlib.blake2b(digest_size=8)
    for path in (
        "templates/base.html",
        "templates/repository/landing.html",
        "templates/repository/_versions.html",
        "templates/repository/_file_previews.html",
        "templates/repository/tombstone.html",
        "repository/landing.py",
        "repository/templatetags/landing_tags.py",
        "locale/fr/LC_MESSAGES/django.mo",
        "repository/serializers/schemaorg.py",
        "repository/serializers/citation.py",
        "repository/serializers/vocab.py",
    ):
        with contextlib.suppress(OSError):
            digest.update((base / path).read_bytes())
    digest.update(f"{settings.SITE_URL}|{settings.SITE_NAME}|{settings.DOI_PROVIDER}".encode())
    return digest.hexdigest()


def page_cache_key(state: dict, language: str) -> str:
    embargo = state["embargo_until"]
    open_today = embargo is None or embargo <= timezone.now().date()
    parts = [
        state["pk"],
        language,
        state["modified"],
        state["status"],
        open_today,
        *state["pid"],
        state["concept_pid"],
        state["versions"],
    ]
    fingerprint = hashlib.blake2b("|".join(map(str, parts)).encode(), digest_size=12).hexdigest()
    return f"landing:{_templates_version()}:{state['pk']}:{language}:{fingerprint}"


def page_cache_seconds() -> int:
    return getattr(settings, "LANDING_CACHE_SECONDS", 24 * 3600)
