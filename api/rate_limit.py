"""Request limits, keyed on who the caller is once authenticated, and failed sign-ins per address.

What is limited (see README "Rate limits"), each a fixed window that starts with its first hit:

- a member's requests, keyed on its Firebase uid (a new token, or the header spelled another
  way, spends the same budget); a till's, keyed on the till's id;
- failed authentication (401 or 403 on member or till paths), keyed on the ASGI client address:
  once an address has spent that budget, its refusals answer 429 until the window ends, while
  a good credential from it still passes (a store's tills may share one address). The address
  is the socket's peer, or what uvicorn ``--proxy-headers`` set from a trusted proxy's
  X-Forwarded-For: the header itself is never read here;
- failed admin logins, keyed on address and user together (an attacker's address locks only
  itself out of that account), and on the address alone with a larger budget (one address
  guessing many users).

Counts live in process memory (:class:`MemoryCounters`, the embedded default) or, with
``REDIS_URL`` set, in Redis (:class:`api.redis_counters.RedisCounters`), shared by every API
process. Redis unreachable: the request is let through and a warning logged, so a limiter
outage never takes the tills down.

The in-memory counter keeps per key only the window's end and a count: Litestar's
``RateLimitMiddleware`` re-encodes a list of timestamps per request, which dominated a till's
earns at hundreds a second.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from litestar.enums import ScopeType
from litestar.exceptions import TooManyRequestsException
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from api.redis_counters import RedisCounters, RedisError
from api.settings import Settings

log = logging.getLogger("api.rate_limit")

PRUNE_ABOVE = 10_000  # keys kept in memory before expired windows are dropped
STATE_KEY = "rate_limit"


class Counters(Protocol):
    async def hit(self, key: str, window_s: int) -> tuple[int, int]: ...
    async def peek(self, key: str, window_s: int) -> tuple[int, int]: ...
    async def clear(self, key: str) -> None: ...
    async def close(self) -> None: ...


class MemoryCounters:
    """One process's counts. No await inside a step: no lock needed."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        self.windows: dict[str, list[int]] = {}  # key -> [window end (epoch s), count]

    async def hit(self, key: str, window_s: int) -> tuple[int, int]:
        now = int(self.clock())
        window = self.windows.get(key)
        if window is None or window[0] <= now:
            if len(self.windows) > PRUNE_ABOVE:
                self.windows = {k: w for k, w in self.windows.items() if w[0] > now}
            window = self.windows[key] = [now + window_s, 0]
        window[1] += 1
        return window[1], window[0] - now

    async def peek(self, key: str, window_s: int) -> tuple[int, int]:
        now = int(self.clock())
        window = self.windows.get(key)
        if window is None or window[0] <= now:
            return 0, window_s
        return window[1], window[0] - now

    async def clear(self, key: str) -> None:
        self.windows.pop(key, None)

    async def close(self) -> None:
        return None


@dataclass(frozen=True)
class Limit:
    name: str
    allowed: int
    window_s: int

    @property
    def policy(self) -> str:
        return f"{self.allowed};w={self.window_s}"


@dataclass(frozen=True)
class Verdict:
    limit: Limit
    count: int
    reset: int

    @property
    def allowed(self) -> bool:
        return self.count <= self.limit.allowed

    @property
    def remaining(self) -> int:
        return max(self.limit.allowed - self.count, 0)

    def headers(self) -> dict[str, str]:
        return {
            "RateLimit-Policy": self.limit.policy,
            "RateLimit-Remaining": str(self.remaining),
            "RateLimit-Reset": str(self.reset),
        }


class RateLimits:
    """The limits of one app, over one set of counters."""

    def __init__(self, settings: Settings, counters: Counters | None = None) -> None:
        self.counters: Counters = counters or counters_for(settings)
        self.member = Limit("member", settings.member_rate_limit_per_minute, 60)
        self.till = Limit("till", settings.terminal_rate_limit_per_minute, 60)
        self.auth_failures = Limit("auth-fail", settings.auth_failure_rate_limit_per_minute, 60)
        window = settings.admin_login_failure_window_s
        self.admin_login_user = Limit("admin-login", settings.admin_login_failures_per_user, window)
        self.admin_login_address = Limit("admin-login-addr", settings.admin_login_failures_per_address, window)

    async def take(self, limit: Limit, identity: str) -> Verdict:
        """Count one request; a 429 problem once the window's budget is spent."""
        verdict = await self._hit(limit, identity)
        if not verdict.allowed:
            raise too_many(verdict)
        return verdict

    async def refuse_if_spent(self, limit: Limit, identity: str) -> None:
        """A 429 problem if ``identity`` has spent ``limit`` (counts nothing)."""
        try:
            count, reset = await self.counters.peek(_key(limit, identity), limit.window_s)
        except RedisError as exc:
            log.warning("rate limit counters unavailable, not limiting: %s", exc)
            return
        if count >= limit.allowed:
            raise too_many(Verdict(limit, count + 1, reset))

    async def count(self, limit: Limit, identity: str) -> Verdict:
        """Count one (a failure, say) without refusing anything."""
        return await self._hit(limit, identity)

    async def forget(self, limit: Limit, identity: str) -> None:
        try:
            await self.counters.clear(_key(limit, identity))
        except RedisError as exc:
            log.warning("rate limit counters unavailable: %s", exc)

    async def close(self) -> None:
        await self.counters.close()

    async def _hit(self, limit: Limit, identity: str) -> Verdict:
        try:
            count, reset = await self.counters.hit(_key(limit, identity), limit.window_s)
        except RedisError as exc:
            log.warning("rate limit counters unavailable, not limiting: %s", exc)
            return Verdict(limit, 0, limit.window_s)
        return Verdict(limit, count, reset)


def counters_for(settings: Settings) -> Counters:
    if settings.redis_url:
        return RedisCounters(settings.redis_url, settings.rate_limit_key_prefix)
    return MemoryCounters()


def _key(limit: Limit, identity: str) -> str:
    # Identities (uids, usernames) are caller-chosen text: a hash keeps keys short and plain.
    return f"{limit.name}:{hashlib.sha256(identity.encode()).hexdigest()[:32]}"


def too_many(verdict: Verdict) -> TooManyRequestsException:
    return TooManyRequestsException(
        detail=f"too many requests: at most {verdict.limit.allowed} in {verdict.limit.window_s} s; "
        f"try again in {verdict.reset} s",
        headers={**verdict.headers(), "Retry-After": str(verdict.reset)},
    )


def client_address(scope: Scope) -> str:
    """The ASGI client address (uvicorn sets it from X-Forwarded-For for trusted proxies only)."""
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


def limits_of(scope: Scope | Any) -> RateLimits:
    limits: RateLimits = scope["app"].state.rate_limits
    return limits


def remember(scope: Scope, verdict: Verdict) -> None:
    """Keep the verdict for :func:`rate_limit_headers` to put on the response."""
    scope.setdefault("state", {})[STATE_KEY] = verdict


def rate_limit_headers(app: ASGIApp) -> ASGIApp:
    """Router middleware: the RateLimit-* headers of the verdict the guard reached."""

    async def with_headers(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            verdict = scope.get("state", {}).get(STATE_KEY)
            if message["type"] == "http.response.start" and isinstance(verdict, Verdict):
                extra = [(k.lower().encode(), v.encode()) for k, v in verdict.headers().items()]
                message["headers"] = [*message.get("headers", ()), *extra]
            await send(message)

        await app(scope, receive, send_with_headers)

    return with_headers
