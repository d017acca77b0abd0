"""Rate limits keyed on who calls (member uid, till id), failed sign-ins per address, failed admin
logins per address and user, counts shared through Redis; and the till key cache, which every
process empties when the database says a till was revoked."""

from __future__ import annotations

import dataclasses
import secrets
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from litestar import Litestar
from piccolo.apps.user.tables import BaseUser
from redis import asyncio as aioredis

from api import auth
from api.app import create_app
from api.rate_limit import MemoryCounters, RateLimits
from api.settings import Settings
from loyalty.members import stores
from loyalty.setup.dev_tokens import mint
from tests.conftest import PROJECT_ID

REDIS_URL = "redis://127.0.0.1:6379/0"


def app_with(**settings: Any) -> Litestar:
    return create_app(dataclasses.replace(Settings.from_env(), **settings))


def http(app: Litestar, address: str = "10.7.0.1") -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(address, 50000))  # type: ignore[arg-type]
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


def member(uid: str, *, now: float | None = None) -> dict[str, str]:
    return {"Authorization": f"Bearer {mint(PROJECT_ID, phone=None, uid=uid, now=now)}"}


async def test_every_spelling_of_the_bearer_header_spends_the_same_till_budget(app: Any, till: dict[str, Any]) -> None:
    key = till["key"]
    async with http(app_with(terminal_rate_limit_per_minute=3)) as client:
        spellings = [f"bearer {key}", f"BEARER {key}", f"Bearer  {key}", f"  Bearer\t{key} "]
        answers = [await client.get("/api/v1/pos/terminal", headers={"Authorization": h}) for h in spellings]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert answers[0].headers["ratelimit-policy"] == "3;w=60"
    assert answers[2].headers["ratelimit-remaining"] == "0"
    refused = answers[3]
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["code"] == "rate_limited" and int(refused.headers["retry-after"]) > 0


async def test_new_tokens_of_one_member_spend_the_same_budget(app: Any) -> None:
    async with http(app_with(member_rate_limit_per_minute=3)) as client:
        tokens = [member("uid-lan", now=time.time() - n) for n in range(4)]
        assert len(set(map(str, tokens))) == 4
        answers = [await client.get("/api/v1/me", headers=t) for t in tokens]
        assert [a.status_code for a in answers] == [200, 200, 200, 429]
        # Another member has its own budget.
        assert (await client.get("/api/v1/me", headers=member("uid-binh"))).status_code == 200


async def test_garbage_credentials_get_429_once_the_address_spent_its_failures(app: Any, till: dict[str, Any]) -> None:
    limited = app_with(auth_failure_rate_limit_per_minute=5)
    async with http(limited, "10.7.1.1") as attacker, http(limited, "10.7.1.2") as neighbour:
        garbage = [{"Authorization": f"Bearer {secrets.token_urlsafe(24)}.{n}.x"} for n in range(4)]
        garbage += [{"Authorization": "Bearer tt_" + secrets.token_urlsafe(8)}, {"Authorization": "Bearer a b"}]
        garbage += [{"Authorization": f"Bearer {secrets.token_urlsafe(12)}"} for _ in range(4)]
        answers = [
            await attacker.get("/api/v1/me" if n % 2 else "/api/v1/pos/terminal", headers=h)
            for n, h in enumerate(garbage)
        ]
        assert [a.status_code for a in answers] == [401] * 5 + [429] * 5
        assert answers[-1].json()["code"] == "rate_limited"
        # A till behind the same address (one store, one router) still works with its real key.
        assert (await attacker.get("/api/v1/pos/terminal", headers=till["headers"])).status_code == 200
        # Other addresses are not affected.
        assert (await neighbour.get("/api/v1/pos/terminal", headers=till["headers"])).status_code == 200
        assert (await neighbour.get("/api/v1/me", headers={"Authorization": "Bearer nope"})).status_code == 401


