"""Behind a real PgBouncer in transaction mode (Debian's package) everything works: the API's
earn, its replay, a member read, a redemption with its Idempotency-Key replay, a refund, many
earns at once over four server connections, the worker's claim and sending of the pushes, and
the statement timeout. The app keeps no session state, and with ``DB_TRANSACTION_POOLER``
asyncpg keeps no named prepared statements."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pyotp
import pytest

from loyalty.earning import cards
from loyalty.members.accounts import new_public_id
from loyalty.points.check import check
from loyalty.schema import LedgerEntry, Member
from notifications.tables import Delivery, DeliveryStatus
from tests.conftest import DATABASE_URL, member_headers
from tests.support.browser import PATIENCE_S
from tests.support.fake_fcm import FakeFcm
from tests.support.pgbouncer import pgbouncer, version
from tests.support.rewards import make_reward
from tests.support.serving import ROOT, serving

pytestmark = pytest.mark.postgres_only

POOLER = {"DB_TRANSACTION_POOLER": "true"}


@pytest.fixture(scope="module")
def bouncer() -> Iterator[str]:
    with pgbouncer(DATABASE_URL, server_connections=4) as url:
        yield url


def code_of(member: Member) -> str:
    return cards.code_for(member.public_id, member.card_secret, datetime.now(UTC)).code


async def members(count: int) -> list[Member]:
    made = [Member(public_id=new_public_id(), name=f"M{n}", card_secret=pyotp.random_base32()) for n in range(count)]
    for member in made:
        await member.save()
    return made


async def test_the_api_behind_pgbouncer_earns_replays_redeems_and_refunds(
    bouncer: str, till: dict[str, Any], tmp_path: Path
) -> None:
    assert version().startswith("PgBouncer ")
    reward = await make_reward(points_cost=30)
    crowd = await members(20)
    env = {"DATABASE_URL": bouncer, **POOLER, "API_PROCESSES": "2", "DB_STATEMENT_TIMEOUT_MS": "5000"}
    with serving(tmp_path / "serve.log", **env) as (_, base):
        async with httpx.AsyncClient(base_url=base, timeout=PATIENCE_S, headers=till["headers"]) as pos:
            headers = member_headers("+84907000001")
            me = await pos.get("/api/v1/me", headers=headers)
            assert me.status_code == 200, me.text
            mine = await Member.objects().where(Member.public_id == me.json()["id"]).first()
            assert mine is not None
            body = {"member_code": code_of(mine), "receipt_no": "PGB-1", "amount": 1_000_000}
            first = await pos.post("/api/v1/pos/earn", json=body)
            again = await pos.post("/api/v1/pos/earn", json=body)
            assert (first.status_code, again.status_code) == (201, 200), first.text
            assert again.json() == first.json() and first.json()["points_earned"] == 100

            # Many tills' earns at once: 20 client connections share 4 server connections.
            answers = await asyncio.gather(
                *(
                    pos.post(
                        "/api/v1/pos/earn",
                        json={"member_code": code_of(m), "receipt_no": f"PGB-C{n}", "amount": 200_000},
                    )
                    for n, m in enumerate(crowd)
                )
            )
            assert [a.status_code for a in answers] == [201] * len(crowd), [a.text for a in answers]

            read = await pos.get("/api/v1/me", headers=headers)
            assert read.json()["points_balance"] == 100

            keyed = {**headers, "Idempotency-Key": "pgb-redeem-1"}
            redeemed = await pos.post("/api/v1/me/redemptions", headers=keyed, json={"reward_id": reward.id})
            replayed = await pos.post("/api/v1/me/redemptions", headers=keyed, json={"reward_id": reward.id})
            assert redeemed.status_code == 201, redeemed.text
            assert replayed.status_code == 201 and replayed.headers["idempotent-replayed"] == "true"
            assert replayed.json() == redeemed.json() and redeemed.json()["points_balance"] == 70

            refund = {"receipt_no": "PGB-1", "amount": 500_000}
            refunded = await pos.post("/api/v1/pos/refunds", headers={"Idempotency-Key": "pgb-ref-1"}, json=refund)
            again_refunded = await pos.post(
                "/api/v1/pos/refunds", headers={"Idempotency-Key": "pgb-ref-1"}, json=refund
            )
            assert refunded.status_code == 201, refunded.text
            assert refunded.json()["points_reversed"] == 50 and again_refunded.json() == refunded.json()
            assert (await pos.get("/api/v1/me", headers=headers)).json()["points_balance"] == 20
    assert await LedgerEntry.count().where(LedgerEntry.reference.like(f"earn:{till['store_id']}:PGB-%")) == 21
    report = await check(progress=False)
    assert report.ok, report


async def test_the_worker_behind_pgbouncer_claims_and_sends_every_push(
    bouncer: str, till: dict[str, Any], fake_fcm: FakeFcm, service_account: Path, tmp_path: Path
) -> None:
    env = {"DATABASE_URL": bouncer, **POOLER, "API_PROCESSES": "1"}
    phones = [f"+8490710000{n}" for n in range(6)]
    with serving(tmp_path / "serve.log", **env) as (_, base):
        async with httpx.AsyncClient(base_url=base, timeout=PATIENCE_S) as app:
            for n, phone in enumerate(phones):
                signed = member_headers(phone)
                device = {"token": f"ok-pgb-{n}", "platform": "android"}
                assert (await app.post("/api/v1/me/devices", headers=signed, json=device)).status_code == 201
                member = await Member.objects().where(Member.phone == phone).first()
                assert member is not None
                earn = {"member_code": code_of(member), "receipt_no": f"PGB-W{n}", "amount": 300_000}
                answer = await app.post("/api/v1/pos/earn", headers=till["headers"], json=earn)
                assert answer.status_code == 201, answer.text
    worker_env = {
        **os.environ,
        "DATABASE_URL": bouncer,
        **POOLER,
        "GOOGLE_APPLICATION_CREDENTIALS": str(service_account),
        "FCM_ENDPOINT": fake_fcm.url,
        "NOTIFY_SEND_BATCH": "2",  # several claims, each its own transaction
    }
    done = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "notifications.worker", "--until-idle", "--no-jobs"],
        cwd=ROOT,
        env=worker_env,
        capture_output=True,
        text=True,
        timeout=PATIENCE_S * 2,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "prepared statement" not in done.stderr
    assert sorted(fake_fcm.tokens_sent()) == sorted(f"ok-pgb-{n}" for n in range(6))
    statuses = {r["status"] for r in await Delivery.select(Delivery.status)}
    assert statuses == {DeliveryStatus.SENT}


PROBE = """
import asyncio, json
from loyalty.db import close_pool, fetchrow, open_pool, write_transaction
from loyalty.settings import DATABASE

