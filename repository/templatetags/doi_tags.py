"""Template helpers for DOIs shown before publication: the reserved DOI's citation, for manuscripts."""

from __future__ import annotations

from django import template
from django.conf import settings
from django.utils import timezone

from repository.models import Record
from repository.views import format_citation

register = template.Library()


def _creator(item) -> tuple[str, str | None, str | None] | None:
    """(name, family, given) from what a draft holds, however incomplete."""
    if not isinstance(item, dict) or not str(item.get("name") or "").strip():
        return None
    name = str(item["name"]).strip()
    family, given = item.get("family_name"), item.get("given_name")
    if not family and item.get("name_type", "Personal") == "Personal" and "," in name:
        family, _sep, given = (part.strip() for part in name.partition(","))
    return name, family or None, given or None


@register.simple_tag
def reserved_citation(deposit) -> str:
    """How to cite a deposit whose DOI is reserved: its creators and title as typed, this year (the
    year it is published, if that is this year), the version number a new version will get."""
    pid = deposit.pid
    metadata = deposit.metadata if isinstance(deposit.metadata, dict) else {}
    creators = [c for c in (_creator(item) for item in metadata.get("creators") or []) if c]
    titles = metadata.get("titles") or []
    title = (titles[0].get("title") if titles and isinstance(titles[0], dict) else "") or deposit.title
    version = 1
    if pid.concept_id:
        latest = (
            Record.objects.filter(concept_id=pid.concept_id)
            .order_by("-version")
            .values_list("version", flat=True)
            .first()
        )
        version = (latest or 0) + 1
    return format_citation(
        creators=creators or [("…", None, None)],
        year=timezone.now().year,
        title=title or "…",
        doi=pid.doi,
        version=version,
        publisher=metadata.get("publisher") or settings.DOI_PUBLISHER,
    )
