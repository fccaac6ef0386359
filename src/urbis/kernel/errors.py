"""The base of every anticipated failure: a stable machine-readable code and a human message."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar


class DomainError(Exception):
    """
    An anticipated failure that an interface reports as a 4xx with a stable code.

    Subclasses set ``code`` (stable, snake_case, documented) and ``status`` (the HTTP
    status an interface should use).
    """

    code: ClassVar[str] = "domain_error"
    status: ClassVar[int] = 422

    def __init__(self, message: str, *, details: Mapping[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details: dict[str, Any] = dict(details or {})


class NotFound(DomainError):
    code = "not_found"
    status = 404


class Conflict(DomainError):
    code = "conflict"
    status = 409


class InvalidValue(DomainError):
    code = "invalid_value"
    status = 422


class Forbidden(DomainError):
    code = "forbidden"
    status = 403


class NotAuthenticated(DomainError):
    code = "not_authenticated"
    status = 401
