"""The wizard's type-ahead: GET /vocabularies/search?q=&thesaurus=a,b&lang=en|fr&limit=20 (public,
JSON). `keyword_type=parameter|instrument|platform|place|theme` stands for that picker's thesauri."""

from __future__ import annotations

from django.http import JsonResponse
from django.utils.translation import get_language
from django.views.decorators.http import require_GET

from core.errors import DomainError

from . import selectors


def _language(value: str | None) -> str:
    return value or ("fr" if (get_language() or "").startswith("fr") else "en")


@require_GET
def search(request):
    params = request.GET
    try:
        limit = int(params.get("limit") or 20)
    except ValueError:
        return JsonResponse(
            {
                "detail": "limit must be a whole number.",
                "code": "invalid_request",
                "problems": [{"field": "limit", "message": "limit must be a whole number."}],
            },
            status=400,
        )
    try:
        slugs = selectors.parse_thesauri(params.get("thesaurus"), params.get("keyword_type"))
        hits = selectors.concept_search(
            q=params.get("q", ""),
            thesauri=slugs,
            lang=_language(params.get("lang")),
            limit=limit,
            loaded_only=not params.get("thesaurus"),
        )
    except DomainError as exc:
        return JsonResponse(
            {
                "detail": exc.message,
                "code": "invalid_request",
                "problems": [{"field": exc.field, "message": exc.message}],
            },
            status=400,
        )
    return JsonResponse({"results": [hit.as_dict() for hit in hits]})
