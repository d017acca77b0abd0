"""Who is calling: members by Firebase ID token, tills by terminal key.

Missing or bad credentials answer 401; a valid credential of the other kind answers 403.
Firebase verification runs in a thread: firebase_admin is blocking. A till key found live is
trusted for ``TERMINAL_CACHE_TTL_S`` (5 s) per process: revoking takes up to that long to bite.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import firebase_admin
import google.auth.credentials
from firebase_admin import auth as firebase_auth
from firebase_admin import credentials
from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

from api.errors import ApiProblem
from api.settings import Settings
from loyalty.members import member_for_sign_in
from loyalty.stores import KEY_PREFIX, terminal_for_key
from loyalty.tables import Member, Terminal

FIREBASE_APP_NAME = "thanthiet"


def init_firebase(settings: Settings) -> firebase_admin.App:
    """Initialise firebase_admin once per process (and again only if the project changes)."""
    try:
        app = firebase_admin.get_app(FIREBASE_APP_NAME)
        if app.project_id == settings.firebase_project_id:
            return app
        firebase_admin.delete_app(app)
    except ValueError:
        pass
    # Verifying ID tokens needs only the project id and Google's public keys; without a service
    # account firebase_admin would fall back to Application Default Credentials and fail every
    # member request with DefaultCredentialsError, so it gets anonymous credentials instead.
    credential: credentials.Base | google.auth.credentials.Credentials
    credential = google.auth.credentials.AnonymousCredentials()  # type: ignore[no-untyped-call]
    if settings.google_application_credentials:
        credential = credentials.Certificate(settings.google_application_credentials)
    return firebase_admin.initialize_app(
        credential, options={"projectId": settings.firebase_project_id}, name=FIREBASE_APP_NAME
    )


def bearer(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    header = connection.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise ApiProblem(401, "unauthorized", "send Authorization: Bearer <token>")
    return value.strip()


async def verify_member_token(token: str, settings: Settings) -> dict[str, Any]:
    """The token's claims, or a 401 problem."""
    app = firebase_admin.get_app(FIREBASE_APP_NAME)
    try:
        claims: dict[str, Any] = await asyncio.to_thread(firebase_auth.verify_id_token, token, app)
    except (ValueError, firebase_auth.InvalidIdTokenError, firebase_auth.ExpiredIdTokenError) as exc:
        raise ApiProblem(401, "token_invalid", f"the ID token was refused: {_first_line(exc)}") from exc
    except firebase_auth.CertificateFetchError as exc:
        raise ApiProblem(503, "auth_unavailable", "cannot reach Firebase to check the token") from exc
    _check_claim_types(claims)
    if settings.firebase_auth_emulator_host and claims["exp"] < time.time():
        # firebase_admin skips the expiry check for emulator tokens; we do not.
        raise ApiProblem(401, "token_expired", "the ID token has expired")
    return claims


def _check_claim_types(claims: dict[str, Any]) -> None:
    # Emulator tokens are unsigned: their claims can hold anything, so they are typed here.
    uid, phone, exp = claims.get("uid"), claims.get("phone_number"), claims.get("exp", 0)
    if not isinstance(uid, str) or not uid or not (phone is None or isinstance(phone, str)):
        raise ApiProblem(401, "token_invalid", "the ID token was refused: uid and phone_number must be text")
    if isinstance(exp, bool) or not isinstance(exp, int | float):
        raise ApiProblem(401, "token_invalid", "the ID token was refused: exp must be a number")


def _first_line(exc: Exception) -> str:
    return str(exc).split("\n", 1)[0][:300]


async def member_guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    token = bearer(connection)
    settings: Settings = connection.app.state.settings
    if token.startswith(KEY_PREFIX):
        if await terminal_for_key(token) is not None:
            raise ApiProblem(403, "wrong_credential", "a till key cannot be used on member paths")
        raise ApiProblem(401, "unauthorized", "unknown credential")
    claims = await verify_member_token(token, settings)
    member = await member_for_sign_in(claims["uid"], claims.get("phone_number"))
    if member.erased_at is not None:
        raise ApiProblem(401, "member_erased", "this account was erased")
    connection.state.member = member


# Till keys found live are remembered per process for a few seconds, so a till's stream of
# requests costs no database read each: a revoked key keeps working for at most this long in a
# process that saw it just before (there is no cross-process invalidation). Unknown keys are not
# remembered (nothing to flood), and each entry expires on its own.
TERMINAL_CACHE_TTL_S = 5.0
TERMINAL_CACHE_MAX = 10_000
_terminals: dict[str, tuple[float, Terminal]] = {}


async def cached_terminal_for_key(token: str, clock: Callable[[], float] = time.monotonic) -> Terminal | None:
    now = clock()
    hit = _terminals.get(token)
    if hit is not None and hit[0] > now:
        return hit[1]
    terminal = await terminal_for_key(token)
    if terminal is None:
        _terminals.pop(token, None)
        return None
    if len(_terminals) >= TERMINAL_CACHE_MAX:
        _terminals.clear()
    _terminals[token] = (now + TERMINAL_CACHE_TTL_S, terminal)
    return terminal


async def terminal_guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    token = bearer(connection)
    terminal = await cached_terminal_for_key(token)
    if terminal is not None:
        connection.state.terminal = terminal
        return
    if token.count(".") == 2:
        settings: Settings = connection.app.state.settings
        try:
            await verify_member_token(token, settings)
        except ApiProblem:
            raise ApiProblem(401, "unauthorized", "unknown or revoked till key") from None
        raise ApiProblem(403, "wrong_credential", "a member token cannot be used on till paths")
    raise ApiProblem(401, "unauthorized", "unknown or revoked till key")


def current_member(request: Any) -> Member:
    member: Member = request.state.member
    return member


def current_terminal(request: Any) -> Terminal:
    terminal: Terminal = request.state.terminal
    return terminal
