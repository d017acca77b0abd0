"""Ledger invariants after a scenario: ``loyalty.points.check`` plus the plain sums."""

from __future__ import annotations

from loyalty.points.check import check
from loyalty.schema import LedgerEntry, Member, PointLot


async def assert_ledger_ok() -> None:
    report = await check(progress=False)
    assert report.ok, [str(b) for b in report.breaches]
    # The same invariant, by hand: balance = Σ deltas = Σ lots' points_left, member by member.
    for member in await Member.select(Member.id, Member.points_balance):
        deltas = await LedgerEntry.select(LedgerEntry.delta).where(LedgerEntry.member == member["id"])
        lots = await PointLot.select(PointLot.points_left).where(PointLot.member == member["id"])
        assert member["points_balance"] == sum(d["delta"] for d in deltas) == sum(lot["points_left"] for lot in lots)
