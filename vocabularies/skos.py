"""Reading SKOS files (RDF/XML, Turtle, N-Triples) into plain records, one per thesaurus found.

Knows the quirks of the community exports we load (see ../shared/vocabularies/README.md):
- NVS collections: one `skos:Collection` whose `skos:member`s are the concepts; their
  `skos:inScheme` links name other NVS schemes, so membership of a collection wins; `owl:deprecated`
  is the plain string "true"/"false"; many `skos:altLabel ""`; `skos:broader` points outside the file.
- GCMD KMS RDF/XML: concept URIs relative to `xml:base` (rdflib resolves them), no
  `skos:ConceptScheme` node (only `skos:inScheme` references), alternative labels as
  `<gcmd:altLabel gcmd:text="..."/>` (a blank node with a `gcmd:text`), version in a `gcmd:gcmd` block.
- GCMD 2024 Turtle: a `skos:ConceptScheme` node that may name another scheme than the concepts'
  `skos:inScheme`: the concepts' own links decide.
- INSPIRE / GeoNetwork: multilingual labels; only English and French are kept.
Knows nothing of the database."""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from django.utils.text import slugify
from rdflib import RDF, RDFS, BNode, Graph, Literal, URIRef
from rdflib.namespace import DC, DCTERMS, OWL, SKOS

from .models import LANGUAGES

GCMD_NAMESPACES = ("http://gcmd.gsfc.nasa.gov/kms#", "https://gcmd.earthdata.nasa.gov/kms#")
FORMATS = {
    "turtle": "turtle",
    "ttl": "turtle",
    "xml": "xml",
    "rdf": "xml",
    "owl": "xml",
    "nt": "nt",
    "ntriples": "nt",
    "n3": "n3",
    "jsonld": "json-ld",
    "json-ld": "json-ld",
}
DEFINITION_MAX = 1000

# Titles of GCMD schemes, which the KMS RDF/XML names only by URI.
GCMD_TITLES = {
    "sciencekeywords": "GCMD Science Keywords",
    "instruments": "GCMD Instruments",
    "platforms": "GCMD Platforms",
    "locations": "GCMD Locations",
    "providers": "GCMD Providers",
    "projects": "GCMD Projects",
    "horizontalresolutionrange": "GCMD Horizontal Resolution Ranges",
}


class SkosError(Exception):
    """The file cannot be read as SKOS."""


@dataclass
class ParsedConcept:
    uri: str
    pref: dict[str, str] = field(default_factory=dict)
    alt: dict[str, list[str]] = field(default_factory=dict)
    notation: str = ""
    definition: str = ""
    broader_uri: str = ""
    replaced_by_uri: str = ""
    deprecated: bool = False


@dataclass
class ParsedThesaurus:
    uri: str
    title: str
    version: str = ""
    concepts: list[ParsedConcept] = field(default_factory=list)

    @property
    def suggested_slug(self) -> str:
        return slug_for(self.uri, self.title)


def guess_format(path: Path | str, fmt: str | None = None) -> str:
    key = (fmt or Path(path).suffix.lstrip(".")).lower()
    if key not in FORMATS:
        raise SkosError(f"Unknown RDF format {key!r}: use --format turtle, xml or nt.")
    return FORMATS[key]


def read_skos(path: Path | str, fmt: str | None = None) -> list[ParsedThesaurus]:
    """Parse `path` and return its thesauri, largest first. Raises SkosError."""
    graph = Graph()
    try:
        graph.parse(str(path), format=guess_format(path, fmt))
    except SkosError:
        raise
    except Exception as exc:  # rdflib raises many types (SAX, BadSyntax, ValueError...)
        raise SkosError(f"{Path(path).name} is not valid {guess_format(path, fmt)}: {exc}") from exc
    return thesauri_in(graph)


