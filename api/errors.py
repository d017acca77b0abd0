"""RFC 9457 problem details: every error the API answers, in one place.

Each answer is ``application/problem+json`` with ``type``, ``title``, ``status``, ``detail`` and a
stable machine ``code``. Domain errors map by their ``kind``; Litestar's own errors by status.
A database that cannot be reached answers 503 ``database_unavailable`` with ``Retry-After``; a
member whose ledger no longer adds up answers 409 ``ledger_under_review`` and staff get an alert
row in the audit log (:func:`alert_staff`). The staff pages under ``/staff`` are read in a
browser: there the same problem becomes an HTML page (``api.staff_pages.error_page``), unless
the client asks for JSON.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR
from litestar.types import ExceptionHandlersMap, Scope

from api.metrics import PROBLEMS
from api.staff import StaffLoginRequired, login_redirect
from api.staff_pages import error_page
from loyalty import audit
from loyalty.db import is_connection_failure
from loyalty.errors import DomainError
from loyalty.points import LedgerBroken

log = logging.getLogger("api.errors")

PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "https://thanthiet.dev/problems/"
RETRY_AFTER_S = 5  # a restarting database is usually back within seconds
STATUS_BY_KIND = {
    "invalid": 422,
    "not_found": 404,
    "conflict": 409,
    "gone": 410,
    "forbidden": 403,
    "unauthorized": 401,
    "too_large": 413,
    "locked": 423,
    "unavailable": 503,
}
CODE_BY_STATUS = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "body_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
    503: "unavailable",
}
TITLE_BY_STATUS = {
    400: "Bad request",
    401: "Not signed in",
    403: "Not allowed",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Request body too large",
    415: "Unsupported media type",
    422: "Invalid input",
    429: "Too many requests",
    500: "Internal error",
    503: "Service unavailable",
}


class ApiProblem(HTTPException):
    """An HTTP-level problem raised by the API itself (auth, idempotency, limits)."""

    def __init__(self, status_code: int, code: str, detail: str, **extra: Any) -> None:
        super().__init__(status_code=status_code, detail=detail)
        self.code = code
        self.extra_fields = extra


def problem(
    status: int,
    code: str,
    detail: str,
    *,
    title: str | None = None,
    headers: dict[str, str] | None = None,
    extra: dict[str, Any] | None = None,
) -> Response[dict[str, Any]]:
    body: dict[str, Any] = {
        "type": TYPE_BASE + code,
        "title": title or TITLE_BY_STATUS.get(status, "Error"),
        "status": status,
        "detail": detail,
        "code": code,
    }
    body.update({k: v for k, v in (extra or {}).items() if k not in body})
    PROBLEMS.labels(str(status), code).inc()
    return Response(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _domain_error(_: Request[Any, Any, Any], exc: DomainError) -> Response[dict[str, Any]]:
    status = STATUS_BY_KIND.get(exc.kind, 422)
    # The error's data never overrides the problem's own members (code, status, …).
    return problem(status, exc.code, exc.detail, title=exc.title, extra=_jsonable(exc.data))


def _validation_error(request: Request[Any, Any, Any], exc: ValidationException) -> Response[dict[str, Any]]:
    detail = str(exc.detail)
    errors = exc.extra if isinstance(exc.extra, list) else []
    if errors:
        detail = "; ".join(_describe(e) for e in errors if isinstance(e, dict)) or detail
    if "JSON" in str(exc.detail) and not errors:
        return problem(400, "malformed_body", f"the body is not valid JSON: {exc.detail}")
    if _is_staff_page(request):
        # A page's bad query or form is a bad request; the JSON API keeps its 422 (CONTRACT.md).
        return problem(400, "bad_request", detail, extra={"errors": errors})
    return problem(422, "validation_error", detail, extra={"errors": errors})


def _describe(error: dict[str, Any]) -> str:
    key = error.get("key")
    message = str(error.get("message", "invalid"))
    return f"{key}: {message}" if key else message


def _http_error(_: Request[Any, Any, Any], exc: HTTPException) -> Response[dict[str, Any]]:
    status = exc.status_code
    code = getattr(exc, "code", None) or CODE_BY_STATUS.get(status, "error")
    extra = getattr(exc, "extra_fields", None) or {}
    headers = dict(exc.headers or {})
    if status == 401:
        headers.setdefault("WWW-Authenticate", "Bearer")
    return problem(status, code, str(exc.detail), headers=headers or None, extra=extra)


def database_unavailable() -> Response[dict[str, Any]]:
    return problem(
        503,
        "database_unavailable",
        "the database cannot be reached just now; nothing was changed, try again shortly",
        headers={"Retry-After": str(RETRY_AFTER_S)},
    )


def _ledger_broken(_: Request[Any, Any, Any], exc: LedgerBroken) -> Response[dict[str, Any]]:
    return problem(
        409,
        "ledger_under_review",
        "this member's points do not add up and staff have been alerted to check them; nothing was "
        "changed, and points cannot be spent until they are put right",
        title="Points under review",
    )


async def alert_staff(exc: Exception, scope: Scope) -> None:
    """After-exception hook: a broken ledger is written down where staff look (the audit log)."""
    if not isinstance(exc, LedgerBroken):
        return
    where = f"{scope.get('method', '')} {scope.get('path', '')}".strip()
    log.error("ledger broken for member %s on %s: %s", exc.member_id, where, exc.detail)
    try:
        await audit.alert("ledger.broken", "member", exc.member_id or "", detail=exc.detail, request=where)
    except Exception:  # the answer still goes out; the ERROR line above is the fallback alert
        log.exception("could not write the ledger alert for member %s", exc.member_id)


def _unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[dict[str, Any]]:
    if is_connection_failure(exc):
        log.warning("database unreachable on %s %s: %r", request.method, request.url.path, exc)
        return database_unavailable()
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return problem(
        HTTP_500_INTERNAL_SERVER_ERROR, "internal_error", "something went wrong on our side; it has been logged"
    )


def _jsonable(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v if isinstance(v, (str, int, bool, type(None), list, dict)) else str(v) for k, v in data.items()}


def _staff_login(request: Request[Any, Any, Any], exc: HTTPException) -> Response[str]:
    # A staff page opened without an admin session: a browser, so send it to the login, which
    # brings it back to this page afterwards.
    return Response("", status_code=303, headers={"Location": login_redirect(request)})


def _is_staff_page(request: Request[Any, Any, Any]) -> bool:
    # The path as sent: inside a mounted app (the staff login) "path" holds only the rest of it.
    raw = request.scope.get("raw_path")
    path = raw.decode("latin-1").split("?", 1)[0] if raw else request.scope.get("path", "")
    return path == "/staff" or path.startswith(("/staff/", "/staff."))


def _wants_html(request: Request[Any, Any, Any]) -> bool:
    if not _is_staff_page(request):
        return False
    best = request.accept.best_match(["text/html", "application/json", PROBLEM_JSON], default="text/html")
    return best == "text/html"


Handler = Callable[[Request[Any, Any, Any], Any], Response[Any]]


def _pages_for_staff(handler: Handler) -> Handler:
    """The problem as an HTML page when a browser asked for a /staff page."""

    def handle(request: Request[Any, Any, Any], exc: Any) -> Response[Any]:
        answer = handler(request, exc)
        if not _wants_html(request) or not isinstance(answer.content, dict):
            return answer
        status = int(answer.status_code or 500)
        headers = {k: v for k, v in (answer.headers or {}).items() if k.lower() != "www-authenticate"}
        return error_page(status, str(answer.content.get("detail", "")), headers=headers)

    return handle


EXCEPTION_HANDLERS: ExceptionHandlersMap = {
    StaffLoginRequired: _staff_login,
    DomainError: _pages_for_staff(_domain_error),
    LedgerBroken: _pages_for_staff(_ledger_broken),
    ValidationException: _pages_for_staff(_validation_error),
    HTTPException: _pages_for_staff(_http_error),
    Exception: _pages_for_staff(_unexpected),
}
