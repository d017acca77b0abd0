"""The till earn's credit: entry, lot and guarded balance in fixed statements, for a member row
the transaction already holds locked.

The statement texts are module constants because ``bench/earn.py`` replays them. Two texts, because
the engines truly differ here: PostgreSQL writes all three rows in one statement of data-modifying
CTEs (one round trip on the hot path); SQLite has no DML in CTEs, so it runs the same three writes
as three statements, numbered alike.
"""

from __future__ import annotations

from datetime import datetime

from loyalty import db
from loyalty.points.chain import entry_hash
from loyalty.points.locks import LockedMember
from loyalty.points.terms import (
    SYSTEM,
    Kind,
    LedgerBroken,
    Origin,
    Posting,
    default_expiry,
    require_positive,
    require_reference,
    utc_now,
)

# The balance comes back NULL when the guard refused (the row moved under a lock that should
# have prevented it).
CREDIT_SQL_PG = (
    "WITH e AS (INSERT INTO ledger_entry (member, delta, kind, reference, balance_after, shortfall, description, "
    "store, terminal, staff, created_at, prev_hash, entry_hash) "
    "VALUES ($1, $2, $3, $4, $5, 0, $6, $7, $8, $9, $10, $11, $12) RETURNING id), "
    "l AS (INSERT INTO point_lot (member, entry, points, points_left, expires_at, created_at) "
    "SELECT $1, e.id, $2, $2, $13::timestamptz, $10 FROM e), "
    "u AS (UPDATE member SET points_balance = points_balance + $2, ledger_head = $12, updated_at = $10 "
    "WHERE id = $1 AND points_balance = $14 RETURNING points_balance) "
    "SELECT e.id AS entry, (SELECT points_balance FROM u) AS balance FROM e"
)
CREDIT_SQL_SQLITE = (
    "INSERT INTO ledger_entry (member, delta, kind, reference, balance_after, shortfall, description, store, "
    "terminal, staff, created_at, prev_hash, entry_hash) "
    "VALUES ($1, $2, $3, $4, $5, 0, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
    "UPDATE member SET points_balance = points_balance + $2, ledger_head = $3, updated_at = $4 "
    "WHERE id = $1 AND points_balance = $5 RETURNING points_balance",
    "INSERT INTO point_lot (member, entry, points, points_left, expires_at, created_at) "
    "VALUES ($1, $2, $3, $3, $4, $5)",
)


async def credit_locked(
    member: LockedMember,
    points: int,
    *,
    kind: Kind,
    reference: str,
    origin: Origin = SYSTEM,
    expires_at: datetime | None = None,
    now: datetime | None = None,
) -> Posting:
    """:func:`loyalty.points.credit` for a member row this transaction already holds locked (from
    :func:`loyalty.points.lock_member`, or an ``UPDATE … RETURNING`` of the row, which locks it as
    well on PostgreSQL; SQLite's IMMEDIATE transaction holds every row).

    Same entry, lot, hash chain and guarded balance as ``credit``, in fixed statements. No replay
    lookup: a reference used before makes the INSERT fail with a unique violation, which aborts
    the transaction; callers that may repeat catch it and answer from what was stored
    (``earning.earn_at_till`` does). ``member`` is the row as locked: after this call its balance
    is the posting's ``balance_after``.
    """
    require_positive(points)
    require_reference(reference)
    now = now or utc_now()
    expires_at = expires_at or default_expiry(now)
    before = member.points_balance
    after = before + points
    prev = member.ledger_head
    digest = entry_hash(prev, member.id, points, kind.value, reference, after, 0, now)
    entry_args = (
        member.id,
        points,
        kind.value,
        reference,
        after,
        origin.description[:500],
        origin.store_id,
        origin.terminal_id,
        origin.staff_id,
        now,
        prev,
        digest,
    )
    if db.is_sqlite():
        insert_entry, update_balance, insert_lot = CREDIT_SQL_SQLITE
        entry = await db.fetchrow(insert_entry, *entry_args)
        assert entry is not None
        entry_id = int(entry["id"])
        updated = await db.fetchrow(update_balance, member.id, points, digest, now, before)
        balance = updated["points_balance"] if updated else None
        await db.execute(insert_lot, member.id, entry_id, points, expires_at, now)
    else:
        row = await db.fetchrow(CREDIT_SQL_PG, *entry_args, expires_at, before)
        assert row is not None
        entry_id, balance = int(row["entry"]), row["balance"]
    if balance is None:
        raise LedgerBroken(f"member {member.id}: balance moved under a locked credit", member_id=member.id)
    return Posting(entry_id, member.id, points, after, 0, replayed=False)