def thesauri_in(graph: Graph) -> list[ParsedThesaurus]:
    concept_uris = {c for c in graph.subjects(RDF.type, SKOS.Concept) if isinstance(c, URIRef)}
    if not concept_uris:
        raise SkosError("The file holds no skos:Concept.")
    groups: dict[str, list[URIRef]] = defaultdict(list)
    for concept, group in _group_concepts(graph, concept_uris).items():
        groups[group].append(concept)
    version = _file_version(graph)
    thesauri = []
    for group_uri, members in groups.items():
        node = URIRef(group_uri) if group_uri else None
        concepts = sorted((_concept(graph, c, concept_uris) for c in members), key=lambda c: c.uri)
        thesauri.append(
            ParsedThesaurus(
                uri=group_uri,
                title=_title(graph, node, group_uri),
                version=_version(graph, node) or version,
                concepts=concepts,
            )
        )
    return sorted(thesauri, key=lambda t: (-len(t.concepts), t.uri))


def _group_concepts(graph: Graph, concepts: set[URIRef]) -> dict[URIRef, str]:
    """Which thesaurus each concept belongs to: the skos:Collection listing it, else its most common
    skos:inScheme (or skos:topConceptOf) target across the file, else the file itself ("")."""
    collection_of: dict[URIRef, str] = {}
    for collection in sorted(graph.subjects(RDF.type, SKOS.Collection)):
        for member in graph.objects(collection, SKOS.member):
            if member in concepts and isinstance(collection, URIRef):
                collection_of.setdefault(member, str(collection))
    schemes_of = {
        c: {str(s) for p in (SKOS.inScheme, SKOS.topConceptOf) for s in graph.objects(c, p) if isinstance(s, URIRef)}
        for c in concepts
    }
    frequency = Counter(s for schemes in schemes_of.values() for s in schemes)
    grouping = {}
    for concept in concepts:
        if concept in collection_of:
            grouping[concept] = collection_of[concept]
        elif schemes_of[concept]:
            grouping[concept] = min(schemes_of[concept], key=lambda s: (-frequency[s], s))
        else:
            grouping[concept] = ""
    return grouping


def _literals(graph: Graph, subject, predicate) -> list[Literal]:
    return [o for o in graph.objects(subject, predicate) if isinstance(o, Literal)]


def _by_language(literals: list[Literal]) -> dict[str, list[str]]:
    """Non-empty texts by language (en, fr); untagged literals count as English, as in the NVS
    and GCMD exports, whose texts are English or codes."""
    out: dict[str, list[str]] = defaultdict(list)
    for lit in sorted(literals, key=lambda x: (x.language or "", str(x))):
        text = " ".join(str(lit).split())
        lang = (lit.language or "en").lower().split("-")[0]
        if text and lang in LANGUAGES and text not in out[lang]:
            out[lang].append(text)
    return out


def _first_text(graph: Graph, subject, predicates) -> str:
    for predicate in predicates:
        texts = _by_language(_literals(graph, subject, predicate))
        for lang in ("en", "fr"):
            if texts.get(lang):
                return texts[lang][0]
        others = [" ".join(str(x).split()) for x in _literals(graph, subject, predicate) if str(x).strip()]
        if others:
            return sorted(others)[0]
    return ""


def _is_true(value) -> bool:
    # NVS writes owl:deprecated as the plain string "true"; others as xsd:boolean.
    return str(value).strip().lower() in ("true", "1")


def _gcmd_alt_labels(graph: Graph, concept) -> list[Literal]:
    out = []
    for ns in GCMD_NAMESPACES:
        for node in graph.objects(concept, URIRef(ns + "altLabel")):
            if isinstance(node, BNode):
                out += _literals(graph, node, URIRef(ns + "text"))
            elif isinstance(node, Literal):
                out.append(node)
    return out


def _definition(graph: Graph, concept) -> str:
    text = _first_text(graph, concept, (SKOS.definition, SKOS.scopeNote, DCTERMS.description))
    if text.startswith("{"):
        try:  # C19 "definitions" are JSON bounding boxes: data, not a definition to show.
            json.loads(text)
            return ""
        except ValueError:
            pass
    if len(text) > DEFINITION_MAX:
        text = text[: DEFINITION_MAX - 1].rsplit(" ", 1)[0] + "…"
    return text


