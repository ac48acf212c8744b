"""Loading thesauri: parse a SKOS file, upsert its concepts by URI, deprecate the ones that vanished,
rebuild the label index of what changed. Never deletes a concept: deposits keep their keywords
(they hold copies of label, URI and thesaurus, not references to these rows)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from django.db import connection, transaction
from django.db.models import Case, IntegerField, OuterRef, Subquery, Value, When
from django.utils import timezone

from core.errors import ValidationFailed
from core.logging import get_logger

from .models import LANGUAGES, Concept, ConceptLabel, Thesaurus
from .skos import ParsedConcept, ParsedThesaurus, SkosError, read_skos
from .text import normalise

log = get_logger(__name__)

BATCH_SIZE = 1000
# After writing this many concepts, PostgreSQL's statistics of the label index are refreshed at once
# (the type-ahead's plans depend on them, see migration 0001) rather than at autovacuum's leisure.
ANALYZE_AFTER = 1000
# progress(slug, done, total): called after each batch of concepts written.
Progress = Callable[[str, int, int], None]

_COMPARED = (
    "pref_label_en",
    "pref_label_fr",
    "alt_labels",
    "notation",
    "definition",
    "broader_uri",
    "replaced_by_uri",
    "deprecated",
)


@dataclass
class LoadReport:
    slug: str
    title: str
    uri: str
    version: str
    in_file: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deprecated: int = 0  # concepts that became deprecated in this load (flagged upstream or vanished)
    vanished: int = 0  # of which: no longer in the file
    live: int = 0  # concepts not deprecated after the load
    skipped_for: str = ""  # not loaded: last loaded from this other file (keep_other_sources)

    def summary(self) -> str:
        if self.skipped_for:
            return f"{self.slug}: left as loaded from {self.skipped_for} (--keep-other-sources)."
        return (
            f"{self.slug}: {self.in_file} concepts in the file; {self.created} created, "
            f"{self.updated} updated, {self.unchanged} unchanged, {self.deprecated} deprecated "
            f"({self.vanished} no longer in the file); {self.live} live."
        )


def _fields(parsed: ParsedConcept) -> dict:
    return {
        "pref_label_en": parsed.pref.get("en", "")[:500],
        "pref_label_fr": parsed.pref.get("fr", "")[:500],
        "alt_labels": parsed.alt,
        "notation": parsed.notation,
        "definition": parsed.definition,
        "broader_uri": parsed.broader_uri[:500],
        "replaced_by_uri": parsed.replaced_by_uri[:500],
        "deprecated": parsed.deprecated,
    }


def _label_rows(concept: Concept) -> list[ConceptLabel]:
    """The searchable labels of a live concept: preferred then alternative, English then French,
    one row per distinct normalised text."""
    rows, seen = [], set()
    candidates = [(concept.pref_label_en, "en", True), (concept.pref_label_fr, "fr", True)]
    candidates += [(t, lang, False) for lang in LANGUAGES for t in concept.alt_labels.get(lang, [])]
    for text, lang, is_pref in candidates:
        norm = normalise(text)[:500]
        if norm and norm not in seen:
            seen.add(norm)
            rows.append(
                ConceptLabel(
                    concept_id=concept.pk,
                    thesaurus_id=concept.thesaurus_id,
                    text=text[:500],
                    norm=norm,
                    lang=lang,
                    is_pref=is_pref,
                )
            )
    return rows


def _batches(items: list, size: int) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def thesaurus_import(
    *,
    parsed: ParsedThesaurus,
    slug: str,
    title: str = "",
    source: str = "",
    progress: Progress | None = None,
    batch_size: int = BATCH_SIZE,
) -> LoadReport:
    """Upsert one parsed thesaurus under `slug`, in one transaction."""
    progress = progress or (lambda phase, done, total: None)
    with transaction.atomic():
        thesaurus, _created = Thesaurus.objects.select_for_update().get_or_create(
            slug=slug, defaults={"title": title or parsed.title or slug}
        )
        thesaurus.title = (title or parsed.title or thesaurus.title or slug)[:300]
        thesaurus.uri = parsed.uri[:500]
        thesaurus.version = parsed.version[:100]
        thesaurus.source = source[:300]

        existing = {c.uri: c for c in Concept.objects.filter(thesaurus=thesaurus)}
        report = LoadReport(
            slug=slug, title=thesaurus.title, uri=thesaurus.uri, version=thesaurus.version, in_file=len(parsed.concepts)
        )
        to_create: list[Concept] = []
        to_update: list[Concept] = []
        seen: set[str] = set()
        for item in parsed.concepts:
            if item.uri in seen or len(item.uri) > 500:
                continue
            seen.add(item.uri)
            values = _fields(item)
            current = existing.get(item.uri)
            if current is None:
                to_create.append(Concept(thesaurus=thesaurus, uri=item.uri, **values))
                continue
            if all(getattr(current, name) == value for name, value in values.items()):
                report.unchanged += 1
                continue
            if values["deprecated"] and not current.deprecated:
                report.deprecated += 1
            if values["broader_uri"] != current.broader_uri:
                current.broader_id = None
            for name, value in values.items():
                setattr(current, name, value)
            to_update.append(current)
        report.created, report.updated = len(to_create), len(to_update)

        vanished = [c for uri, c in existing.items() if uri not in seen and not c.deprecated]
        for concept in vanished:
            concept.deprecated = True
        report.vanished = len(vanished)
        report.deprecated += len(vanished)

        total = len(to_create) + len(to_update) + len(vanished)
        done = 0
        for batch in _batches(to_create, batch_size):
            created = Concept.objects.bulk_create(batch)
            if any(c.pk is None for c in created):  # backends that do not return keys
                keys = dict(
                    Concept.objects.filter(thesaurus=thesaurus, uri__in=[c.uri for c in batch]).values_list("uri", "pk")
                )
                for c in created:
                    c.pk = keys[c.uri]
            ConceptLabel.objects.bulk_create([row for c in created if not c.deprecated for row in _label_rows(c)])
            done += len(batch)
            progress(slug, done, total)
        now = timezone.now()
        for batch in _batches(to_update + vanished, batch_size):
            for c in batch:
                c.modified = now
            Concept.objects.bulk_update(batch, [*_COMPARED, "broader", "modified"])
            ConceptLabel.objects.filter(concept__in=[c.pk for c in batch]).delete()
            ConceptLabel.objects.bulk_create([row for c in batch if not c.deprecated for row in _label_rows(c)])
            done += len(batch)
            progress(slug, done, total)

        _resolve_broader(thesaurus)
        written = len(to_create) + len(to_update) + len(vanished)
        report.live = Concept.objects.filter(thesaurus=thesaurus, deprecated=False).count()
        thesaurus.concept_count = report.live
        thesaurus.loaded_at = timezone.now()
        thesaurus.save()
    if written >= ANALYZE_AFTER and connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {ConceptLabel._meta.db_table}")
    log.info(
        "thesaurus.loaded",
        slug=slug,
        source=source,
        created=report.created,
        updated=report.updated,
        deprecated=report.deprecated,
        live=report.live,
    )
    return report


def _resolve_broader(thesaurus: Thesaurus) -> None:
    """Link broader URIs to loaded concepts: this thesaurus's concepts first, then any thesaurus's,
    both for this thesaurus's concepts and for others' that point into it."""
    candidates = (
        Concept.objects.filter(uri=OuterRef("broader_uri"))
        .order_by(
            Case(When(thesaurus_id=thesaurus.pk, then=Value(0)), default=Value(1), output_field=IntegerField()), "pk"
        )
        .values("pk")[:1]
    )
    unresolved = Concept.objects.filter(broader__isnull=True).exclude(broader_uri="")
    unresolved.filter(thesaurus=thesaurus).update(broader=Subquery(candidates))
    unresolved.exclude(thesaurus=thesaurus).filter(
        broader_uri__in=Concept.objects.filter(thesaurus=thesaurus).values("uri")
    ).update(broader=Subquery(candidates))


def thesaurus_load(
    *,
    path: Path | str,
    slug: str = "",
    title: str = "",
    fmt: str | None = None,
    progress: Progress | None = None,
    batch_size: int = BATCH_SIZE,
    keep_other_sources: bool = False,
) -> list[LoadReport]:
    """Load every thesaurus of a SKOS file. With `slug`, the file must hold one thesaurus (its
    concepts are loaded under that slug); without, each gets the slug its URI suggests. With
    `keep_other_sources`, a thesaurus last loaded from a file of another name is left alone (so the
    demo set never replaces a complete thesaurus an operator loaded)."""
    path = Path(path)
    if not path.is_file():
        raise ValidationFailed(f"No such file: {path}", field="path")
    try:
        thesauri = read_skos(path, fmt)
    except SkosError as exc:
        raise ValidationFailed(str(exc), field="path") from exc
    if slug and len(thesauri) > 1:
        names = ", ".join(t.uri or "(no scheme)" for t in thesauri)
        raise ValidationFailed(
            f"{path.name} holds {len(thesauri)} thesauri ({names}): load it without --slug.", field="slug"
        )
    if title and len(thesauri) > 1:
        raise ValidationFailed("--title needs a file that holds one thesaurus.", field="title")
    reports = []
    for parsed in thesauri:
        target = slug or parsed.suggested_slug
        if not target:
            raise ValidationFailed(f"{path.name} names no concept scheme: give --slug.", field="slug")
        if keep_other_sources:
            other = (
                Thesaurus.objects.filter(slug=target).exclude(source=path.name).values_list("source", flat=True).first()
            )
            if other is not None:
                reports.append(
                    LoadReport(
                        slug=target,
                        title=parsed.title,
                        uri=parsed.uri,
                        version=parsed.version,
                        in_file=len(parsed.concepts),
                        skipped_for=other or "elsewhere",
                    )
                )
                continue
        reports.append(
            thesaurus_import(
                parsed=parsed, slug=target, title=title, source=path.name, progress=progress, batch_size=batch_size
            )
        )
    return reports
