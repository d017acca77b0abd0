"""The production command, ``python -m api.serve``: N uvicorn processes without the embedded
worker; SIGTERM lets a request in flight finish with its answer, then every process exits."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pyotp

from loyalty.earning import cards
from loyalty.members.accounts import new_public_id
from loyalty.schema import LedgerEntry, Member
from tests.conftest import DATABASE_URL, IS_POSTGRES
from tests.support.browser import PATIENCE_S, free_port
from tests.support.serving import METRICS_TOKEN, serving

ROOT = Path(__file__).resolve().parents[2]


@asynccontextmanager
async def writes_held(member_id: int) -> AsyncIterator[None]:
    """The member's row locked (PostgreSQL) or the write lock taken (SQLite) by another client."""
    if IS_POSTGRES:
        connection = await asyncpg.connect(DATABASE_URL)
        transaction = connection.transaction()
        await transaction.start()
        await connection.execute("SELECT id FROM member WHERE id = $1 FOR UPDATE", member_id)
        try:
            yield
        finally:
            await transaction.rollback()
            await connection.close()
        return
    from loyalty.db.engines import sqlite_path

    lite = sqlite3.connect(sqlite_path(DATABASE_URL), isolation_level=None)
    lite.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        lite.execute("ROLLBACK")
        lite.close()


async def in_flight(base: str, route: str) -> None:
    """Until one of the processes reports the route's request in progress (each scrape reaches
    whichever process accepts it)."""
    deadline = time.monotonic() + PATIENCE_S
    async with httpx.AsyncClient(headers={"Authorization": f"Bearer {METRICS_TOKEN}"}) as scraper:
        while time.monotonic() < deadline:
            answer = await scraper.get(base + "/metrics", headers={"Connection": "close"})
            for line in answer.text.splitlines():
                name, _, value = line.rpartition(" ")
                progress = name.startswith("thanthiet_http_requests_in_progress{") and f'path="{route}"' in name
                if progress and float(value) >= 1:
                    return
            await asyncio.sleep(0.1)
    raise AssertionError(f"{route} never showed in progress")


async def logged(log: Path, text: str) -> None:
    deadline = time.monotonic() + PATIENCE_S
    while text not in (written := await asyncio.to_thread(log.read_text, errors="replace")):
        if time.monotonic() > deadline:
            raise AssertionError(f"{text!r} never logged: {written[-2000:]}")
        await asyncio.sleep(0.1)


async def test_sigterm_lets_the_earn_in_flight_answer_then_every_process_exits(
    till: dict[str, Any], tmp_path: Path
) -> None:
    member = Member(public_id=new_public_id(), name="Lan", card_secret=pyotp.random_base32())
    await member.save()
    code = cards.code_for(member.public_id, member.card_secret, datetime.now(UTC))
    log = tmp_path / "serve.log"
    with serving(log, API_PROCESSES="2", GRACEFUL_SHUTDOWN_SECONDS=str(PATIENCE_S)) as (server, base):
        async with httpx.AsyncClient(base_url=base, timeout=PATIENCE_S) as till_client:
            async with writes_held(member.id):
                body = {"member_code": code.code, "receipt_no": "R-SIGTERM-1", "amount": 500_000}
                earn = asyncio.create_task(till_client.post("/api/v1/pos/earn", headers=till["headers"], json=body))
                await in_flight(base, "/api/v1/pos/earn")
                server.send_signal(signal.SIGTERM)
                # The process serving the earn has stopped accepting and waits for it.
                await logged(log, "Waiting for connections to close")
                assert not earn.done()
            answer = await earn
        assert answer.status_code == 201, answer.text
        assert answer.json()["points_earned"] == 50
        assert server.wait(PATIENCE_S) == 0
    assert "Received SIGTERM" in log.read_text()
    entries = await LedgerEntry.count().where(LedgerEntry.reference == f"earn:{till['store_id']}:R-SIGTERM-1")
    assert entries == 1


def test_the_production_command_refuses_the_embedded_worker() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "api.serve"],
        cwd=ROOT,
        env={**os.environ, "EMBEDDED_WORKER": "true", "PORT": str(free_port())},
        capture_output=True,
        text=True,
        timeout=PATIENCE_S,
    )
    assert done.returncode == 2
    assert "EMBEDDED_WORKER" in done.stderr
