"""/staff/login: the admin's own login (piccolo_api session_login), which returns to the page asked for.

Piccolo Admin's login page only ever opens the admin's home, so a staff member who followed a
link to a /staff page lost it on signing in. This is the same piccolo_api login, with its
template and CSRF check, and the same limit on failed logins, creating the same session cookie the admin reads, and
answering with a redirect to ``next`` (a local page only, see :func:`api.staff.safe_next`).
Only active admin users may sign in here. Without a ``next`` page an account lands on the
dashboard, or on the admin's home when its role may not open the dashboard (a store account):
not on a refusal. An account without a role lands on the page that says so.
"""

from __future__ import annotations

from typing import Any, cast

from litestar import asgi
from litestar.types import Receive, Scope, Send
from piccolo.apps.user.tables import BaseUser
from piccolo_api.csrf.middleware import CSRFMiddleware
from piccolo_api.session_auth.endpoints import session_login
from piccolo_api.shared.auth.hooks import LoginHooks
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp

from admin import permissions
from api.admin_login import limited_login
from api.staff import HOME, safe_next
from loyalty.settings import ADMIN, APP_ENV, AppEnv
from loyalty.staff import role_of

ADMIN_HOME = "/admin/"
NOT_STAFF = "Tài khoản này không phải tài khoản nhân viên · This account is not a staff account."


def _plain_username(username: str, **_: Any) -> str | None:
    # A NUL byte never reaches PostgreSQL (it refuses one in text): no user is called that.
    return "The username or password is incorrect." if "\x00" in username or len(username) > 100 else None


async def _staff_only(username: str, user_id: int, **_: Any) -> str | None:
    # After the password is checked, so the answer tells nothing about unknown accounts.
    user = await BaseUser.objects().where(BaseUser.id == user_id).first()
    return None if user is not None and user.active and user.admin else NOT_STAFF


_Login = session_login(
    redirect_to=HOME,
    production=APP_ENV is AppEnv.PRODUCTION,
    hooks=LoginHooks(pre_login=[_plain_username], login_success=[_staff_only]),
)


class StaffLogin(_Login):  # type: ignore[misc, valid-type]
    async def post(self, request: Request) -> Response:
        response = cast(Response, await super().post(request))
        if response.status_code == 303:
            target = safe_next(request.query_params.get("next"))
            if target == HOME and not await _may_open_home(request):
                target = ADMIN_HOME
            response.headers["location"] = target
        return response


async def _may_open_home(request: Request) -> bool:
    # Signed in already: the body the login read (the CSRF check keeps a form in the scope) names
    # the account.
    body: Any = request.scope.get("form")
    if not body:
        try:
            body = await request.json()
        except ValueError:
            body = await request.form()
    username = str(body.get("username") or "") if hasattr(body, "get") else ""
    user = await BaseUser.select(BaseUser.id).where(BaseUser.username == username).first()
    grant = await role_of(int(user["id"])) if user is not None else None
    return grant is None or permissions.may_open(grant.role, HOME)


LOGIN_APP: ASGIApp = CSRFMiddleware(
    StaffLogin,
    allowed_hosts=list(ADMIN.allowed_hosts),
    allow_form_param=True,
)


@asgi("/staff/login", is_mount=True, copy_scope=True, include_in_schema=False)
async def staff_login(scope: Scope, receive: Receive, send: Send) -> None:
    # Failed logins are limited as on the admin's own login: per (address, user) and per address,
    # counting failures only, so an attacker cannot lock the staff out (api.admin_login).
    app = cast(Any, LOGIN_APP)
    if scope.get("method") == "POST":
        await limited_login(app, scope, receive, send)
    else:
        await app(scope, receive, send)
