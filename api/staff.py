"""Staff pages under /staff: the admin's session decides who may see them.

One guard for every staff page: without an active admin session the browser is sent to the
admin login (303), and a handler reads the signed-in user with :func:`current_staff`.
"""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import HTTPException
from litestar.handlers.base import BaseRouteHandler
from piccolo.apps.user.tables import BaseUser

from admin.complaint_report import SESSION_COOKIE, staff_for_session

LOGIN_PAGE = "/admin/"


class StaffLoginRequired(HTTPException):
    status_code = 303
    detail = "sign in as staff first"


async def staff_guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    user = await staff_for_session(connection.cookies.get(SESSION_COOKIE))
    if user is None:
        raise StaffLoginRequired()
    connection.state.staff = user


def current_staff(request: Any) -> BaseUser:
    user: BaseUser = request.state.staff
    return user
