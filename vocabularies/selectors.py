"""Reads on thesauri: the list, and the type-ahead search over preferred and alternative labels
in English and French.

Ranking: exact label, then labels starting with the query, then labels with a word starting with
it, then labels containing it, then labels containing every word of it; preferred labels before
alternative ones, labels in the asked language first, shorter first. Queries of one or two
characters match label starts only (anything else would match most of the index).

One SQL statement, whatever the number of matches: three branches, each bounded by a LIMIT so that
none reads more than it returns, and each run only if the better ones found too few concepts,
joined with concepts, thesauri and broader concepts:
1. label starts: a range of the C-collated btree on PostgreSQL, in index order (the exact label
   sorts first);
2. word starts (`norm LIKE '% tem%'`) and 3. infixes and all-words matches: the trigram index on
   PostgreSQL, or a scan that stops at the limit when the words are common.
Then Python ranks the few rows and keeps the best label of each concept. On SQLite (the embedded
default) the same statement runs without the collation clause and without indexes."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django.db.models import QuerySet

from core.errors import ValidationFailed

from .models import LANGUAGES, Concept, ConceptLabel, Thesaurus
from .text import normalise

MAX_LIMIT = 50
MAX_QUERY = 100
MIN_INFIX = 3  # trigram indexes need three characters
OVERFETCH = 3  # rows per branch and per result: a concept may match by several labels

# Which thesauri each keyword picker of the wizard searches (keyword_type of the metadata
# document's subjects), unless settings.VOCABULARY_PICKERS says otherwise. A picker searches those
# of its thesauri that are loaded (the GCMD science keywords are loaded by `make run` beside the
# demo set, not by every test), and refuses only when none is.
DEFAULT_PICKERS = {
    "parameter": ["nvs-p02"],
    "instrument": ["nvs-l05"],
    "platform": ["gcmd-platforms"],
    "place": ["nvs-c19"],
    "theme": ["iso19115-topic-categories", "inspire-themes", "gcmd-sciencekeywords"],
}


def pickers() -> dict[str, list[str]]:
    return getattr(settings, "VOCABULARY_PICKERS", DEFAULT_PICKERS)


def thesaurus_list() -> QuerySet[Thesaurus]:
    return Thesaurus.objects.order_by("title", "slug")


@dataclass
class ConceptHit:
    """A concept found, with the label that matched (its best one)."""

    uri: str
    labels: dict[str, str]
    notation: str
    definition: str
    thesaurus: dict[str, str]
    broader_uri: str
    broader_labels: dict[str, str] | None
    matched: str
    lang: str

    def as_dict(self) -> dict:
        label, label_lang = _in_language(self.labels, self.lang)
        broader = None
        if self.broader_uri:
            broader = {
                "uri": self.broader_uri,
                "label": _in_language(self.broader_labels, self.lang)[0] if self.broader_labels else None,
            }
        return {
            "uri": self.uri,
            "label": label or self.uri,
            "lang": label_lang,
            "matched": None if self.matched == label else self.matched,
            "notation": self.notation,
            "definition": self.definition,
            "thesaurus": self.thesaurus,
            "broader": broader,
        }


def _in_language(labels: dict[str, str], lang: str) -> tuple[str, str]:
    for code in (lang, "en", "fr"):
        if labels.get(code):
            return labels[code], code
    return "", ""


def _thesaurus_ids(slugs: list[str], *, loaded_only: bool = False) -> list[int]:
    found = dict(Thesaurus.objects.filter(slug__in=slugs).values_list("slug", "pk"))
    unknown = [s for s in slugs if s not in found]
    if unknown and not (loaded_only and found):
        raise ValidationFailed(f"Unknown thesaurus: {', '.join(unknown)}.", field="thesaurus")
    return list(found.values())


def parse_thesauri(value: str | None, keyword_type: str | None = None) -> list[str]:
    """Slugs from `thesaurus=a,b` or, failing that, from the picker of `keyword_type`."""
    slugs = [s.strip() for s in (value or "").split(",") if s.strip()]
    if not slugs and keyword_type:
        if keyword_type not in pickers():
            raise ValidationFailed(
                f"Unknown keyword type: {keyword_type} (one of {', '.join(sorted(pickers()))}).", field="keyword_type"
            )
        slugs = list(pickers()[keyword_type])
    return slugs


def _rank(norm: str, q: str) -> int:
    if norm == q:
        return 0
    if norm.startswith(q):
        return 1
    if f" {q}" in norm:
        return 2
    return 3 if q in norm else 4


def _statement(q: str, thesaurus_ids: list[int] | None, limit: int) -> tuple[str, list]:
    """The search SQL and its parameters. `q` is normalised: letters, digits and single spaces,
    so it holds no LIKE wildcard to escape.

    Branches run in rank order and each is skipped when the better ones already hold `limit`
    concepts (a constant condition, which PostgreSQL checks before running the branch): their rows
    could not be among the `limit` best anyway. Common queries ("temp") then never reach the
    infix scans, whose LIMIT PostgreSQL may serve with a scan that stops early, which is only
    quick when the matches are spread evenly (they are not within one thesaurus)."""
    label, concept, thesaurus = (m._meta.db_table for m in (ConceptLabel, Concept, Thesaurus))
    ordered = 'l.norm COLLATE "C"' if connection.vendor == "postgresql" else "l.norm"
    per_branch = limit * OVERFETCH
    scope, scope_params = "", []
    if thesaurus_ids is not None:
        scope = f" AND l.thesaurus_id IN ({', '.join(['%s'] * len(thesaurus_ids))})"
        scope_params = list(thesaurus_ids)
    columns = "l.concept_id, l.text, l.norm, l.lang, l.is_pref"
    ctes = [
        (
            "p",
            f"SELECT {columns} FROM {label} l WHERE {ordered} LIKE %s{scope} ORDER BY {ordered} LIMIT %s",
            [q + "%", *scope_params, per_branch],
        )
    ]
    words = q.split()
    if len(q) >= MIN_INFIX:
        ctes.append(
            ("w", f"SELECT {columns} FROM {label} l WHERE l.norm LIKE %s{scope}", ["% " + q + "%", *scope_params])
        )
        match, match_params = "l.norm LIKE %s", ["%" + q + "%"]
        if len(words) > 1 and any(len(w) >= MIN_INFIX for w in words):
            match = f"({match} OR ({' AND '.join(['l.norm LIKE %s'] * len(words))}))"
            match_params += ["%" + w + "%" for w in words]
        ctes.append(("i", f"SELECT {columns} FROM {label} l WHERE {match}{scope}", [*match_params, *scope_params]))
    parts, params = [], []
    for n, (name, sql, branch_params) in enumerate(ctes):
        if n == 0:
            parts.append(f"{name} AS (SELECT * FROM ({sql}) b{n})")
            params += branch_params
            continue
        # Planned without its LIMIT (a materialised CTE is planned alone), an infix branch uses the
        # trigram index even when its LIMIT would tempt PostgreSQL into a sequential scan that
        # stops early, which walks most of the table when the matches sit in one thesaurus; and it
        # is still run only as far as the LIMIT outside reads it.
        better = " UNION ".join(f"SELECT concept_id FROM {prev}" for prev, _s, _p in ctes[:n])
        parts.append(f"{name}_all AS MATERIALIZED ({sql})")
        parts.append(
            f"{name} AS (SELECT * FROM (SELECT * FROM {name}_all LIMIT %s) b{n} "
            f"WHERE (SELECT COUNT(*) FROM ({better}) g{n}) < %s)"
        )
        params += [*branch_params, per_branch, limit]
    union = " UNION ALL ".join(f"SELECT * FROM {name}" for name, _s, _p in ctes)
    sql = (
        f"WITH {', '.join(parts)} "
        f"SELECT h.concept_id, h.text, h.norm, h.lang, h.is_pref, c.uri, c.pref_label_en, c.pref_label_fr, "
        f"c.notation, c.definition, c.broader_uri, b.id, b.pref_label_en, b.pref_label_fr, "
        f"t.slug, t.title, t.uri "
        f"FROM ({union}) h JOIN {concept} c ON c.id = h.concept_id JOIN {thesaurus} t ON t.id = c.thesaurus_id "
        f"LEFT JOIN {concept} b ON b.id = c.broader_id"
    )
    return sql, params


def concept_search(
    *, q: str, thesauri: list[str] | None = None, lang: str = "en", limit: int = 20, loaded_only: bool = False
) -> list[ConceptHit]:
    """Concepts whose labels match `q`, best first, at most `limit`; one query, two when
    `thesauri` (slugs) are given. Raises ValidationFailed for an unknown thesaurus or language;
    with `loaded_only` (a picker's thesauri), only when none of `thesauri` is loaded."""
    if lang not in LANGUAGES:
        raise ValidationFailed(f"Unknown language: {lang} (en or fr).", field="lang")
    limit = max(1, min(int(limit), MAX_LIMIT))
    norm = normalise(q[: MAX_QUERY * 2])[:MAX_QUERY]
    ids = _thesaurus_ids(thesauri, loaded_only=loaded_only) if thesauri else None
    if not norm:
        return []
    sql, params = _statement(norm, ids, limit)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    rows.sort(key=lambda r: (_rank(r[2], norm), not r[4], r[3] != lang, len(r[2]), r[2], r[0]))
    hits: dict[int, ConceptHit] = {}
    for (
        concept_id,
        text,
        _norm,
        _lang,
        _pref,
        uri,
        en,
        fr,
        notation,
        definition,
        broader_uri,
        broader_id,
        broader_en,
        broader_fr,
        slug,
        title,
        thesaurus_uri,
    ) in rows:
        if concept_id in hits:
            continue
        hits[concept_id] = ConceptHit(
            uri=uri,
            labels={"en": en, "fr": fr},
            notation=notation,
            definition=definition,
            thesaurus={"slug": slug, "title": title, "uri": thesaurus_uri},
            broader_uri=broader_uri,
            broader_labels={"en": broader_en, "fr": broader_fr} if broader_id else None,
            matched=text,
            lang=lang,
        )
        if len(hits) == limit:
            break
    return list(hits.values())
