"""Who is calling: members by Firebase ID token, tills by terminal key.

Missing or bad credentials answer 401; a valid credential of the other kind answers 403. Each
such refusal counts against the client address's budget of failed sign-ins; requests are
counted per member uid and per till id (``api.rate_limit``).
Firebase verification runs in a thread: firebase_admin is blocking. A verified ID token is
remembered by its exact text until its own ``exp`` (``verified_claims``), so a member's stream of
requests pays for one verification. A till key found live is remembered for a few seconds per
process; a revocation, from any process, bites in every one within about a second
(``TERMINAL_REVOCATION_CHECK_S``, below).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, NoReturn

import firebase_admin
import google.auth.credentials
from firebase_admin import auth as firebase_auth
from firebase_admin import credentials
from litestar import Request
from litestar.connection import ASGIConnection
from litestar.di import NamedDependency, Provide
from litestar.handlers.base import BaseRouteHandler

from api.errors import ApiProblem
from api.rate_limit import RateLimits, client_address, limits_of, remember, too_many
from api.settings import Settings
from loyalty.members import KEY_PREFIX, SignInSuperseded, member_for_sign_in, revocation_mark, terminal_for_key
from loyalty.schema import Member, Terminal

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
    """The credential of ``Authorization: Bearer <credential>``.

    As RFC 7235 allows, the scheme is matched in any case and the spaces around and after it
    are tolerated; the credential itself (a token68) holds no spaces.
    """
    parts = connection.headers.get("authorization", "").split()
    if len(parts) != 2 or parts[0].lower() != "bearer":
        raise ApiProblem(401, "unauthorized", "send Authorization: Bearer <token>")
    return parts[1]


# Verified ID tokens, by (project, exact token text), until the token's own expiry: the same
# text always verifies to the same claims (we never ask Firebase about revocation), and past
# ``exp`` it is verified again, which refuses it. Only successes are kept; the size is bounded.
VERIFIED_CACHE_MAX = 50_000
_verified: dict[tuple[str, str], dict[str, Any]] = {}


async def verify_member_token(token: str, settings: Settings, clock: Callable[[], float] = time.time) -> dict[str, Any]:
    """The token's claims, or a 401 problem."""
    key, now = (settings.firebase_project_id, token), clock()
    hit = _verified.get(key)
    if hit is not None:
        if hit["exp"] > now:
            return hit
        del _verified[key]
    claims = await _verify(token, settings, now)
    if len(_verified) >= VERIFIED_CACHE_MAX:
        _verified.clear()
    _verified[key] = claims
    return claims


async def _verify(token: str, settings: Settings, now: float) -> dict[str, Any]:
    app = firebase_admin.get_app(FIREBASE_APP_NAME)
    try:
        claims: dict[str, Any] = await asyncio.to_thread(firebase_auth.verify_id_token, token, app)
    except (ValueError, firebase_auth.InvalidIdTokenError, firebase_auth.ExpiredIdTokenError) as exc:
        raise ApiProblem(401, "token_invalid", f"the ID token was refused: {_first_line(exc)}") from exc
    except firebase_auth.CertificateFetchError as exc:
        raise ApiProblem(503, "auth_unavailable", "cannot reach Firebase to check the token") from exc
    _check_claim_types(claims)
    if settings.firebase_auth_emulator_host and claims["exp"] < now:
        # firebase_admin skips the expiry check for emulator tokens; we do not.
        raise ApiProblem(401, "token_expired", "the ID token has expired")
    return claims


def _check_claim_types(claims: dict[str, Any]) -> None:
    # Emulator tokens are unsigned: their claims can hold anything, so they are typed here.
    uid, phone = claims.get("uid"), claims.get("phone_number")
    if not isinstance(uid, str) or not uid or not (phone is None or isinstance(phone, str)):
        raise ApiProblem(401, "token_invalid", "the ID token was refused: uid and phone_number must be text")
    for name in ("exp", "iat"):
        value = claims.get(name, 0)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ApiProblem(401, "token_invalid", f"the ID token was refused: {name} must be a number")


def _first_line(exc: Exception) -> str:
    return str(exc).split("\n", 1)[0][:300]


