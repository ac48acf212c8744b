"""The REST API (django-ninja): token authentication (and, for the browser uploader's endpoints only,
the signed-in session with its CSRF token), one error shape, routers from the apps. Described at
/api/openapi.json, browsable at /api/docs."""

from __future__ import annotations

import json

from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.parser import Parser
from ninja.security import HttpBearer
from ninja.utils import check_csrf
from pydantic import Field

from accounts.services import api_token_authenticate
from core.errors import DomainError, PermissionDenied, ValidationFailed
from core.text import DEPTH_MESSAGE, input_problem


class TokenAuth(HttpBearer):
    """`Authorization: Bearer estran_<prefix>_<secret>`, as created with `estran_createuser --token`
    or on the account page."""

    openapi_scheme = "bearer"

    def authenticate(self, request: HttpRequest, token: str):
        user = api_token_authenticate(raw=token)
        if user is not None:
            request.user = user
        return user


class UploaderSessionAuth:
    """The signed-in browser session, accepted only by the endpoints the site's own browser uploader
    calls (static/js/uploader.js), and only with the CSRF token for unsafe methods (`X-CSRFToken`).

    Deliberately narrow: a request that carries an `Authorization` header is the token's business
    alone, anonymous requests fall through to the usual 401, and every other endpoint stays
    token-only. It is not published in the OpenAPI description (not an AuthBase): it is how the
    site's pages use the API, not a contract for clients."""

    # (method, URL name) of each operation; a URL name is the view's function name in deposit/api.py
    # (one per path: `upload_detail` names GET and DELETE /uploads/{id}).
    OPERATIONS = frozenset(
        {
            ("POST", "upload_open"),  # POST /deposits/{id}/uploads
            ("GET", "upload_detail"),  # GET /uploads/{id}: stored_parts, to resume
            ("DELETE", "upload_detail"),  # DELETE /uploads/{id}: cancel
            ("POST", "upload_sign_parts"),  # POST /uploads/{id}/parts
            ("POST", "upload_complete"),  # POST /uploads/{id}/complete
            ("GET", "file_list"),  # GET /deposits/{id}/files: a file's state after completion
        }
    )

    def __call__(self, request: HttpRequest):
        if "authorization" in request.headers:
            return None
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        match = request.resolver_match
        if match is None or match.namespace != "api":
            return None
        if (request.method, match.url_name) not in self.OPERATIONS:
            return None
        if check_csrf(request) is not None:  # Django's own check: the token, and Origin / Referer
            raise PermissionDenied(
                _("The CSRF token is missing or wrong: reload the page and try again."),
                code="csrf_failed",
            )
        return user


class StrictJSONParser(Parser):
    """Request bodies holding only what can be stored (see core.text): no NaN or Infinity (which
    Python's JSON reader accepts), no number beyond a float's range (`1e999` reads as infinity) or
    beyond 64 bits, no NUL character, no lone surrogate, no absurd nesting. django-ninja turns any
    exception raised here into a 400; the `HttpError` handler below answers with the error that
    caused it, in the API's shape, naming the field at fault. Query strings and path parameters are
    checked by core.middleware."""

    def parse_body(self, request: HttpRequest):
        try:
            data = json.loads(request.body)
        except RecursionError:
            raise DomainError(_(DEPTH_MESSAGE), code="invalid_json") from None
        except ValueError as exc:  # UnicodeDecodeError and JSONDecodeError among them
            raise DomainError(
                _("The request body is not valid JSON: %(error)s") % {"error": _(str(exc))}, code="invalid_json"
            ) from None
        problem = input_problem(data)
        if problem is not None:
            field, message = problem
            raise ValidationFailed(_(message), field=field or None)
        return data


class ProblemOut(Schema):
    field: str | None = Field(description="The input at fault, as a dotted path (`metadata.titles.0.title`).")
    message: str
    step: str | None = Field(default=None, description="For the metadata's problems: the wizard step of the field.")


