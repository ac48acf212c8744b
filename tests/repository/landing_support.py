"""Records for the landing-page, export and usage tests: a full metadata document (every part the
landing page shows) and records made quickly, as `record_publish` leaves them, with as many files,
creators and versions as a test needs."""

from __future__ import annotations

import copy

import pytest
from django.utils import timezone

from repository.metadata import MetadataDocument
from repository.models import Concept, PersistentIdentifier, Record, RecordFile
from tests.factories import complete_metadata

ORCID_ANNE = "0000-0002-1825-0097"
ORCID_CHIARA = "0000-0002-1694-233X"


def full_metadata(title: str = "CTD casts of the PELGAS 2024 cruise, Bay of Biscay") -> dict:
    metadata = copy.deepcopy(complete_metadata(title))
    metadata["titles"].append(
        {"title": "Profils CTD de la campagne PELGAS 2024", "title_type": "TranslatedTitle", "lang": "fr"}
    )
    metadata["creators"].append(
        {"name": "Coriolis & Co_data {centre}", "name_type": "Organizational", "ror": "https://ror.org/044jxhp58"}
    )
    metadata["contributors"] = [{"name": "Rossi, Chiara", "orcid": ORCID_CHIARA, "contributor_type": "DataCollector"}]
    metadata["subjects"] += [
        {
            "subject": "Practical salinity of the water body",
            "scheme": "NERC P01",
            "scheme_uri": "http://vocab.nerc.ac.uk/collection/P01/current/",
            "value_uri": "http://vocab.nerc.ac.uk/collection/P01/current/PSALPR01/",
            "keyword_type": "parameter",
        },
        {"subject": "Bay of Biscay", "keyword_type": "place"},
        {
            "subject": "CTD",
            "scheme": "NERC L05",
            "value_uri": "http://vocab.nerc.ac.uk/collection/L05/current/130/",
            "keyword_type": "instrument",
        },
    ]
    metadata["geo_locations"] += [
        {"place": "Station 12", "point": {"longitude": -4.25, "latitude": 46.5}},
        {
            "place": "Survey polygon",
            "polygon": [
                {"longitude": -5.0, "latitude": 44.0},
                {"longitude": -2.0, "latitude": 44.0},
                {"longitude": -3.5, "latitude": 47.0},
            ],
        },
    ]
    metadata["temporal_extent"] = {"start": "2024-04-25", "end": "2024-05-30"}
    metadata["vertical_extent"] = {"minimum": 0, "maximum": 2000, "reference": "depth"}
    metadata["dates"] = []
    metadata["lineage"] = "Processed with SBE Data Processing 7.26; salinity calibrated against bottle samples."
    metadata["funding_references"] = [
        {
            "funder_name": "Agence nationale de la recherche",
            "funder_identifier": "https://ror.org/00rbzpz17",
            "funder_identifier_type": "ROR",
            "award_number": "ANR-21-CE01-0001",
            "award_uri": "https://anr.fr/Projet-ANR-21-CE01-0001",
            "award_title": "Bay of Biscay shelf dynamics",
        }
    ]
    metadata["related_identifiers"] = [
        {
            "identifier": "10.1016/j.pocean.2024.103210",
            "identifier_type": "DOI",
            "relation_type": "IsSupplementTo",
            "resource_type_general": "JournalArticle",
        },
        {
            "identifier": "https://github.com/estran/pelgas-ctd",
            "identifier_type": "URL",
            "relation_type": "IsCompiledBy",
            "resource_type_general": "Software",
        },
    ]
    metadata["version"] = None
    return metadata


def record_create(
    *,
    owner,
    community,
    metadata: dict | None = None,
    files: int | list = 1,
    version: int = 1,
    concept: Concept | None = None,
    doi: str | None = None,
    provider: str = "local",
) -> Record:
    """A published record with its DOI row (state findable) and `files` files (a count, or a list of
    (name, size))."""
    document = MetadataDocument.model_validate(metadata or full_metadata())
    now = timezone.now()
    concept = concept or Concept.objects.create()
    doi = doi or f"10.5072/estran.l8{concept.pk:06d}v{version}"
    record = Record.objects.create(
        title=document.title,
        metadata=document.model_dump(mode="json"),
        doi=doi,
        community=community,
        owner=owner,
        concept=concept,
        version=version,
        publication_date=now.date(),
        modified=now,
        embargo_until=document.access.embargo_until,
    )
    PersistentIdentifier.objects.create(
        doi=doi,
        provider=provider,
        record=record,
        concept=concept,
        state="findable",
        target_state="findable",
        sync="done",
        url=record.landing_url,
    )
    names = (
        files if isinstance(files, list) else [(f"ctd_{i:04d}.csv" if i else "ctd.nc", 2048 + i) for i in range(files)]
    )
    RecordFile.objects.bulk_create(
        RecordFile(
            record=record, name=name, size=size, md5="0" * 32, sha256=f"{i:064x}", storage_key=f"l8/{record.pk}/{name}"
        )
        for i, (name, size) in enumerate(names)
    )
    return record


def add_version(record: Record, **kwargs) -> Record:
    return record_create(
        owner=record.owner, community=record.community, concept=record.concept, version=record.version + 1, **kwargs
    )


def store_bytes(record: Record, name: str, content: bytes) -> RecordFile:
    """Put a file's bytes in the local store (and its size and SHA-256 on its row), for downloads."""
    import hashlib
    from pathlib import Path

    from django.conf import settings

    file = record.files.get(name=name)
    path = Path(settings.LOCAL_STORAGE_ROOT) / file.storage_key
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    file.size, file.sha256 = len(content), hashlib.sha256(content).hexdigest()
    file.save(update_fields=["size", "sha256"])
    return file


@pytest.fixture
def counting(settings):
    """Counts written at once (not every 10 s), an empty page cache, nothing pending from before."""
    from django.core.cache import cache

    from repository import usage

    settings.USAGE_FLUSH_SECONDS = 0
    cache.clear()
    usage._pending.take()
    yield
    usage._pending.take()
    cache.clear()
