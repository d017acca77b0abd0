"""Every route of the OpenAPI document answers bad input with a 4xx problem, never a 5xx (DESIGN.md §10)."""

from __future__ import annotations

import dataclasses
import time
from collections import Counter
from typing import Any

import httpx

from api.rate_limit import RateLimits
from loyalty.members import stores
from tests.support.attacker import Battery, Credentials, Probe, row_counts
from tests.support.rewards import make_reward, make_tiers

MAX_SECONDS = 60


async def _send(client: httpx.AsyncClient, probe: Probe, headers: dict[str, str]) -> httpx.Response:
    all_headers = {**headers, **probe.headers}
    if probe.body is not None:
        all_headers.setdefault("Content-Type", "application/json")
    # Raw bytes: the battery sends what a hostile client would, not what httpx would allow.
    raw = [(name.encode(), value.encode()) for name, value in all_headers.items()]
    return await client.request(probe.method, probe.url, content=probe.body, headers=raw)


def _refusal_is_a_problem(response: httpx.Response) -> str | None:
    """Why this answer is not an acceptable refusal, or None."""
    status = response.status_code
    if status >= 500 and status != 503:
        return f"server error {status}"
    if status == 503 and response.json().get("code") != "auth_unavailable":
        return "503 while the database is up"
    if status == 429:
        return "rate limited: the battery hides what it should see"
    if 400 <= status < 500:
        if not response.headers.get("content-type", "").startswith("application/problem+json"):
            return f"{status} is not problem+json"
        body = response.json()
        if not body.get("detail") or not body.get("code"):
            return f"{status} problem without detail or code"
    return None


def lift_rate_limits(app: Any) -> None:
    """The battery sends hundreds of refusals from one address and one member: with the limits in
    force most answers would be 429 and hide what the routes do (the limits have tests of their
    own). The client fixture gives the next test fresh limits again."""
    lifted = dataclasses.replace(
        app.state.settings,
        member_rate_limit_per_minute=10**9,
        terminal_rate_limit_per_minute=10**9,
        auth_failure_rate_limit_per_minute=10**9,
    )
    app.state.rate_limits = RateLimits(lifted)


async def test_no_route_answers_bad_input_with_a_server_error(
    app: Any, client: httpx.AsyncClient, till: dict[str, Any]
) -> None:
    lift_rate_limits(app)
    await make_tiers()
    await make_reward()
    keys = [till["key"]] + [(await stores.create_terminal("Q1", f"Till {n}")).key for n in range(2, 80)]
    credentials = Credentials(till_keys=keys)
    assert (await client.get("/api/v1/me", headers=credentials.member())).status_code == 200
    document = (await client.get("/schema/openapi.json")).json()

    started = time.monotonic()
    failures: list[str] = []
    statuses: Counter[int] = Counter()
    sent = 0
    for kind, probe in Battery(document).probes():
        headers = credentials.till() if kind == "till" else credentials.member() if kind == "member" else {}
        response = await _send(client, probe, headers)
        sent += 1
        statuses[response.status_code] += 1
        why = _refusal_is_a_problem(response)
        if why:
            body = (probe.body or b"")[:120]
            failures.append(
                f"{why}: {probe.method} {probe.url[:120]} {probe.headers} {body!r} -> {response.text[:300]}"
            )
    elapsed = time.monotonic() - started

    print(f"attacker battery: {sent} requests in {elapsed:.1f} s, statuses {dict(sorted(statuses.items()))}")
    assert not failures, f"{len(failures)} of {sent} answers were not clean refusals:\n" + "\n".join(failures[:40])
    assert sent > 1500
    assert elapsed < MAX_SECONDS


async def test_refused_writes_leave_every_table_as_it_was(
    app: Any, client: httpx.AsyncClient, till: dict[str, Any]
) -> None:
    lift_rate_limits(app)
    await make_tiers()
    await make_reward()
    credentials = Credentials(till_keys=[till["key"], (await stores.create_terminal("Q1", "Till 2")).key])
    assert (await client.get("/api/v1/me", headers=credentials.member())).status_code == 200
    document = (await client.get("/schema/openapi.json")).json()
    probes = list(Battery(document).refused_writes())
    routes = {(p.method, p.path) for _, p in probes}
    assert len(routes) >= 12

    before = await row_counts()
    for kind, probe in probes:
        response = await _send(client, probe, credentials.till() if kind == "till" else credentials.member())
        assert 400 <= response.status_code < 500 and response.status_code != 429, (probe, response.text)
        assert _refusal_is_a_problem(response) is None, (probe, response.text)
    assert await row_counts() == before