class ErrorOut(Schema):
    """The one shape of every error the API answers."""

    detail: str = Field(description="What went wrong, in a sentence.")
    code: str = Field(description="A stable code to test in a program, e.g. `invalid_request`, `NotFound`, `stale`.")
    problems: list[ProblemOut] = Field(default=[], description="Each problem against its field, when there are some.")


class EstranAPI(NinjaAPI):
    def get_openapi_schema(self, *args, **kwargs):
        """The description, with the error shape documented as every operation's other answer
        (`default`): errors are 4xx (and 503 when a store does not answer), never another shape."""
        schema = super().get_openapi_schema(*args, **kwargs)
        error = ErrorOut.model_json_schema(ref_template="#/components/schemas/{model}")
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components.update(error.pop("$defs", {}))
        components["Error"] = error
        for operations in schema["paths"].values():
            for operation in operations.values():
                operation["responses"].setdefault(
                    "default",
                    {
                        "description": "An error (4xx; 503 when the object store does not answer).",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
                    },
                )
        return schema


api = EstranAPI(
    title="Estran API",
    version="1",
    description=(
        "Deposit, upload, submit and moderate datasets; read published records. "
        "Authenticate with `Authorization: Bearer <token>`."
    ),
    auth=[TokenAuth(), UploaderSessionAuth()],
    urls_namespace="api",
    parser=StrictJSONParser(),
)


@api.exception_handler(DomainError)
def _domain_error(request, exc: DomainError):
    body = {"detail": exc.message, "code": exc.code}
    if isinstance(exc, ValidationFailed):
        body["problems"] = exc.problems
    elif exc.field:
        body["problems"] = [{"field": exc.field, "message": exc.message}]
    return api.create_response(request, body, status=exc.status_code)


def _input_field(loc) -> str | None:
    """The field a request-validation error names: django-ninja's `loc` is (source, name...), and a
    JSON body adds the view's parameter name, e.g. ("body", "payload", "size") -> "size"."""
    parts = [str(p) for p in loc or ()]
    parts = parts[2:] if parts[:1] == ["body"] else parts[1:]
    return ".".join(parts) or None


@api.exception_handler(ValidationError)
def _input_error(request, exc: ValidationError):
    problems = [{"field": _input_field(e.get("loc")), "message": e.get("msg")} for e in exc.errors]
    return api.create_response(
        request, {"detail": "The request is not valid.", "code": "invalid_request", "problems": problems}, status=422
    )


@api.exception_handler(HttpError)
def _http_error(request, exc: HttpError):
    """django-ninja's own errors (a body it could not parse, above all) in the API's shape."""
    if isinstance(exc.__cause__, DomainError):  # what StrictJSONParser refused, and why
        return _domain_error(request, exc.__cause__)
    return api.create_response(request, {"detail": str(exc), "code": "bad_request"}, status=exc.status_code)


@api.exception_handler(Http404)
def _not_found(request, exc):
    return api.create_response(request, {"detail": _("Not found."), "code": "NotFound"}, status=404)


@api.exception_handler(AuthenticationError)
def _auth_error(request, exc):
    return api.create_response(
        request,
        {"detail": "A valid API token is required (Authorization: Bearer <token>).", "code": "unauthenticated"},
        status=401,
    )


from deposit.api import router as deposit_router  # noqa: E402
from deposit.api_reviewer_links import router as reviewer_links_router  # noqa: E402
from moderation.api import router as moderation_router  # noqa: E402
from moderation.api_comments import router as comments_router  # noqa: E402
from notifications.api import router as notifications_router  # noqa: E402
from repository.api import router as repository_router  # noqa: E402
from vocabularies.api import router as vocabularies_router  # noqa: E402

api.add_router("/", deposit_router)
api.add_router("/", reviewer_links_router)
api.add_router("/", repository_router)
api.add_router("/", moderation_router)
api.add_router("/", comments_router)
api.add_router("/", notifications_router)
api.add_router("/", vocabularies_router)
