"""A member's own ledger, newest first, by keyset pages on the entry id (no OFFSET scans)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from loyalty.schema import LedgerEntry


@dataclass(frozen=True)
class StatementPage:
    items: list[dict[str, Any]]
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
    rows = rows[:limit]
    return StatementPage(rows, rows[-1]["id"] if more and rows else None)
