"""Set-wise points credits for fan-outs (campaign gifts), with every invariant of ``ledger.credit``.

Rules (the same as :func:`loyalty.ledger.credit`; ``piccolo loyalty check_ledger`` re-checks them):

* one ``gift`` ``LedgerEntry`` per credit; its ``reference`` is UNIQUE, so a repeat fails the
  whole batch (rolled back) instead of giving twice;
* one ``PointLot`` per entry holding exactly its points (expiring at ``default_expiry(now)``),
  so balance = Σ deltas = Σ points left stays true;
* ``balance_after``, ``prev_hash`` and ``entry_hash`` are computed in Python with
  :func:`loyalty.ledger.entry_hash`, in order, per member, starting from the member's balance and
  ``ledger_head`` read under the lock (FOR UPDATE on PostgreSQL; SQLite's IMMEDIATE transaction
  serialises writers), and the member's balance and head are moved by one guarded statement that
  checks every balance is still the one the entries were computed from (else ``LedgerBroken``,
  and the batch rolls back).

Must run inside ``write_transaction()``. For speed the statements go to the driver connection
of the open transaction: COPY (asyncpg ``copy_records_to_table``) and array parameters
(``unnest``) on PostgreSQL, ``executemany`` and one JSON-array parameter (``json_each``) on
SQLite. Going through the ORM's query builder cost more than the SQL itself at 5,000 rows a batch
(it walks every parameter several times).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from loyalty.db import current_engine, is_sqlite
from loyalty.ledger import Kind, LedgerBroken, default_expiry, entry_hash

ENTRY_COLUMNS = (
    "id",
    "member",
    "delta",
    "kind",
    "reference",
    "balance_after",
    "shortfall",
    "description",
    "created_at",
    "prev_hash",
    "entry_hash",
)
LOT_COLUMNS = ("member", "entry", "points", "points_left", "expires_at", "created_at")


@dataclass(frozen=True)
class Credited:
    """What a bulk credit wrote, aligned with its input: entry ids and balances after each credit."""

    entry_ids: list[int]
    balances: list[int]
    names: dict[int, str]  # member → name, for the messages


def connection() -> Any:
    """The driver connection (asyncpg or aiosqlite) of the write transaction that is open."""
    transaction = current_engine().current_transaction.get()
    if transaction is None:
        raise RuntimeError("bulk writes need an open write_transaction()")
    return transaction.connection


async def fetch(sql: str, *args: Any) -> list[dict[str, Any]]:
    """Rows as dicts on the transaction's connection; ``$1…`` placeholders become ``?`` on SQLite."""
    conn = connection()
    if is_sqlite():
        cursor = await conn.execute(_qmarks(sql), args)
        rows = await cursor.fetchall()
        await cursor.close()
        return [dict(r) for r in rows]
    return [dict(r) for r in await conn.fetch(sql, *args)]


async def execute(sql: str, *args: Any) -> int:
    """Run one statement; returns the number of rows it changed."""
    conn = connection()
    if is_sqlite():
        cursor = await conn.execute(_qmarks(sql), args)
        changed = int(cursor.rowcount)
        await cursor.close()
        return changed
    status = await conn.execute(sql, *args)
    return int(status.rsplit(" ", 1)[-1]) if status.split(" ", 1)[0] in ("UPDATE", "DELETE", "INSERT") else 0


async def insert_rows(table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
    """Append many rows: COPY on PostgreSQL, one ``executemany`` on SQLite."""
    if not rows:
        return
    conn = connection()
    if is_sqlite():
        marks = ", ".join("?" for _ in columns)
        await conn.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)
    else:
        await conn.copy_records_to_table(table, records=rows, columns=list(columns))


async def update_rows(sql_sqlite: str, sql_postgres: str, rows: list[tuple[Any, ...]], *shared: Any) -> int:
    """Update many rows by key; returns how many changed.

    SQLite: ``executemany(sql_sqlite)`` with the ``shared`` values followed by each row's.
    PostgreSQL: ``sql_postgres`` once, with one array per row column (``$1…$k``, for ``unnest``)
    followed by the ``shared`` values.
    """
    if not rows:
        return 0
    conn = connection()
    if is_sqlite():
        cursor = await conn.executemany(sql_sqlite, [(*shared, *r) for r in rows])
        return int(cursor.rowcount)
    columns = [list(c) for c in zip(*rows, strict=True)]
    status = await conn.execute(sql_postgres, *columns, *shared)
    return int(status.rsplit(" ", 1)[-1])


