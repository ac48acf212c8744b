"""REST endpoints for thesauri (public: vocabularies are public data)."""

from __future__ import annotations

from typing import Literal

from ninja import Router, Schema

from . import selectors

router = Router(tags=["vocabularies"])


class ThesaurusRef(Schema):
    slug: str
    title: str
    uri: str


class ThesaurusOut(ThesaurusRef):
    version: str
    concept_count: int
    loaded_at: str | None


class BroaderOut(Schema):
    uri: str
    label: str | None


class ConceptOut(Schema):
    uri: str
    label: str
    lang: str
    matched: str | None
    notation: str
    definition: str
    thesaurus: ThesaurusRef
    broader: BroaderOut | None


@router.get("/vocabularies", response=list[ThesaurusOut], auth=None, summary="Thesauri loaded")
def thesaurus_list(request):
    return [
        {
            "slug": t.slug,
            "title": t.title,
            "uri": t.uri,
            "version": t.version,
            "concept_count": t.concept_count,
            "loaded_at": t.loaded_at.isoformat() if t.loaded_at else None,
        }
        for t in selectors.thesaurus_list()
    ]


@router.get(
    "/vocabularies/concepts",
    response=list[ConceptOut],
    auth=None,
    summary="Type-ahead search of concepts by label (English and French, preferred and alternative)",
)
def concept_search(
    request,
    q: str = "",
    thesaurus: str = "",
    keyword_type: str = "",
    lang: Literal["en", "fr"] = "en",
    limit: int = 20,
):
    slugs = selectors.parse_thesauri(thesaurus, keyword_type or None)
    hits = selectors.concept_search(q=q, thesauri=slugs, lang=lang, limit=limit, loaded_only=not thesaurus.strip())
    return [hit.as_dict() for hit in hits]
