"""Hot-path SQL: fixed, parameterised statements run on the open write transaction's connection.

Why: Piccolo builds, compiles and post-processes a query object on every call; on the till earn
(hundreds a second, ~10 statements each) that Python work cost more than the database did. The
few statements of that path are written once as text with ``$1``-style placeholders (turned into
SQLite's numbered ``?1`` once) and sent straight to asyncpg / aiosqlite, so the raw benchmark in
``bench/earn.py`` can import and replay exactly them.

Rules: only inside ``write_transaction()`` (a RuntimeError otherwise: the caller's guards and
locks assume the transaction); values are always parameters, never formatted into the text;
rows come back as read-only mappings keyed by column name. Datetimes go through the same
adapters Piccolo registers for SQLite, so the stored text is the same as Piccolo's.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

from piccolo.engine.base import Engine
from piccolo.engine.sqlite import SQLiteEngine

from loyalty.tables import LedgerEntry

Row = Mapping[str, Any]
_PLACEHOLDER = re.compile(r"\$(\d+)")


def engine() -> Engine[Any]:
    """The tables' engine, resolved once by Piccolo (``engine_finder`` imports piccolo_conf on
    every call: measurable at this rate)."""
    db: Engine[Any] = LedgerEntry._meta.db
    return db


def is_sqlite() -> bool:
    return isinstance(engine(), SQLiteEngine)


@lru_cache(maxsize=256)
def for_sqlite(sql: str) -> str:
    """``$n`` → ``?n`` (SQLite's numbered parameters, so a parameter may be used twice)."""
    return _PLACEHOLDER.sub(r"?\1", sql)


async def fetch(sql: str, *args: Any) -> Sequence[Row]:
    """Run one statement in the current write transaction and return its rows."""
    db = engine()
    transaction = db.current_transaction.get()
    if transaction is None:
        raise RuntimeError("hot_sql runs inside write_transaction() only")
    if isinstance(db, SQLiteEngine):
        # Piccolo's SQLite connections use a dict row factory.
        rows: Sequence[Row] = await transaction.connection.execute_fetchall(for_sqlite(sql), args)
        return rows
    records: Sequence[Row] = await transaction.connection.fetch(sql, *args)
    return records


async def fetchrow(sql: str, *args: Any) -> Row | None:
    rows = await fetch(sql, *args)
    return rows[0] if rows else None
