"""Middleware of the whole site: input that cannot be stored is refused before any view sees it."""

from __future__ import annotations

from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from .text import mended_text, text_problem


def _values(request, view_kwargs):
    """(name, text) of everything Django decoded from the request: path parameters, the query
    string and a form's fields (a JSON body is the API parser's business)."""
    for name, value in view_kwargs.items():
        yield name, value
    for source in (request.GET, request.POST):
        for name, values in source.lists():
            yield name, name
            for value in values:
                yield name, value


class RefuseUnstorableInputMiddleware:
    """A NUL character in a path, a query string or a form field is answered with a message naming
    the field (a 400 page, or the API's 422 `invalid_request`), on every page and API endpoint:
    PostgreSQL refuses NUL in text, and a search, a look-up or a form would otherwise fail with a
    server error (or, in a form Django validates, with a message no person could act on). Lone
    surrogates never get this far: Django decodes paths, query strings and forms with replacement
    characters."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        for name, value in _values(request, view_kwargs):
            if isinstance(value, str) and (message := text_problem(value)):
                return self._refusal(request, mended_text(name), _(message))
        return None

    def _refusal(self, request, field: str, message: str):
        problems = [{"field": field, "message": message}]
        match = request.resolver_match
        if match is not None and match.namespace == "api":
            # the API's one error shape (config/api.py)
            return JsonResponse(
                {"detail": _("The request is not valid."), "code": "invalid_request", "problems": problems}, status=422
            )
        if request.get_preferred_type(["text/html", "application/json"]) == "application/json":
            # a page's script (the wizard's autosave) shows `detail`
            detail = _("Field “%(field)s”: %(message)s") % {"field": field, "message": message}
            return JsonResponse({"detail": detail, "code": "invalid_request", "problems": problems}, status=400)
        return render(request, "core/input_refused.html", {"field": field, "message": message}, status=400)
