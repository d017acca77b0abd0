"""The member's row lock: the one way every change of points (and what it pays for) locks a member.

Lock order, for every capability: the member first, then what the change touches (a reward, a
voucher, a claim). PostgreSQL takes ``FOR UPDATE``; on SQLite the IMMEDIATE write transaction
already holds the database's one write lock. The row comes back as :class:`LockedMember`, the
columns a change of points needs, so the change reads the member once.
"""

from __future__ import annotations

from dataclasses import dataclass

from loyalty import db
from loyalty.errors import NotFound

# What a locked member row carries; an ``UPDATE … RETURNING`` that locks the row (the card's
# step, ``earning.cards``) returns the same columns.
LOCKED_MEMBER_COLUMNS = "id, public_id, name, tier, points_balance, ledger_head"
LOCK_MEMBER_SQL = f"SELECT {LOCKED_MEMBER_COLUMNS} FROM member WHERE id = $1"


@dataclass(frozen=True, slots=True)
class LockedMember:
    """A member row locked to the end of the write transaction, as it was when locked."""

    id: int
    public_id: str
    name: str
    tier: int | None
    points_balance: int
    ledger_head: str

    @classmethod
    def from_row(cls, row: db.Row) -> LockedMember:
        """From a row of ``LOCKED_MEMBER_COLUMNS``."""
        return cls(
            int(row["id"]),
            row["public_id"],
            row["name"],
            row["tier"],
            int(row["points_balance"]),
            row["ledger_head"],
        )


async def lock_member(member_id: int) -> LockedMember:
    """Lock the member's row for the rest of the write transaction; an unknown member is NotFound."""
    row = await db.fetchrow(LOCK_MEMBER_SQL + db.for_update(), member_id)
    if row is None:
        raise NotFound(f"member {member_id} not found")
    return LockedMember.from_row(row)