async def member_guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    limits = limits_of(connection.scope)
    async with refusals_counted(connection, limits):
        token = bearer(connection)
        settings: Settings = connection.app.state.settings
        if token.startswith(KEY_PREFIX):
            if await terminal_for_key(token) is not None:
                raise ApiProblem(403, "wrong_credential", "a till key cannot be used on member paths")
            raise ApiProblem(401, "unauthorized", "unknown credential")
        claims = await verify_member_token(token, settings)
        uid = str(claims["uid"])
        # Keyed on the uid, not the token: a freshly minted token spends the same budget.
        remember(connection.scope, await limits.take(limits.member, uid))
        try:
            member = await member_for_sign_in(uid, claims.get("phone_number"), issued_at=float(claims.get("iat", 0)))
        except SignInSuperseded as exc:
            raise ApiProblem(401, exc.code, exc.detail) from exc
        if member.erased_at is not None:
            raise ApiProblem(401, "member_erased", "this account was erased")
    connection.state.member = member


@asynccontextmanager
async def refusals_counted(connection: ASGIConnection[Any, Any, Any, Any], limits: RateLimits) -> AsyncIterator[None]:
    """Each refusal counts against the client address; past its budget a refusal answers 429.

    A good credential from that address still passes: the tills of one store often share one
    address behind its router, and one broken till must not stop the others.
    """
    try:
        yield
    except ApiProblem as exc:
        if exc.status_code in (401, 403):
            verdict = await limits.count(limits.auth_failures, client_address(connection.scope))
            if not verdict.allowed:
                raise too_many(verdict) from exc
        raise


# Till keys found live are remembered per process for a few seconds, so a till's stream of
# requests costs no database read each. A revocation is seen by every process within about
# TERMINAL_REVOCATION_CHECK_S: while it serves keys from memory, a process reads the database's
# revocation mark (one small query) at most that often, and forgets every key when it changed.
# TERMINAL_CACHE_TTL_S bounds the rest (a key looked up while it was being revoked). Unknown keys
# are not remembered (nothing to flood).
TERMINAL_CACHE_TTL_S = 5.0
TERMINAL_REVOCATION_CHECK_S = 1.0
TERMINAL_CACHE_MAX = 10_000


@dataclass
class _TillKeys:
    found: dict[str, tuple[float, Terminal]] = field(default_factory=dict)
    mark: tuple[int, str] | None = None
    checked_at: float = float("-inf")


_tills = _TillKeys()


async def cached_terminal_for_key(token: str, clock: Callable[[], float] = time.monotonic) -> Terminal | None:
    now = clock()
    hit = _tills.found.get(token)
    if hit is not None and hit[0] > now:
        if now - _tills.checked_at < TERMINAL_REVOCATION_CHECK_S:
            return hit[1]
        _tills.checked_at = now  # before the await: one check at a time, not one per request
        mark = await revocation_mark()
        if mark == _tills.mark:
            return hit[1]
        _tills.mark = mark
        _tills.found.clear()
    terminal = await terminal_for_key(token)
    if terminal is None:
        _tills.found.pop(token, None)
        return None
    if len(_tills.found) >= TERMINAL_CACHE_MAX:
        _tills.found.clear()
    _tills.found[token] = (now + TERMINAL_CACHE_TTL_S, terminal)
    return terminal


async def terminal_guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    limits = limits_of(connection.scope)
    async with refusals_counted(connection, limits):
        token = bearer(connection)
        terminal = await cached_terminal_for_key(token)
        if terminal is None:
            await _refuse_as_till(token, connection.app.state.settings)
        remember(connection.scope, await limits.take(limits.till, f"till:{terminal.id}"))
    connection.state.terminal = terminal


async def _refuse_as_till(token: str, settings: Settings) -> NoReturn:
    if token.count(".") == 2:
        try:
            await verify_member_token(token, settings)
        except ApiProblem:
            raise ApiProblem(401, "unauthorized", "unknown or revoked till key") from None
        raise ApiProblem(403, "wrong_credential", "a member token cannot be used on till paths")
    raise ApiProblem(401, "unauthorized", "unknown or revoked till key")


def provide_member(request: Request[Any, Any, Any]) -> Member:
    """The signed-in member, for handlers that name a ``member`` parameter (the guard found it)."""
    member: Member = request.state.member
    return member


def provide_terminal(request: Request[Any, Any, Any]) -> Terminal:
    """The calling till, for handlers that name a ``terminal`` parameter (the guard found it)."""
    terminal: Terminal = request.state.terminal
    return terminal


# What a handler names to receive its caller: ``member: CallingMember`` on member paths,
# ``terminal: CallingTill`` on till paths.
CallingMember = NamedDependency[Member]
CallingTill = NamedDependency[Terminal]
MEMBER_DEPENDENCIES = {"member": Provide(provide_member, sync_to_thread=False)}
TERMINAL_DEPENDENCIES = {"terminal": Provide(provide_terminal, sync_to_thread=False)}
