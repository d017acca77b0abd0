"""What a fan-out batch needs around its credit: the settings of its transaction, the members it
reads (``Holder``), SQLite's next id and timestamp text.
"""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from datetime import datetime
from typing import NamedTuple

from piccolo.engine.sqlite import convert_datetime_in

from loyalty import db

BULK_CACHE_KIB = 65_536  # SQLite page cache for a bulk batch (the default 2 MiB thrashes the indexes)


@asynccontextmanager
async def bulk_settings() -> AsyncIterator[None]:
    """Settings for the open bulk transaction. SQLite: a larger page cache, put back afterwards (the
    connection returns to the pool). PostgreSQL: no JIT (``SET LOCAL``, so until the transaction
    ends): the planner's row estimates for array parameters are high enough to compile each
    batch's statements (tens of milliseconds), which these simple plans do not gain back.
    Both: Python's cyclic garbage collector waits until the batch ends (:func:`_cyclic_gc_paused`).
    Durability settings are untouched."""
    with _cyclic_gc_paused():
        if not db.is_sqlite():
            await db.execute("SET LOCAL jit = off")
            yield
            return
        row = await db.fetchrow("PRAGMA cache_size")
        assert row is not None
        before = int(row["cache_size"])
        # PRAGMA takes no parameters; both values are integers this module chose or read.
        await db.execute(f"PRAGMA cache_size = -{BULK_CACHE_KIB}")
        try:
            yield
        finally:
            await db.execute(f"PRAGMA cache_size = {before}")


_gc_pauses = 0  # bulk batches in flight in this process that paused the collector


@contextmanager
def _cyclic_gc_paused() -> Iterator[None]:
    """A batch makes about a hundred thousand tuples (rows read, rows written) and no reference
    cycle; counting them set off full collections over the whole heap, a noticeable share of a
    fan-out (docs/benchmarks.md). Reference counting still frees everything; the collector runs again when the last
    batch in flight ends. Left alone if something else had already turned it off."""
    global _gc_pauses
    if _gc_pauses == 0 and not gc.isenabled():
        yield
        return
    _gc_pauses += 1
    gc.disable()
    try:
        yield
    finally:
        _gc_pauses -= 1
        if _gc_pauses == 0:
            gc.enable()


async def next_sqlite_id(table: str) -> int:
    """The id the next row of ``table`` gets on SQLite: after MAX(id). The IMMEDIATE transaction
    holds the only write lock, so the rows this transaction appends take the ids that follow.
    ``table`` is one of the schema's table names, never input."""
    top = await db.fetchrow(f"SELECT COALESCE(MAX(id), 0) AS top FROM {table}")
    assert top is not None
    return int(top["top"]) + 1


class Holder(NamedTuple):
    """A member as the bulk credit needs them: read in the open write transaction. (A tuple: a
    million of them are made per fan-out.)"""

    id: int
    balance: int
    head: str


def sqlite_timestamp(moment: datetime) -> str:
    """The text SQLite stores for a timestamp, exactly as Piccolo's adapter writes it; formatted
    once per batch instead of once per row (the adapter call cost more than the insert)."""
    return convert_datetime_in(moment)
