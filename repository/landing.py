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
from dataclasses import dataclass, replace
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
from core.folders import Folder, FolderIndex

from . import file_summary, hooks, selectors, signposting
from .catalog import this_repository
from .metadata import AccessLevel, MetadataDocument, RelationType
from .models import Concept, PersistentIdentifier, Record, RecordUsage
from .serializers import citation as citations, prov
from .serializers.schemaorg import Archive, Distribution, encoding_format, identifier_url, to_schemaorg
from .variables import concept_label

# What `reverse` leaves unquoted in a path argument (RFC 3986's pchar, as Django's resolver quotes it).
_PATH_SAFE = RFC3986_SUBDELIMS + "/~:@"

# The longest search in a record's files that is looked for (a name is at most a few hundred bytes).
FILES_Q_MAX = 200

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
    # The name as the list shows it: relative to the folder chosen (`2024/g123.nc` in `profiles`).
    relative_name: str = ""
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
    first version first (one query, made by the caller). The page lists the files of one folder
    (`folder`, its subfolders' included; the top by default) whose names contain `files_q`, a page
    of `PUBLISH_FILES_LISTED_MAX` at a time (`files_page`), under the tree of the record's folders.
    A record with more files than that (`Record.files_summarised`) has them read for the page, not
    loaded with it: its folder tree comes from the totals kept at publication, the page of files is
    one query (and a search's matches one to count them); its exports summarise them."""

    def __init__(
        self,
        record: Record,
        versions: list[Record] | None = None,
        *,
        files_page: int = 1,
        folder: str = "",
        files_q: str = "",
    ):
        self.record = record
        self.versions = versions if versions is not None else selectors.landing_versions(record)
        self.choose_files(files_page=files_page, folder=folder, files_q=files_q)

    def choose_files(self, *, files_page: int = 1, folder: str = "", files_q: str = "") -> None:
        """The files to list, as the reader asked (`?files_page=`, `?folder=`, `?files_q=`): before
        the page reads any of them."""
        self._files_page = files_page
        self._folder = folder
        self.files_q = files_q.strip()[:FILES_Q_MAX]

    @property
    def files_summarised(self) -> bool:
        return self.record.files_summarised and not self.record.is_withdrawn

    @cached_property
    def folders(self) -> FolderIndex | None:
        """The record's folders, each with its files' count and size, for the tree; None when no
        file lies in a folder (the page looks as it did before folders) or none is shown (withdrawn)."""
        if self.record.is_withdrawn:
            return None
        if self.files_summarised:
            # From the totals kept at publication: no file read.
            index = FolderIndex.from_totals(self.record.folder_totals or {"": [0, 0]})
        else:
            index = FolderIndex((f.name, f.size) for f in self.files)
        return index if len(index) else None

    @cached_property
    def folder(self) -> str:
        """The folder whose files are listed: the one asked for if the record has it, else the top."""
        if self._folder and self.folders is not None and self._folder in self.folders:
            return self._folder
        return ""

    @property
    def folder_files(self) -> Folder | None:
        """The chosen folder's files' count and size (None at the top: the record's are shown)."""
        return self.folders.get(self.folder) if self.folder else None

    @property
    def folder_breadcrumbs(self) -> list[Folder]:
        """The way down to the chosen folder, from the top (nothing at the top)."""
        return self.folders.breadcrumbs(self.folder) if self.folder else []

    @property
    def files_searchable(self) -> bool:
        """Whether the page offers a search in the files: when they are in folders or on several
        pages (a record of a few files in no folder looks as it always did)."""
        return self.folders is not None or self.files_count > settings.PUBLISH_FILES_LISTED_MAX

    @cached_property
    def _matching(self) -> list[LandingFile]:
        """The files listed (of a record whose files are all loaded), all pages together."""
        prefix = self.folder + "/" if self.folder else ""
        wanted = self.files_q.casefold()
        return [
            replace(f, relative_name=f.name[len(prefix) :])
            for f in self.files
            if f.name.startswith(prefix) and wanted in f.name[len(prefix) :].casefold()
        ]

    @cached_property
    def files_matching(self) -> int:
        """How many files the list has, all pages together: the folder's (or the record's), or
        those matching the search."""
        if not self.files_summarised:
            return len(self._matching)
        if self.files_q:
            return selectors.record_files_in(self.record, folder=self.folder, contains=self.files_q).count()
        return self.folder_files.files if self.folder_files else self.record.file_count

    @property
    def files_pages(self) -> int:
        """How many pages the list of files has (1 when they are all on it, or there are none)."""
        return max(1, -(-self.files_matching // settings.PUBLISH_FILES_LISTED_MAX))

    @property
    def files_page(self) -> int:
        """The page of files shown: the one asked for, within the pages there are."""
        return min(max(self._files_page, 1), self.files_pages)

    @cached_property
    def files_listed(self) -> list[LandingFile]:
        """The files the page lists: a page of the folder's files (or of those matching the search)."""
        size = settings.PUBLISH_FILES_LISTED_MAX
        if not self.files_summarised:
            start = (self.files_page - 1) * size
            return self._matching[start : start + size]
        rows = selectors.record_files_page(
            self.record, page=self.files_page, size=size, folder=self.folder, contains=self.files_q
        )
        return [self._file(f, folder=self.folder) for f in rows]

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
    def variables(self) -> list[dict]:
        """The measured variables, each with its concept's short name (`concept_label`)."""
        return [{"variable": v, "concept": concept_label(v.property_id)} for v in self.document.variables]

    @cached_property
    def files(self) -> list[LandingFile]:
        """Every file of a record with few (its exports name each, its page lists them); none of a
        withdrawn record nor of one with many (exports summarise them, the page reads its page of
        them: `files_listed`)."""
        record = self.record
        if record.is_withdrawn or self.files_summarised:
            return []
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

    @cached_property
    def _paths(self) -> tuple[str, str]:
        """The prefixes of the files' download and preview paths, each reversed once: a page of a
        hundred files would otherwise take two hundred `reverse` (a fifth of its rendering)."""
        pk = self.record.pk
        return (
            reverse("repository:file-download", kwargs={"pk": pk, "name": "-"})[:-1],
            reverse("repository:file-preview", kwargs={"pk": pk, "name": "-"})[:-1],
        )

    def _file(self, f, *, folder: str = "") -> LandingFile:
        download, preview = self._paths
        quoted = quote(f.name, safe=_PATH_SAFE)  # as `reverse` quotes a path argument
        return LandingFile(
            pk=f.pk,
            name=f.name,
            relative_name=f.name[len(folder) + 1 :] if folder else f.name,
            size=f.size,
            sha256=f.sha256,
            media_type=encoding_format(f.name),
            path=download + quoted,
            previewable=hooks.file_previewable(f.name),
            preview_path=preview + quoted,
        )

    @property
    def files_first(self) -> int:
        """The number of the page's first file, counting from 1 (paged records)."""
        return (self.files_page - 1) * settings.PUBLISH_FILES_LISTED_MAX + 1

    @property
    def files_last(self) -> int:
        return self.files_first + len(self.files_listed) - 1

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
        data = to_schemaorg(
            self.document,
            doi=record.doi,
            url=record.landing_url,
            date_published=record.publication_date,
            date_modified=record.modified,
            distributions=[Distribution(f.name, f.size, f.sha256, f.url) for f in self.files]
            if archive is None
            else [],
            archive=archive,
            citation=self.citation,
            withdrawn=record.is_withdrawn,
            community=record.community.name,
        )
        # What the record says of its provenance (its deposit's history is one link away: reading it
        # would cost every page queries).
        data["@context"] = {**data["@context"], **prov.CONTEXT}
        data.update(prov.embedded(self.provenance(with_history=False), provenance_url=provenance_url(record)))
        return data

    @cached_property
    def history(self) -> prov.DepositHistory | None:
        """How the record was deposited and reviewed (none named for a redacted record)."""
        return None if self.redacted else hooks.record_history(self.record)

    def provenance(self, *, with_history: bool = True) -> prov.Provenance:
        """The record's provenance; `with_history` with its deposit and review (two queries)."""
        record, community = self.record, self.record.community
        repository = this_repository()
        return prov.record_provenance(
            self.document,
            doi=record.doi,
            landing_url=record.landing_url,
            community=f"{community.name} ({community.acronym})" if community.acronym else community.name,
            repository_name=repository.organization,
            repository_ror=repository.ror,
            history=self.history if with_history else None,
            withdrawn_at=record.withdrawn_at if record.is_withdrawn else None,
            redacted=self.redacted,
        )

    def links(
        self, describedby: list[tuple[str, str, str | None]], *, every_file: bool = False
    ) -> list[signposting.Link]:
        """The Signposting links; `describedby` is (URL, media type, profile) of each metadata format.
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
            linkset_url=linkset_url(record),
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


def linkset_url(record) -> str:
    """The absolute URL of a record's Signposting linkset (level 2), which its landing page, files
    and exports link to."""
    return settings.SITE_URL + reverse("repository:export", kwargs={"pk": record.pk, "fmt": "linkset"})


def provenance_url(record) -> str:
    """The absolute URL of a record's PROV-O provenance (JSON-LD; Turtle by content negotiation)."""
    return settings.SITE_URL + reverse("repository:export", kwargs={"pk": record.pk, "fmt": "prov"})


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
        "templates/repository/_files_folders.html",
        "templates/core/_folder_tree.html",
        "templates/repository/tombstone.html",
        "repository/landing.py",
        "repository/templatetags/landing_tags.py",
        "locale/fr/LC_MESSAGES/django.mo",
        "repository/serializers/schemaorg.py",
        "repository/serializers/prov.py",
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
