"""Set-wise points credits for fan-outs (campaign gifts), with every invariant of ``ledger.credit``.

Rules (the same as :func:`loyalty.ledger.credit`; ``piccolo loyalty check_ledger`` re-checks them):

* one ``gift`` ``LedgerEntry`` per credit; its ``reference`` is UNIQUE, so a repeat fails the
  whole batch (rolled back) instead of giving twice;
* one ``PointLot`` per entry holding exactly its points (expiring at ``default_expiry(now)``),
  so balance = Σ deltas = Σ points left stays true;
* ``balance_after``, ``prev_hash`` and ``entry_hash`` are computed in Python with
  :func:`loyalty.ledger.gift_hashes` (the text :func:`loyalty.ledger.entry_hash` hashes) from the
  member's balance and ``ledger_head`` read in the transaction (locked: FOR UPDATE on
  PostgreSQL; SQLite's IMMEDIATE transaction serialises writers). Each member gets one credit
  per call, so the entries of a call never chain on each other;
* the balances and heads are moved (when the ``bulk_credit`` block ends) by one guarded
  statement that only moves a member whose balance *and* head are still the ones the entry was
  computed from; if any did not move (``LedgerBroken``), the batch rolls back. The guard, not
  the caller's lock, is what makes a stale read harmless.

Must run inside ``write_transaction()``. Only the entries carry per-row values from Python; lots
and balances are derived from them in SQL. PostgreSQL: entries and lots in one statement of
data-modifying CTEs over ``unnest`` arrays, balances by ``UPDATE … FROM unnest``. SQLite: the
entries by multi-row ``INSERT … VALUES`` (ids after MAX(id), timestamps as text formatted once), then
``INSERT … SELECT`` and ``UPDATE … FROM`` over that id range.
"""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from datetime import datetime
from string import Formatter
from typing import Any, NamedTuple

from piccolo.engine.sqlite import convert_datetime_in

from loyalty.db import current_engine, is_sqlite
from loyalty.points.ledger import Kind, LedgerBroken, default_expiry, gift_hashes


@dataclass(frozen=True)
class Credited:
    """What a bulk credit wrote, aligned with its input: entry ids and balances after each credit."""

    entry_ids: list[int]
    balances: list[int]


def connection() -> Any:
    """The driver connection (asyncpg or aiosqlite) of the write transaction that is open."""
    transaction = current_engine().current_transaction.get()
    if transaction is None:
        raise RuntimeError("bulk writes need an open write_transaction()")
    return transaction.connection


async def fetch(sql: str, *args: Any) -> list[dict[str, Any]]:
    """Rows as dicts on the transaction's connection; ``$1…`` placeholders become ``?`` on SQLite."""
    rows = await _driver_rows(sql, args, tuples=False)
    return rows if is_sqlite() else [dict(r) for r in rows]  # SQLite's are dicts already (the engine's row factory)


async def _driver_rows(sql: str, args: Sequence[Any], *, tuples: bool) -> list[Any]:
    """The driver's own rows: asyncpg records, or on SQLite the engine's dicts (plain tuples
    with ``tuples``, set on this cursor only)."""
    conn = connection()
    if not is_sqlite():
        return list(await conn.fetch(sql, *args))
    cursor = await conn.execute(_qmarks(sql), tuple(args))
    if tuples:
        cursor.row_factory = None
    rows: list[Any] = await cursor.fetchall()
    await cursor.close()
    return rows


async def fetch_template(template: str, *args: Any) -> list[dict[str, Any]]:
    """:func:`fetch` for SQL written with Piccolo's ``{}`` placeholders (compiled segment filters),
    skipping the query builder's per-row work: a fan-out batch reads twenty thousand rows."""
    return await fetch(numbered(template), *args)


