"""Staff pages under /staff: the admin's session decides who may see them.

One guard for every staff page: without an active admin session the browser is sent to the staff
login (303) with the page it asked for, and lands there once signed in (``api.staff_login``); a
handler reads the signed-in user with :func:`current_staff`. A signed-in account whose role may
not open the page (``admin.permissions.PAGES``: the route as declared; default-deny, no role
opens nothing) gets 403, a page saying so in Vietnamese.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlsplit

from litestar.connection import ASGIConnection
from litestar.exceptions import HTTPException
from litestar.handlers.base import BaseRouteHandler
from piccolo.apps.user.tables import BaseUser

from admin import permissions
from admin.complaint_report import SESSION_COOKIE, staff_for_session
from admin.role_access import refusal
from loyalty.staff import StaffGrant, role_of

LOGIN_PAGE = "/staff/login"
# The landing page after signing in: the programme's dashboard.
HOME = "/staff/dashboard"
MAX_NEXT = 2000


class StaffLoginRequired(HTTPException):
    status_code = 303
    detail = "sign in as staff first"


class RoleRefused(HTTPException):
    status_code = 403


async def staff_guard(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    user = await staff_for_session(connection.cookies.get(SESSION_COOKIE))
    if user is None:
        raise StaffLoginRequired()
    grant = await role_of(user.id)
    role = grant.role if grant is not None else None
    if not any(permissions.may_open(role, path) for path in handler.paths):
        raise RoleRefused(detail=refusal(grant, "mở trang này"))
    connection.state.staff = user
    connection.state.staff_grant = grant


def current_staff(request: Any) -> BaseUser:
    user: BaseUser = request.state.staff
    return user


def current_grant(request: Any) -> StaffGrant | None:
    """The signed-in account's role (and a store account's store), as the guard read it."""
    grant: StaffGrant | None = request.state.staff_grant
    return grant


def safe_next(raw: str | None) -> str:
    """Where to go after signing in: a page of this site under /staff or /admin, else the dashboard.

    Only a local path is ever returned, so the login cannot send anyone to another site
    (``//evil.com``, ``https://evil.com``, ``/\\evil.com`` and the like fall back to the home)."""
    if not raw or len(raw) > MAX_NEXT or any(ch <= " " or ch in "\\\x7f" for ch in raw):
        return HOME
    parts = urlsplit(raw)
    if parts.scheme or parts.netloc or not raw.startswith("/") or raw.startswith("//") or ".." in parts.path:
        return HOME
    if parts.path == "/staff" or parts.path.startswith(("/staff/", "/staff.", "/admin/")):
        return raw
    return HOME


def login_redirect(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    """The staff login's address that brings the browser back to the page it asked for."""
    target = connection.scope.get("path", "/")
    query = connection.scope.get("query_string", b"").decode("latin-1")
    if connection.scope.get("method", "GET") == "GET" and query:
        target += "?" + query
    return f"{LOGIN_PAGE}?next={quote(safe_next(target), safe='/')}"
