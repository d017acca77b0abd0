"""The per-credential rate limit (fixed window in memory) and the short-lived till key cache."""

from __future__ import annotations

from typing import Any

import httpx
from litestar import Litestar, Router, get

from api import auth
from api.errors import EXCEPTION_HANDLERS
from api.rate_limit import Limiter
from loyalty import stores


@get("/ping")
async def ping() -> dict[str, str]:
    return {"pong": "yes"}


def limited_app(limiter: Limiter) -> Litestar:
    router = Router(path="/", route_handlers=[ping], middleware=[limiter.middleware])
    return Litestar(route_handlers=[router], exception_handlers=EXCEPTION_HANDLERS)


async def test_the_request_over_the_limit_is_a_429_problem_until_the_window_ends() -> None:
    clock = [1_000.0]
    app: Any = limited_app(Limiter(3, clock=lambda: clock[0]))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
        till_a = {"Authorization": "Bearer tt_a"}
        answers = [await http.get("/ping", headers=till_a) for _ in range(3)]
        assert [a.status_code for a in answers] == [200, 200, 200]
        assert answers[-1].headers["ratelimit-remaining"] == "0"
        assert answers[0].headers["ratelimit-policy"] == "3;w=60"
        refused = await http.get("/ping", headers=till_a)
        assert refused.status_code == 429
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert refused.json()["code"] == "rate_limited"
        # Another credential has its own count.
        assert (await http.get("/ping", headers={"Authorization": "Bearer tt_b"})).status_code == 200
        clock[0] += 60
        assert (await http.get("/ping", headers=till_a)).status_code == 200


async def test_a_revoked_till_key_stops_working_once_its_cache_entry_expires(till: dict[str, Any]) -> None:
    clock = [50.0]
    key = str(till["key"])
    first = await auth.cached_terminal_for_key(key, clock=lambda: clock[0])
    assert first is not None and first.id == till["terminal_id"]
    await stores.revoke_terminal(int(till["terminal_id"]))
    clock[0] += auth.TERMINAL_CACHE_TTL_S - 1
    assert await auth.cached_terminal_for_key(key, clock=lambda: clock[0]) is not None  # the documented grace
    clock[0] += 1
    assert await auth.cached_terminal_for_key(key, clock=lambda: clock[0]) is None
    assert await auth.cached_terminal_for_key("tt_unknown", clock=lambda: clock[0]) is None