def numbered(template: str) -> str:
    """``{}`` placeholders, in order, to ``$1…``; ``{{``/``}}`` to literal braces (Piccolo's rules)."""
    parts: list[str] = []
    n = 0
    for literal, field, _spec, _conversion in Formatter().parse(template):
        parts.append(literal)
        if field is not None:
            if field:
                raise ValueError(f"only bare {{}} placeholders are supported, not {{{field}}}")
            n += 1
            parts.append(f"${n}")
    return "".join(parts)


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
        if not is_sqlite():
            await execute("SET LOCAL jit = off")
            yield
            return
        before = int((await fetch("PRAGMA cache_size"))[0]["cache_size"])
        await execute(f"PRAGMA cache_size = -{BULK_CACHE_KIB}")
        try:
            yield
        finally:
            await execute(f"PRAGMA cache_size = {before}")


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
    holds the only write lock, so the rows this transaction appends take the ids that follow."""
    top = await fetch(f"SELECT COALESCE(MAX(id), 0) AS top FROM {table}")
    return int(top[0]["top"]) + 1


class Holder(NamedTuple):
    """A member as the bulk credit needs them: read in the open write transaction. (A tuple: a
    million of them are made per fan-out.)"""

    id: int
    balance: int
    head: str


async def fetch_holders(template: str, *args: Any) -> list[Holder]:
    """Holders read by a query (Piccolo ``{}`` placeholders) whose columns are a member's id,
    balance and ledger head, in that order, straight from the driver's rows: a fan-out batch reads
    twenty thousand, and making a dict of each cost SQLite more than the query itself."""
    return list(map(Holder._make, await _driver_rows(numbered(template), args, tuples=True)))


def sqlite_timestamp(moment: datetime) -> str:
    """The text SQLite stores for a timestamp, exactly as Piccolo's adapter writes it; formatted
    once per batch instead of once per row (the adapter call cost more than the insert)."""
    return convert_datetime_in(moment)


@asynccontextmanager
async def bulk_credit(
    holders: Sequence[Holder], references: Sequence[str], points: int, *, description: str, now: datetime
) -> AsyncIterator[Credited]:
    """Credit ``points`` to each holder (distinct members) under its reference, as ``ledger.credit``
    would. Entering writes the entries and lots and yields their ids and the balances, aligned
    with ``holders``; leaving moves the balances (guarded). Rows that reference the new entries
    belong inside the block: on PostgreSQL their foreign-key checks then find the members' rows
    as this transaction locked them, not as new versions each check would lock again."""
    if points <= 0:
        raise ValueError("points must be positive")
    if len(holders) != len(references):
        raise ValueError("one reference per holder")
    if len({h.id for h in holders}) != len(holders):
        raise ValueError("a bulk credit gives each member one credit")
    balances = [h.balance + points for h in holders]
    hashes = gift_hashes(
        [(h.id, h.head, reference, after) for h, reference, after in zip(holders, references, balances, strict=True)],
        points,
        Kind.GIFT.value,
        now,
    )
    if not holders:
        yield Credited([], [])
        return
    batch = _Entries(holders, references, balances, hashes, points, description, now)
    entry_ids = await (_post_sqlite(batch) if is_sqlite() else _post_postgres(batch))
    yield Credited(entry_ids, balances)
    if is_sqlite():
        moved = await execute(
            "UPDATE member SET points_balance = e.balance_after, ledger_head = e.entry_hash, updated_at = $1 "
            "FROM ledger_entry e WHERE e.id BETWEEN $2 AND $3 AND e.member = member.id "
            "AND member.points_balance = e.balance_after - e.delta AND member.ledger_head = e.prev_hash",
            sqlite_timestamp(now),
            entry_ids[0],
            entry_ids[-1],
        )
    else:
        moved = await execute(
            "UPDATE member AS m SET points_balance = v.after, ledger_head = v.digest, updated_at = $5 "
            "FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[]) AS v(member, after, prev, digest) "
            "WHERE m.id = v.member AND m.points_balance = v.after - $6 AND m.ledger_head = v.prev",
            [h.id for h in holders],
            balances,
            [h.head for h in holders],
            hashes,
            now,
            points,
        )
    if moved != len(holders):
        raise LedgerBroken("a balance changed under a bulk credit")


class _Entries(NamedTuple):
    """The entries of one bulk credit, aligned: one per holder."""

    holders: Sequence[Holder]
    references: Sequence[str]
    balances: list[int]
    hashes: list[str]
    points: int
    description: str
    now: datetime


SQLITE_ROWS_PER_INSERT = 1_000  # × 10 values: within SQLite's 32,766 host parameters


async def _post_sqlite(batch: _Entries) -> list[int]:
    """Entries with ids after MAX(id) (the IMMEDIATE transaction is the only writer), then their
    lots derived from that id range in one statement."""
    first = await next_sqlite_id("ledger_entry")
    ids = list(range(first, first + len(batch.holders)))
    at = sqlite_timestamp(batch.now)
    kind, points, description = Kind.GIFT.value, batch.points, batch.description
    rows = list(zip(ids, batch.holders, batch.references, batch.balances, batch.hashes, strict=True))
    # Many rows per statement: a quarter faster than executemany's statement step per row.
    for start in range(0, len(rows), SQLITE_ROWS_PER_INSERT):
        chunk = rows[start : start + SQLITE_ROWS_PER_INSERT]
        await execute(
            "INSERT INTO ledger_entry (id, member, delta, kind, reference, balance_after, shortfall, description, "
            "created_at, prev_hash, entry_hash) VALUES "
            + ", ".join(["(?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?)"] * len(chunk)),
            *(
                value
                for i, h, reference, after, digest in chunk
                for value in (i, h.id, points, kind, reference, after, description, at, h.head, digest)
            ),
        )
    await execute(
        "INSERT INTO point_lot (member, entry, points, points_left, expires_at, created_at) "
        "SELECT member, id, delta, delta, $1, $2 FROM ledger_entry WHERE id BETWEEN $3 AND $4",
        sqlite_timestamp(default_expiry(batch.now)),
        at,
        first,
        ids[-1],
    )
    return ids


POST_POSTGRES = """
WITH e AS (
  INSERT INTO ledger_entry (member, delta, kind, reference, balance_after, shortfall, description, created_at,
    prev_hash, entry_hash)
  SELECT v.member, $6, $7, v.reference, v.after, 0, $8, $9, v.prev, v.digest
  FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::text[], $5::text[])
    AS v(member, reference, after, prev, digest)
  RETURNING id, member
), l AS (
  INSERT INTO point_lot (member, entry, points, points_left, expires_at, created_at)
  SELECT member, id, $6, $6, $10, $9 FROM e
)
SELECT id, member FROM e
"""


async def _post_postgres(batch: _Entries) -> list[int]:
    """Entries and lots in one statement (data-modifying CTEs, one round trip); the entry ids come
    from the sequence as the rows are written."""
    rows = await connection().fetch(
        POST_POSTGRES,
        [h.id for h in batch.holders],
        list(batch.references),
        batch.balances,
        [h.head for h in batch.holders],
        batch.hashes,
        batch.points,
        Kind.GIFT.value,
        batch.description,
        batch.now,
        default_expiry(batch.now),
    )
    entry_of = {int(r["member"]): int(r["id"]) for r in rows}
    return [entry_of[h.id] for h in batch.holders]


def _qmarks(sql: str) -> str:
    """``$1``-style placeholders (asyncpg) to ``?`` (sqlite3); statements here use each once, in order."""
    import re

    return re.sub(r"\$\d+", "?", sql)
