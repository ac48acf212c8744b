"""Domain errors: services raise these, views and the API turn them into messages and codes."""

from __future__ import annotations


class DomainError(Exception):
    """A request the domain refuses. `field` names the input at fault, when there is one."""

    status_code = 400

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code or self.__class__.__name__


class ValidationFailed(DomainError):
    """Input that fails validation; `problems` lists every problem, each against its field."""

    status_code = 422

    def __init__(self, message: str, *, problems: list[dict] | None = None, field: str | None = None):
        super().__init__(message, field=field)
        self.problems = problems or ([{"field": field, "message": message}] if field else [])


class PermissionDenied(DomainError):
    status_code = 403


class NotFound(DomainError):
    status_code = 404


class Conflict(DomainError):
    """The action is not possible in the object's current state (illegal transition, stale revision)."""

    status_code = 409
