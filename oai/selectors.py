"""Reads for harvesting: the records of a selective harvest in datestamp order, one page at a time
by key, the sets, and the earliest datestamp.

Every record is harvestable, published or withdrawn (a withdrawn one is announced as deleted).
Its datestamp is `Record.modified`, which every change a harvester must see moves forward
(publication, a lifted embargo, a withdrawal, a new version's relation).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Min, Prefetch, Q, QuerySet
from django.db.models.fields.json import KT

from accounts.models import Community
from deposit.provenance import HISTORY_JOIN, history_events
from repository.metadata import ResourceTypeGeneral
from repository.models import Record
from repository.selectors import listed_files

COMMUNITY_SETS = "community"
TYPE_SETS = "type"


@dataclass(frozen=True)
class OaiSet:
    spec: str
    name: str
    description: str = ""


def _resource_type(record: Record) -> str:
    return ((record.metadata or {}).get("resource_type") or {}).get("general") or ResourceTypeGeneral.dataset.value


def record_set_specs(record: Record) -> list[str]:
    """The sets a record belongs to (the leaves: `community:ocean` implies `community`)."""
    return [f"{COMMUNITY_SETS}:{record.community.slug}", f"{TYPE_SETS}:{_resource_type(record)}"]


def harvest_records(
    *, set_spec: str = "", from_: datetime | None = None, until: datetime | None = None
) -> QuerySet[Record] | None:
    """The records of a selective harvest, in datestamp order, `from_` included and `until`
    excluded (the caller widens a seconds-granular `until` to the next second). None when the set
    cannot hold any record (unknown)."""
    records = Record.objects.all()
    if set_spec:
        top, _sep, leaf = set_spec.partition(":")
        if top not in (COMMUNITY_SETS, TYPE_SETS) or ":" in leaf:
            return None
        if top == COMMUNITY_SETS and leaf:
            records = records.filter(community__slug=leaf)
        elif top == TYPE_SETS and leaf:
            if leaf not in {t.value for t in ResourceTypeGeneral}:
                return None
            records = records.filter(metadata__resource_type__general=leaf)
    if from_ is not None:
        records = records.filter(modified__gte=from_)
    if until is not None:
        records = records.filter(modified__lt=until)
    return records.order_by("modified", "pk")


def harvest_page(
    records: QuerySet[Record], *, after: tuple[datetime, int] | None, size: int, with_metadata: bool
) -> list[Record]:
    """Up to `size + 1` records after the key `after` (the extra one says whether a page follows),
    with what serializing them needs in a fixed number of queries, wherever the page is: the
    key is a range on the `modified` index, never an offset.

    With metadata: the community and DOIs (joined), the files of those that list them (one query;
    a record with many has them summarised on its row) and every version of each record's dataset
    (one query, for the version relations), and the deposit that published each one with its events
    (one query: the ISO 19115-3 lineage's deposit and review)."""
    if after is not None:
        modified, pk = after
        records = records.filter(Q(modified__gt=modified) | Q(modified=modified, pk__gt=pk), modified__gte=modified)
    if with_metadata:
        records = records.select_related("community", "pid", "concept__pid", HISTORY_JOIN).prefetch_related(
            listed_files(),
            history_events(),
            Prefetch(
                "concept__records",
                queryset=Record.objects.select_related("pid").order_by("version"),
                to_attr="ordered_versions",
            ),
        )
    else:
        records = records.select_related("community")
    return list(records[: size + 1])


def record_by_pk(pk: int, *, with_metadata: bool = True) -> Record | None:
    """One record (GetRecord), fetched as a page of one."""
    found = harvest_page(Record.objects.filter(pk=pk), after=None, size=0, with_metadata=with_metadata)
    return found[0] if found else None


def earliest_datestamp() -> datetime | None:
    return Record.objects.aggregate(earliest=Min("modified"))["earliest"]


def sets() -> list[OaiSet]:
    """Every community, and every resource type some record has, under their parent sets."""
    listed = [OaiSet(COMMUNITY_SETS, "By community")]
    listed += [
        OaiSet(f"{COMMUNITY_SETS}:{c.slug}", f"{c.name} ({c.acronym})" if c.acronym else c.name, c.description)
        for c in Community.objects.order_by("slug")
    ]
    listed.append(OaiSet(TYPE_SETS, "By resource type"))
    used = set(Record.objects.order_by().values_list(KT("metadata__resource_type__general"), flat=True).distinct())
    listed += [
        OaiSet(f"{TYPE_SETS}:{general.value}", f"Resource type: {general.value}")
        for general in ResourceTypeGeneral
        if general.value in used
    ]
    return listed