BULK_CACHE_KIB = 65_536  # SQLite page cache for a bulk batch (the default 2 MiB thrashes the indexes)


@asynccontextmanager
async def larger_cache() -> AsyncIterator[None]:
    """On SQLite, a larger page cache for the open bulk transaction, put back afterwards (the
    connection returns to the pool). Only the cache size changes: durability settings are untouched."""
    if not is_sqlite():
        yield
        return
    before = int((await fetch("PRAGMA cache_size"))[0]["cache_size"])
    await execute(f"PRAGMA cache_size = -{BULK_CACHE_KIB}")
    try:
        yield
    finally:
        await execute(f"PRAGMA cache_size = {before}")


async def next_ids(table: str, n: int) -> list[int]:
    """``n`` fresh ids for ``table``: from its sequence on PostgreSQL; after MAX(id) on SQLite,
    where the IMMEDIATE transaction holds the only write lock, so nobody else can take them."""
    if is_sqlite():
        top = await fetch(f"SELECT COALESCE(MAX(id), 0) AS top FROM {table}")
        first = int(top[0]["top"]) + 1
        return list(range(first, first + n))
    rows = await connection().fetch(
        "SELECT nextval(pg_get_serial_sequence($1, 'id')) AS id FROM generate_series(1, $2)", table, n
    )
    return [int(r["id"]) for r in rows]


async def lock_members(member_ids: Sequence[int]) -> list[dict[str, Any]]:
    """id, points_balance, ledger_head and name of these members, locked until the end of the
    transaction, in id order (the order every writer locks in, so two never deadlock)."""
    ids = sorted(set(member_ids))
    if is_sqlite():
        return await fetch(
            "SELECT id, points_balance, ledger_head, name FROM member "
            "WHERE id IN (SELECT value FROM json_each($1)) ORDER BY id",
            json.dumps(ids),
        )
    return await fetch(
        "SELECT id, points_balance, ledger_head, name FROM member WHERE id = ANY($1::bigint[]) ORDER BY id FOR UPDATE",
        ids,
    )


async def bulk_credit(credits: Sequence[tuple[int, str]], points: int, *, description: str, now: datetime) -> Credited:
    """Credit ``points`` to each (member, reference), in order, as ``ledger.credit`` would."""
    if points <= 0:
        raise ValueError("points must be positive")
    if not credits:
        return Credited([], [], {})
    rows = await lock_members([m for m, _ in credits])
    state = {int(r["id"]): (int(r["points_balance"]), str(r["ledger_head"])) for r in rows}
    if len(state) != len({m for m, _ in credits}):
        raise LedgerBroken("a gifted member does not exist")
    before = {m: s[0] for m, s in state.items()}
    ids = await next_ids("ledger_entry", len(credits))
    kind = Kind.GIFT.value
    entries: list[tuple[Any, ...]] = []
    lots: list[tuple[Any, ...]] = []
    balances: list[int] = []
    expires_at = default_expiry(now)
    for entry_id, (member_id, reference) in zip(ids, credits, strict=True):
        balance, head = state[member_id]
        after = balance + points
        digest = entry_hash(head, member_id, points, kind, reference, after, 0, now)
        entries.append((entry_id, member_id, points, kind, reference, after, 0, description, now, head, digest))
        lots.append((member_id, entry_id, points, points, expires_at, now))
        state[member_id] = (after, digest)
        balances.append(after)
    await insert_rows("ledger_entry", ENTRY_COLUMNS, entries)
    await insert_rows("point_lot", LOT_COLUMNS, lots)
    moved = await update_rows(
        "UPDATE member SET updated_at = ?, points_balance = ?, ledger_head = ? WHERE id = ? AND points_balance = ?",
        "UPDATE member AS m SET points_balance = v.after, ledger_head = v.head, updated_at = $5 "
        "FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::bigint[]) AS v(after, head, id, before) "
        "WHERE m.id = v.id AND m.points_balance = v.before",
        [(s[0], s[1], m, before[m]) for m, s in state.items()],
        now,
    )
    if moved != len(state):
        raise LedgerBroken("a balance changed under a bulk credit")
    names = {int(r["id"]): str(r["name"] or "") for r in rows}
    return Credited(ids, balances, names)


def _qmarks(sql: str) -> str:
    """``$1``-style placeholders (asyncpg) to ``?`` (sqlite3); statements here use each once, in order."""
    import re

    return re.sub(r"\$\d+", "?", sql)
