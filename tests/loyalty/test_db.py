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
