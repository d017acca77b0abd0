"""Domain errors: classes that carry their data and a stable machine code.

``kind`` says what went wrong in business terms; the API maps each kind to one HTTP status
in a single place, so the domain never speaks HTTP.
"""

from __future__ import annotations

from typing import Any, ClassVar


class DomainError(Exception):
    code: ClassVar[str] = "domain_error"
    kind: ClassVar[str] = "invalid"  # invalid | not_found | conflict | gone | forbidden | locked | unavailable
    title: ClassVar[str] = "The request cannot be carried out"

    def __init__(self, detail: str, **data: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.data = data


class NotFound(DomainError):
    code = "not_found"
    kind = "not_found"
    title = "Not found"


class InvalidInput(DomainError):
    code = "validation_error"
    kind = "invalid"
    title = "Invalid input"


class Conflict(DomainError):
    code = "conflict"
    kind = "conflict"
    title = "Conflict"


class Forbidden(DomainError):
    code = "forbidden"
    kind = "forbidden"
    title = "Not allowed"


class Gone(DomainError):
    code = "gone"
    kind = "gone"
    title = "No longer valid"


class Unavailable(DomainError):
    """Something the change needs outside the database is missing (not the caller's fault)."""

    code = "unavailable"
    kind = "unavailable"
    title = "Service unavailable"


class IdempotencyMismatch(Conflict):
    code = "idempotency_mismatch"
    title = "Idempotency key reused with a different request"