async def test_a_wrong_kind_of_credential_counts_as_a_failed_sign_in(app: Any, till: dict[str, Any]) -> None:
    async with http(app_with(auth_failure_rate_limit_per_minute=2), "10.7.2.1") as client:
        answers = [await client.get("/api/v1/me", headers=till["headers"]) for _ in range(3)]
    assert [a.status_code for a in answers] == [403, 403, 429]


async def test_the_budget_comes_back_when_the_window_ends(app: Any, till: dict[str, Any]) -> None:
    clock = [1_000.0]
    limited = app_with(terminal_rate_limit_per_minute=2)
    limited.state.rate_limits = RateLimits(limited.state.settings, MemoryCounters(clock=lambda: clock[0]))
    async with http(limited) as client:
        statuses = [(await client.get("/api/v1/pos/terminal", headers=till["headers"])).status_code for _ in range(3)]
        assert statuses == [200, 200, 429]
        clock[0] += 60
        assert (await client.get("/api/v1/pos/terminal", headers=till["headers"])).status_code == 200


async def _admin_login(client: httpx.AsyncClient, username: str, password: str) -> httpx.Response:
    if not client.cookies.get("csrftoken"):
        await client.get("/admin/")
    return await client.post(
        "/admin/public/login/",
        json={"username": username, "password": password},
        headers={"X-CSRFToken": client.cookies.get("csrftoken") or ""},
    )


async def test_wrong_admin_passwords_lock_out_only_the_attackers_address_for_that_user(app: Any) -> None:
    await BaseUser.create_user(
        username="lan", password="a-long-Passw0rd", email="lan@example.vn", active=True, admin=True
    )
    await BaseUser.create_user(
        username="binh", password="another-Passw0rd", email="binh@example.vn", active=True, admin=True
    )
    site = app_with(admin_login_failures_per_user=3)
    async with http(site, "10.8.0.66") as attacker, http(site, "10.8.0.10") as owner:
        tries = [(await _admin_login(attacker, "lan", f"guess-{n}")).status_code for n in range(5)]
        assert tries == [401, 401, 401, 429, 429]
        locked = await _admin_login(attacker, "LAN", "a-long-Passw0rd")
        assert locked.status_code == 429 and locked.json()["code"] == "rate_limited"
        # The owner, from their own address, still signs in; other users from the attacker's address too.
        assert (await _admin_login(owner, "lan", "a-long-Passw0rd")).status_code == 200
        assert (await _admin_login(attacker, "binh", "another-Passw0rd")).status_code == 200


async def test_thirty_wrong_admin_logins_from_elsewhere_leave_the_owner_signing_in(app: Any) -> None:
    await BaseUser.create_user(
        username="lan", password="a-long-Passw0rd", email="lan@example.vn", active=True, admin=True
    )
    async with http(app, "10.8.1.66") as attacker, http(app, "10.8.1.10") as owner:
        tries = [(await _admin_login(attacker, "lan", f"guess-{n}")).status_code for n in range(30)]
        assert tries == [401] * 10 + [429] * 20  # ADMIN_LOGIN_FAILURES_PER_USER's default
        assert (await _admin_login(owner, "lan", "wrong")).status_code == 401
        assert (await _admin_login(owner, "lan", "a-long-Passw0rd")).status_code == 200


async def test_a_successful_admin_login_forgets_its_failures(app: Any) -> None:
    await BaseUser.create_user(
        username="lan", password="a-long-Passw0rd", email="lan@example.vn", active=True, admin=True
    )
    async with http(app_with(admin_login_failures_per_user=2), "10.8.2.10") as owner:
        assert (await _admin_login(owner, "lan", "typo")).status_code == 401
        assert (await _admin_login(owner, "lan", "a-long-Passw0rd")).status_code == 200
        assert (await _admin_login(owner, "lan", "typo again")).status_code == 401
        assert (await _admin_login(owner, "lan", "a-long-Passw0rd")).status_code == 200


