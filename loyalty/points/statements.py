"""A member's own ledger, newest first, by keyset pages on the entry id (no OFFSET scans)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from loyalty.schema import LedgerEntry


@dataclass(frozen=True, slots=True)
class StatementLine:
    """One entry as the member sees it."""

    id: int
    delta: int
    kind: str
    balance_after: int
    created_at: datetime
    description: str
    reference: str
    shortfall: int


@dataclass(frozen=True, slots=True)
class StatementPage:
    items: list[StatementLine]
    next_before: int | None  # the id to continue below, or None on the last page


async def statement(member_id: int, *, limit: int = 20, before: int | None = None) -> StatementPage:
    condition: Any = LedgerEntry.member == member_id
    if before is not None:
        condition = condition & (LedgerEntry.id < before)
    rows = (
        await LedgerEntry.select(
            LedgerEntry.id,
            LedgerEntry.delta,
            LedgerEntry.kind,
            LedgerEntry.balance_after,
            LedgerEntry.created_at,
            LedgerEntry.description,
            LedgerEntry.reference,
            LedgerEntry.shortfall,
        )
        .where(condition)
        .order_by(LedgerEntry.id, ascending=False)
        .limit(limit + 1)
    )
    more = len(rows) > limit
    lines = [StatementLine(**row) for row in rows[:limit]]
    return StatementPage(lines, lines[-1].id if more and lines else None)
