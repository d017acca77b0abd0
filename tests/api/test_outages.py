"""When something behind the API fails: the database is gone, or a member's ledger does not add up.
Each answers a clear problem, never a 500, and nothing is half-written."""

from __future__ import annotations

import json
import socket
import sqlite3
import tempfile
from typing import Any

import httpx
import pytest

from loyalty import points
from loyalty.db.engines import is_connection_failure
from loyalty.schema import AuditLog, LedgerEntry, Member, PointLot, Voucher
from tests.conftest import member_headers
from tests.support.attacker import row_counts
from tests.support.outage import answers_of_app
from tests.support.rewards import make_reward, make_tiers


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port  # closed again: nothing listens there


def _all_unavailable(answers: list[dict[str, Any]]) -> None:
    """Every answer is 503 with Retry-After, but the liveness probe's: the process itself is fine."""
    assert [a["path"] for a in answers] == [
        "GET /health",
        "GET /health/live",
        "GET /health/ready",
        "GET /api/v1/me",
        "GET /api/v1/rewards",
        "PUT /api/v1/me/consents",
        "POST /api/v1/pos/earn",
    ]
    health, live, *rest = answers
    assert (live["status"], live["retry_after"], live["code"]) == (200, None, None), live
    for answer in [health, *rest]:
        assert answer["status"] == 503, answer
        assert answer["retry_after"] == "5", answer
    for answer in rest:
        assert answer["code"] == "database_unavailable", answer
        assert "try again" in answer["detail"]


def test_every_call_answers_503_with_retry_after_while_postgresql_is_unreachable() -> None:
    dead = f"postgresql://postgres@127.0.0.1:{_free_port()}/nothing_listens_here"
    _all_unavailable(answers_of_app({"DATABASE_URL": dead}))


def test_every_call_answers_503_with_retry_after_when_the_sqlite_file_cannot_be_opened() -> None:
    folder = tempfile.mkdtemp(prefix="thanthiet-outage-")
    _all_unavailable(answers_of_app({"DATABASE_URL": f"sqlite:///{folder}/gone.sqlite"}, "--break-sqlite"))


def test_a_refused_statement_is_not_mistaken_for_an_outage() -> None:
    with pytest.raises(sqlite3.OperationalError) as unopenable:
        sqlite3.connect("/nonexistent-folder/for/sure.sqlite")
    assert is_connection_failure(unopenable.value)
    with sqlite3.connect(":memory:") as connection, pytest.raises(sqlite3.OperationalError) as refused:
        connection.execute("SELECT * FROM no_such_table")
    assert not is_connection_failure(refused.value)
    assert not is_connection_failure(ValueError("embedded null byte"))


@pytest.mark.postgres_only
async def test_a_statement_that_runs_out_of_time_is_a_busy_database_not_an_error_of_ours() -> None:
    """The statement timeout (``DB_STATEMENT_TIMEOUT_MS``) cancels the statement: the API answers
    503 with Retry-After, as when the database cannot be reached."""
    from loyalty import db

    with pytest.raises(Exception) as cancelled:
        async with db.write_transaction():
            await db.execute("SET LOCAL statement_timeout = 50")
            await db.fetch("SELECT pg_sleep(2)")
    assert "statement timeout" in str(cancelled.value)
    assert is_connection_failure(cancelled.value)


async def test_a_member_whose_points_do_not_add_up_is_told_so_and_staff_are_alerted(
    client: httpx.AsyncClient,
) -> None:
    await make_tiers()
    reward = await make_reward(points_cost=100)
    headers = member_headers("+84901230001")
    me = (await client.get("/api/v1/me", headers=headers)).json()
    member = await Member.objects().where(Member.public_id == me["id"]).first()
    assert member is not None
    await points.credit(member.id, 500, kind=points.Kind.ADJUST, reference="test:grant", origin=points.SYSTEM)
    # Someone emptied the lots behind the ledger's back: the balance says 500, the lots 0.
    await PointLot.update({PointLot.points_left: 0}).where(PointLot.member == member.id)
    before = await row_counts()

    refused = await client.post(
        "/api/v1/me/redemptions", headers={**headers, "Idempotency-Key": "k-1"}, json={"reward_id": reward.id}
    )

    assert refused.status_code == 409, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["code"] == "ledger_under_review"
    assert "staff" in refused.json()["detail"]
    after = await row_counts()
    assert {k: v for k, v in after.items() if after[k] != before[k]} == {"audit_log": before["audit_log"] + 1}
    assert await Voucher.count() == 0
    assert await LedgerEntry.count().where(LedgerEntry.member == member.id) == 1
    alert = await AuditLog.objects().where(AuditLog.action == "ledger.broken").first()
    assert alert is not None
    assert (alert.target, alert.target_id, alert.staff_username) == ("member", str(member.id), "system")
    detail = json.loads(alert.detail) if isinstance(alert.detail, str) else alert.detail
    assert "short of the balance" in detail["detail"]
    assert detail["request"] == "POST /api/v1/me/redemptions"
