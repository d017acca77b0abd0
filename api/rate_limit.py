"""Per-credential request limits: a fixed one-minute window counted in process memory.

Litestar's ``RateLimitMiddleware`` keeps the timestamp of every request of the window and
decodes and re-encodes that list as JSON on each request, behind one lock: the cost grows with
the requests already made, and at a till's hundreds of earns a second it dominated the request.
This keeps per identity only the window's end and a count, with the same behaviour as Litestar's
with its default memory store: per process, a window that starts with the identity's first
request, 429 (problem+json ``rate_limited``) once the count is reached, and ``RateLimit-Policy``
/ ``RateLimit-Remaining`` / ``RateLimit-Reset`` headers. The identity is a hash of the
``Authorization`` header (a till key or a member token), else the client address.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable

from litestar.enums import ScopeType
from litestar.exceptions import TooManyRequestsException
from litestar.types import ASGIApp, Message, Receive, Scope, Send

WINDOW_S = 60
PRUNE_ABOVE = 10_000  # identities kept before expired windows are dropped


def identity(scope: Scope) -> str:
    for name, value in scope.get("headers", ()):
        if name == b"authorization" and value:
            return "cred:" + hashlib.sha256(value).hexdigest()[:32]
    client = scope.get("client")
    return "addr:" + (client[0] if client else "unknown")


class Limiter:
    def __init__(self, per_minute: int, clock: Callable[[], float] = time.time) -> None:
        self.per_minute = per_minute
        self.clock = clock
        self.windows: dict[str, list[int]] = {}  # identity -> [window end (epoch s), count]

    def take(self, key: str) -> tuple[bool, int, int]:
        """Count one request; (allowed, remaining, seconds to reset). No await: no lock needed."""
        now = int(self.clock())
        window = self.windows.get(key)
        if window is None or window[0] <= now:
            if len(self.windows) > PRUNE_ABOVE:
                self.windows = {k: w for k, w in self.windows.items() if w[0] > now}
            window = self.windows[key] = [now + WINDOW_S, 0]
        if window[1] >= self.per_minute:
            return False, 0, window[0] - now
        window[1] += 1
        return True, self.per_minute - window[1], window[0] - now

    def middleware(self, app: ASGIApp) -> ASGIApp:
        policy = f"{self.per_minute};w={WINDOW_S}".encode()

        async def limited(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != ScopeType.HTTP:
                await app(scope, receive, send)
                return
            allowed, remaining, reset = self.take(identity(scope))
            if not allowed:
                raise TooManyRequestsException(
                    headers={
                        "RateLimit-Policy": policy.decode(),
                        "RateLimit-Remaining": "0",
                        "RateLimit-Reset": str(reset),
                    }
                )
            extra = [
                (b"ratelimit-policy", policy),
                (b"ratelimit-remaining", str(remaining).encode()),
                (b"ratelimit-reset", str(reset).encode()),
            ]

            async def send_with_headers(message: Message) -> None:
                if message["type"] == "http.response.start":
                    message["headers"] = [*message.get("headers", ()), *extra]
                await send(message)

            await app(scope, receive, send_with_headers)

        return limited


def rate_limit(per_minute: int) -> Callable[[ASGIApp], ASGIApp]:
    """Router middleware: at most ``per_minute`` requests a minute per credential."""
    return Limiter(per_minute).middleware