async def main():
    await open_pool(DATABASE.pool("api"))
    out = {}
    async with write_transaction():
        out["inside"] = (await fetchrow("SHOW statement_timeout"))["statement_timeout"]
    try:
        async with write_transaction():
            await fetchrow("SELECT pg_sleep(3)")
    except Exception as exc:
        out["slow_write"] = type(exc).__name__
    try:
        await fetchrow("SELECT pg_sleep(4)")
    except Exception as exc:
        out["slow_read"] = type(exc).__name__
    out["after"] = (await fetchrow("SELECT 1 AS one"))["one"]
    await close_pool()
    print(json.dumps(out))

asyncio.run(main())
"""


def test_the_statement_timeout_holds_behind_pgbouncer_and_without_it(bouncer: str) -> None:
    """PgBouncer refuses ``statement_timeout`` as a connection parameter: behind it the timeout is
    set in each write transaction, and asyncpg's own timeout bounds the statements outside one."""
    found = {}
    for name, url, extra in (("pooled", bouncer, POOLER), ("direct", DATABASE_URL, {})):
        env = {**os.environ, "DATABASE_URL": url, "DB_STATEMENT_TIMEOUT_MS": "500", **extra}
        done = subprocess.run(
            [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=PATIENCE_S
        )
        assert done.returncode == 0, done.stderr[-3000:]
        found[name] = json.loads(done.stdout.strip().splitlines()[-1])
    assert found["direct"] == {
        "inside": "500ms",
        "slow_write": "QueryCanceledError",
        "slow_read": "QueryCanceledError",
        "after": 1,
    }
    assert found["pooled"] == {
        "inside": "500ms",
        "slow_write": "QueryCanceledError",
        "slow_read": "TimeoutError",
        "after": 1,
    }
