"""Write transactions: what a cancelled task leaves behind."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from loyalty.db.engines import close_pool, current_engine, open_pool, write_transaction


@pytest.mark.postgres_only
async def test_a_task_cancelled_while_its_transaction_starts_gives_its_connection_back(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from piccolo.engine.postgres import PostgresTransaction

    engine: Any = current_engine()
    own_pool = engine.pool is None
    if own_pool:
        await open_pool(max_size=4)
    try:
        pool = engine.pool
        checked_out = pool.get_size() - pool.get_idle_size()
        begun = asyncio.Event()
        real_begin: Any = PostgresTransaction.begin

        async def begin_then_wait(self: Any) -> None:
            await real_begin(self)  # BEGIN is done: the connection is mid-transaction
            begun.set()
            await asyncio.sleep(30)  # still inside the transaction's __aenter__ when cancelled

        monkeypatch.setattr(PostgresTransaction, "begin", begin_then_wait)

        async def write() -> None:
            async with write_transaction():
                raise AssertionError("the block is never entered")

        task = asyncio.create_task(write())
        await begun.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        monkeypatch.undo()
        assert pool.get_size() - pool.get_idle_size() == checked_out
    finally:
        if own_pool:
            # A connection still checked out would make this wait for ever.
            await asyncio.wait_for(close_pool(), timeout=10)


SLOW_READ = "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 50000000) SELECT count(*) FROM n"


@pytest.mark.sqlite_only
async def test_a_sqlite_read_cancelled_midway_never_hands_its_connection_out_again() -> None:
    from loyalty.db.sqlite_engine import DurableSQLiteEngine

    engine = current_engine()
    assert isinstance(engine, DurableSQLiteEngine)
    await engine.run_ddl("SELECT 1")  # an idle connection to reuse
    idle_before = list(engine._idle)
    assert idle_before
    read = asyncio.create_task(engine._run_in_new_connection(SLOW_READ))
    await asyncio.sleep(0.3)  # the read is running in the connection's thread
    cancelled_connection = next(c for c in idle_before if c not in engine._idle)
    read.cancel()
    with pytest.raises(asyncio.CancelledError):
        await read
    assert cancelled_connection not in engine._idle
    await asyncio.gather(*engine._closing)
    assert cancelled_connection._connection is None  # closed once its statement stopped

    async with write_transaction():
        await engine.run_ddl("CREATE TABLE IF NOT EXISTS cancelled_probe (x INTEGER)")
    assert await engine._run_in_new_connection("SELECT count(*) AS n FROM cancelled_probe") == [{"n": 0}]
    await engine.run_ddl("DROP TABLE cancelled_probe")


@pytest.mark.sqlite_only
async def test_a_sqlite_statement_that_fails_keeps_its_connection_for_the_next_query() -> None:
    import sqlite3

    from loyalty.db.sqlite_engine import DurableSQLiteEngine

    engine = current_engine()
    assert isinstance(engine, DurableSQLiteEngine)
    with pytest.raises(sqlite3.OperationalError):
        await engine._run_in_new_connection("SELECT * FROM no_such_table")
    assert engine._idle
    assert await engine._run_in_new_connection("SELECT 2 AS two") == [{"two": 2}]


@pytest.mark.postgres_only
async def test_a_connection_given_back_mid_transaction_comes_back_clean() -> None:
    # The pool sends no reset query on release (engines._keep_session): asyncpg's own rollback of
    # an open transaction is what keeps the next borrower clean, with its SET LOCAL undone.
    engine: Any = current_engine()
    own_pool = engine.pool is None
    if own_pool:
        await open_pool(max_size=1)
    try:
        pool = engine.pool
        connection = await pool.acquire()
        await connection.execute("BEGIN")
        await connection.execute("SET LOCAL statement_timeout = 1234")
        await pool.release(connection)
        again = await pool.acquire()
        try:
            assert not again.is_in_transaction()
            assert await again.fetchval("SHOW statement_timeout") != "1234ms"
        finally:
            await pool.release(again)
    finally:
        if own_pool:
            await asyncio.wait_for(close_pool(), timeout=10)


@pytest.mark.sqlite_only
async def test_a_herd_of_sqlite_reads_shares_a_bounded_set_of_connections(monkeypatch: pytest.MonkeyPatch) -> None:
    from loyalty import db
    from loyalty.db import sqlite_engine

    engine: Any = current_engine()
    opened = 0
    real_open = sqlite_engine.DurableSQLiteEngine._open

    async def counted(self: Any) -> Any:
        nonlocal opened
        opened += 1
        return await real_open(self)

    monkeypatch.setattr(sqlite_engine.DurableSQLiteEngine, "_open", counted)
    rows = await asyncio.gather(*(db.fetch("SELECT $1 AS n", n) for n in range(200)))
    assert [r[0]["n"] for r in rows] == list(range(200))
    assert opened <= sqlite_engine.MAX_CONNECTIONS
    assert engine._open_count <= sqlite_engine.MAX_CONNECTIONS


@pytest.mark.sqlite_only
async def test_a_caller_holding_every_sqlite_connection_still_gets_one(monkeypatch: pytest.MonkeyPatch) -> None:
    from loyalty.db import sqlite_engine

    monkeypatch.setattr(sqlite_engine, "OVERFLOW_AFTER_S", 0.05)
    engine: Any = current_engine()
    held = [await engine.acquire() for _ in range(sqlite_engine.MAX_CONNECTIONS)]
    extra = await asyncio.wait_for(engine.acquire(), timeout=5)  # overflow, not a deadlock
    await engine.release(extra)
    assert engine._open_count == sqlite_engine.MAX_CONNECTIONS  # the extra one was closed
    for connection in held:
        await engine.release(connection)