def _concept(graph: Graph, uri: URIRef, in_file: set[URIRef]) -> ParsedConcept:
    pref = _by_language(_literals(graph, uri, SKOS.prefLabel))
    alt = _by_language(_literals(graph, uri, SKOS.altLabel) + _gcmd_alt_labels(graph, uri))
    pref_labels = {lang: texts[0] for lang, texts in pref.items()}
    # Extra prefLabels in one language (not in these files, but legal in some exports) are kept as
    # alternatives rather than lost; an alt label equal to a preferred one is dropped.
    for lang, texts in pref.items():
        alt.setdefault(lang, [])
        alt[lang] = texts[1:] + alt[lang]
    seen = {t.casefold() for t in pref_labels.values()}
    alt_labels = {}
    for lang in LANGUAGES:
        kept = []
        for text in alt.get(lang, []):
            if text.casefold() not in seen:
                seen.add(text.casefold())
                kept.append(text)
        if kept:
            alt_labels[lang] = kept
    broader = sorted(str(b) for b in graph.objects(uri, SKOS.broader) if isinstance(b, URIRef))
    inside = [b for b in broader if URIRef(b) in in_file]
    notations = sorted(str(n).strip() for n in graph.objects(uri, SKOS.notation) if str(n).strip())
    replaced = sorted(str(r) for r in graph.objects(uri, DCTERMS.isReplacedBy) if isinstance(r, URIRef))
    return ParsedConcept(
        uri=str(uri),
        pref=pref_labels,
        alt=alt_labels,
        notation=notations[0][:100] if notations else "",
        definition=_definition(graph, uri),
        broader_uri=(inside or broader or [""])[0],
        replaced_by_uri=replaced[0] if replaced else "",
        deprecated=any(_is_true(v) for v in graph.objects(uri, OWL.deprecated)),
    )


def _title(graph: Graph, node, uri: str) -> str:
    if node is not None:
        title = _first_text(graph, node, (SKOS.prefLabel, DCTERMS.title, DC.title, RDFS.label))
        if title:
            return title
    gcmd = re.search(r"/concept_scheme/([^/]+)/?$", uri)
    if gcmd:
        return GCMD_TITLES.get(gcmd.group(1).lower(), f"GCMD {gcmd.group(1)}")
    return uri.rstrip("/").rsplit("/", 1)[-1] if uri else ""


def _version(graph: Graph, node) -> str:
    if node is None:
        return ""
    for predicate in (OWL.versionInfo, DCTERMS.modified, DCTERMS.issued, DC.date):
        values = sorted(str(v).strip() for v in graph.objects(node, predicate) if str(v).strip())
        if values:
            return values[0][:100]
    return ""


def _file_version(graph: Graph) -> str:
    """GCMD's `gcmd:gcmd` block: keywordVersion and schemeVersion."""
    for ns in GCMD_NAMESPACES:
        for block in graph.subjects(URIRef(ns + "keywordVersion"), None):
            keyword = graph.value(block, URIRef(ns + "keywordVersion"))
            scheme = graph.value(block, URIRef(ns + "schemeVersion"))
            return " ".join(str(v) for v in (keyword, scheme and f"({scheme})") if v)[:100]
    return ""


_NVS = re.compile(r"^https?://vocab\.nerc\.ac\.uk/(collection|scheme)/([^/]+)/")
_KNOWN_SLUGS = {
    "http://inspire.ec.europa.eu/theme": "inspire-themes",
    "http://inspire.ec.europa.eu/metadata-codelist/TopicCategory": "iso19115-topic-categories",
}


def slug_for(uri: str, title: str = "") -> str:
    """A stable slug for a thesaurus URI: nvs-p02, gcmd-platforms, inspire-themes..."""
    uri = uri.rstrip("/")
    if uri in _KNOWN_SLUGS:
        return _KNOWN_SLUGS[uri]
    nvs = _NVS.match(uri + "/")
    if nvs:
        return slugify(f"nvs-{nvs.group(2)}")[:64]
    gcmd = re.search(r"gcmd\.earthdata\.nasa\.gov/kms/concepts/concept_scheme/([^/]+)$", uri)
    if gcmd:
        return slugify(f"gcmd-{gcmd.group(1)}")[:64]
    return slugify(title or uri.rsplit("/", 1)[-1])[:64]
