"""Records to search, published through the real service (`record_publish`, which indexes them),
described with only what a test cares about: a title, an abstract, keywords, creators, a place
(boxes, points), a period, a licence, a resource type, a community, a publication date."""

from __future__ import annotations

from datetime import date

import pytest

from repository.metadata import LICENCES, MetadataDocument
from tests.factories import complete_metadata


def metadata(
    title: str,
    *,
    abstract: str = "Measurements made at sea.",
    keywords: list[tuple[str, str | None]] = (),
    creators: list[str] = ("Le Goff, Anne",),
    boxes: list[tuple[float, float, float, float]] = (),
    points: list[tuple[float, float]] = (),
    period: tuple[str, str | None] | None = None,
    licence: str = "CC-BY-4.0",
    resource_type: str = "Dataset",
    french_title: str | None = None,
) -> dict:
    """A complete document; boxes are (west, south, east, north), points (longitude, latitude),
    a period (start, end) with end None = ongoing."""
    data = complete_metadata(title)
    data["descriptions"] = [{"description": abstract}]
    if french_title:
        data["titles"].append({"title": french_title, "title_type": "TranslatedTitle", "lang": "fr"})
    data["subjects"] = [
        {"subject": label, **({"value_uri": uri, "scheme": "NERC P02"} if uri else {})} for label, uri in keywords
    ]
    data["creators"] = [{"name": name} for name in creators]
    data["geo_locations"] = [{"box": {"west": w, "south": s, "east": e, "north": n}} for w, s, e, n in boxes] + [
        {"point": {"longitude": lon, "latitude": lat}} for lon, lat in points
    ]
    data["dates"] = []
    if period:
        start, end = period
        data["temporal_extent"] = {"start": start, "end": end, "ongoing": end is None}
    data["rights"] = [LICENCES[licence].model_dump()]
    data["resource_type"] = {"general": resource_type, "type": ""}
    return data


@pytest.fixture
def publish(depositor, communities):
    """`publish(title, community="ocean", published=date(...), **metadata)`: a published record."""
    from repository.indexing import record_index
    from repository.models import Record
    from repository.services import pid_mint, record_publish

    def make(title: str, *, community: str = "ocean", published: date | None = None, **kwargs) -> Record:
        document = MetadataDocument.model_validate(metadata(title, **kwargs))
        record = record_publish(
            pid=pid_mint(),
            document=document,
            community=communities[community],
            owner=depositor,
            files=[{"name": "data.csv", "size": 10, "md5": "0" * 32, "sha256": "c" * 64, "storage_key": f"k/{title}"}],
        )
        if published:
            Record.objects.filter(pk=record.pk).update(publication_date=published)
            record.refresh_from_db()
            record_index(record=record)
        return record

    return make
