"""The one way to run hand-written SQL, on either engine.

Why hand-written SQL at all: Piccolo builds, compiles and post-processes a query object on every
call. Where that was measured to cost more than the database (the till earn, the campaign
fan-out, the ledger check, reports over every member) the statements are text; everywhere else,
and for single-row changes, the ORM is used.

Rules:

* Statements are written once, with PostgreSQL's numbered placeholders ``$1 … $n``; a parameter
  may appear more than once. For SQLite the text becomes ``?1 … ?n`` (its numbered parameters),
  translated once per distinct statement (cached).
* Values are always parameters, never formatted into the text. What differs between the engines
  (row locks, ``SKIP LOCKED``, typed parameters, date arithmetic) comes from
  :mod:`loyalty.db.dialect`, never from an inline ``if is_sqlite()``.
* Inside ``write_transaction()`` a statement runs on that transaction's connection (the hot path
  pays no pool round trip, and sees the transaction's own writes and locks); outside one it runs
  on a connection of its own from the engine's pool, in autocommit.
* Rows come back as read-only mappings keyed by column name (:func:`fetch`), or as plain tuples
  where a batch reads tens of thousands of rows (:func:`fetch_tuples`). Datetimes go through the
  adapters Piccolo registers for SQLite, so the stored text is the same as Piccolo's.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from functools import lru_cache
from typing import Any

from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine

from loyalty.db.engines import current_engine
from loyalty.db.sqlite_engine import DurableSQLiteEngine

Row = Mapping[str, Any]
_PLACEHOLDER = re.compile(r"\$(\d+)")


@lru_cache(maxsize=512)
def for_sqlite(sql: str) -> str:
    """``$n`` → ``?n`` (SQLite's numbered parameters, so a parameter may be used twice)."""
    return _PLACEHOLDER.sub(r"?\1", sql)


@asynccontextmanager
async def _connection() -> AsyncIterator[tuple[Any, bool]]:
    """The open transaction's driver connection, else one of the engine's own; and whether it is
    SQLite's (aiosqlite) or PostgreSQL's (asyncpg)."""
    db = current_engine()
    sqlite = isinstance(db, SQLiteEngine)
    transaction = db.current_transaction.get()
    if transaction is not None:
        connection = transaction.connection
        yield (getattr(connection, "raw", connection), sqlite)
        return
    if isinstance(db, DurableSQLiteEngine):
        connection = await db.acquire()
        try:
            yield connection, True
            if connection.in_transaction:
                await connection.commit()
        finally:
            await db.release(connection)
        return
    assert isinstance(db, PostgresEngine), "SQLite engines are DurableSQLiteEngine (loyalty.db.engine_from_url)"
    if db.pool is not None:
        async with db.pool.acquire() as connection:
            yield connection, False
        return
    connection = await db.get_new_connection()
    try:
        yield connection, False
    finally:
        await connection.close()


async def fetch(sql: str, *args: Any) -> Sequence[Row]:
    """Run one statement and return its rows."""
    async with _connection() as (connection, sqlite):
        if sqlite:
            # The engine's SQLite connections use a dict row factory.
            rows: Sequence[Row] = await connection.execute_fetchall(for_sqlite(sql), args)
            return rows
        records: Sequence[Row] = await connection.fetch(sql, *args)
        return records


async def fetchrow(sql: str, *args: Any) -> Row | None:
    rows = await fetch(sql, *args)
    return rows[0] if rows else None


async def fetch_tuples(sql: str, *args: Any) -> list[tuple[Any, ...]]:
    """Rows as plain tuples, in the statement's column order: no mapping built per row."""
    async with _connection() as (connection, sqlite):
        if not sqlite:
            return [tuple(record) for record in await connection.fetch(sql, *args)]
        cursor = await connection.execute(for_sqlite(sql), args)
        cursor.row_factory = None  # this cursor only: the connection keeps its dict rows
        rows: list[tuple[Any, ...]] = await cursor.fetchall()
        await cursor.close()
        return rows


async def execute(sql: str, *args: Any) -> int:
    """Run one statement; returns how many rows it changed (0 for statements that change none)."""
    async with _connection() as (connection, sqlite):
        if sqlite:
            cursor = await connection.execute(for_sqlite(sql), args)
            changed = max(int(cursor.rowcount), 0)
            await cursor.close()
            return changed
        status: str = await connection.execute(sql, *args)
        verb, _, count = status.rpartition(" ")
        return int(count) if verb.split(" ", 1)[0] in ("UPDATE", "DELETE", "INSERT") else 0