@pytest.fixture
async def redis_prefix() -> AsyncIterator[str]:
    """A key prefix of this test alone (parallel runs share the server), removed afterwards."""
    prefix = f"thanthiet-test:{uuid.uuid4().hex}:"
    yield prefix
    redis = aioredis.Redis.from_url(REDIS_URL)
    keys = [key async for key in redis.scan_iter(match=prefix + "*")]
    if keys:
        await redis.delete(*keys)
    await redis.aclose()


async def test_two_api_processes_with_redis_share_one_budget(app: Any, till: dict[str, Any], redis_prefix: str) -> None:
    shared = {"redis_url": REDIS_URL, "rate_limit_key_prefix": redis_prefix}
    first, second = (
        app_with(terminal_rate_limit_per_minute=3, auth_failure_rate_limit_per_minute=2, **shared) for _ in "ab"
    )
    async with http(first) as one, http(second) as two:
        statuses = [
            (await one.get("/api/v1/pos/terminal", headers=till["headers"])).status_code,
            (await two.get("/api/v1/pos/terminal", headers=till["headers"])).status_code,
            (await one.get("/api/v1/pos/terminal", headers=till["headers"])).status_code,
            (await two.get("/api/v1/pos/terminal", headers=till["headers"])).status_code,
        ]
        assert statuses == [200, 200, 200, 429]
        garbage = {"Authorization": "Bearer tt_garbage"}
        failures = [(await c.get("/api/v1/pos/terminal", headers=garbage)).status_code for c in (one, two, one)]
        assert failures == [401, 401, 429]
    redis = aioredis.Redis.from_url(REDIS_URL)
    keys = [key async for key in redis.scan_iter(match=redis_prefix + "*")]
    await redis.aclose()
    assert len(keys) == 2  # the till's count and the address's failures, nothing per header spelling
    await first.state.rate_limits.close()
    await second.state.rate_limits.close()


async def test_an_unreachable_redis_lets_requests_through(app: Any, till: dict[str, Any]) -> None:
    limited = app_with(terminal_rate_limit_per_minute=1, redis_url="redis://127.0.0.1:1/0")
    async with http(limited) as client:
        statuses = [(await client.get("/api/v1/pos/terminal", headers=till["headers"])).status_code for _ in range(3)]
    assert statuses == [200, 200, 200]


async def test_a_revoked_till_key_is_refused_within_a_second_though_it_is_remembered_for_longer(
    till: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The revocation is written to the database by whatever process revokes (admin, CLI): the
    process serving the till learns of it from there, not from a message of the revoker."""
    monkeypatch.setattr(auth, "_tills", auth._TillKeys())
    clock = [50.0]
    key = str(till["key"])
    other = await stores.create_terminal(str(till["store_code"]), "Till 2")
    for k in (key, other.key):
        assert await auth.cached_terminal_for_key(k, clock=lambda: clock[0]) is not None
    # A check of the mark with nothing revoked keeps every key.
    clock[0] += auth.TERMINAL_REVOCATION_CHECK_S
    assert await auth.cached_terminal_for_key(key, clock=lambda: clock[0]) is not None
    assert auth.TERMINAL_REVOCATION_CHECK_S < auth.TERMINAL_CACHE_TTL_S - 2
    await stores.revoke_terminal(int(till["terminal_id"]))
    clock[0] += auth.TERMINAL_REVOCATION_CHECK_S / 2
    assert await auth.cached_terminal_for_key(key, clock=lambda: clock[0]) is not None  # the documented grace
    clock[0] += auth.TERMINAL_REVOCATION_CHECK_S / 2
    assert await auth.cached_terminal_for_key(key, clock=lambda: clock[0]) is None  # well before the TTL
    live = await auth.cached_terminal_for_key(other.key, clock=lambda: clock[0])
    assert live is not None and live.id == other.terminal_id
    clock[0] += auth.TERMINAL_CACHE_TTL_S
    assert await auth.cached_terminal_for_key(key, clock=lambda: clock[0]) is None
    assert await auth.cached_terminal_for_key("tt_unknown", clock=lambda: clock[0]) is None
