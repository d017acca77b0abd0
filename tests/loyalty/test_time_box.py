"""Time-boxed reads: the wait is cut short, never the read (a cancelled SQLite statement would
leave its pooled connection unable to write), and a slow database gets one read at a time."""

from __future__ import annotations

import asyncio
import sqlite3
from typing import Any

import pytest

from loyalty.db.time_box import OneAtATime, within
from loyalty.members import record_member
from loyalty.schema import DomainEvent, Member


async def _count_events() -> int:
    rows = await DomainEvent.raw("SELECT COUNT(*) AS n FROM domain_event")
    return int(rows[0]["n"])


@pytest.mark.sqlite_only
async def test_a_read_past_its_time_box_leaves_its_connection_fit_for_the_next_write(sqlite_path: str) -> None:
    await Member.count()  # a connection waits in the engine's idle pool
    reads = OneAtATime(_count_events)
    with pytest.raises(TimeoutError):
        await reads.within(0)
    assert await reads.within(10) == 0  # the same read, gone on to its end
    with sqlite3.connect(sqlite_path) as other:  # another process moves the database on
        other.execute("INSERT INTO domain_event (kind, payload, created_at) VALUES ('x', '{}', '2026-12-01 00:00:00')")
    member = await record_member("0901234599")  # BEGIN IMMEDIATE on the pooled connection
    assert member.id > 0


async def test_callers_share_the_read_in_flight_and_a_new_one_starts_after_it() -> None:
    started: list[int] = []
    gate = asyncio.Event()

    async def slow() -> int:
        started.append(1)
        await gate.wait()
        return await _count_events()

    reads = OneAtATime(slow)
    waiting = [asyncio.create_task(reads.within(10)) for _ in range(3)]
    await asyncio.sleep(0.05)
    gate.set()
    assert await asyncio.gather(*waiting) == [0, 0, 0]
    assert len(started) == 1
    assert await reads.within(10) == 0 and len(started) == 2


async def test_a_read_that_fails_after_its_caller_gave_up_is_not_left_unretrieved(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def failing() -> Any:
        await asyncio.sleep(0.05)
        raise RuntimeError("database went away")

    with pytest.raises(TimeoutError):
        await within(0.01, failing())
    await asyncio.sleep(0.1)
    import gc

    gc.collect()  # asyncio reports a never-retrieved error when the task is collected
    assert "never retrieved" not in caplog.text
