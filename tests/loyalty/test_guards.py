"""Rules the database itself enforces, on both engines."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from loyalty.members import record_member
from loyalty.tables import LedgerEntry, Member, PointLot


async def test_a_negative_balance_is_refused_by_the_database() -> None:
    member = await record_member("0901234567")
    with pytest.raises(Exception, match=r"(?i)check|constraint"):
        await Member.update({Member.points_balance: -1}).where(Member.id == member.id)
    again = await Member.objects().where(Member.id == member.id).first()
    assert again is not None and again.points_balance == 0


async def _entry(member_id: int, *, balance_after: int = 5, shortfall: int = 0) -> int:
    rows = await Member.raw(
        "INSERT INTO ledger_entry (member, delta, kind, reference, balance_after, shortfall, description, created_at, "
        "prev_hash, entry_hash) VALUES ({}, 5, 'earn', {}, {}, {}, '', CURRENT_TIMESTAMP, '', '') RETURNING id",
        member_id,
        f"ref-{balance_after}-{shortfall}",
        balance_after,
        shortfall,
    )
    return int(rows[0]["id"])


@pytest.mark.parametrize(
    ("rule", "balance_after", "shortfall"),
    [("ledger_balance_after_not_negative", -1, 0), ("ledger_shortfall_not_negative", 0, -1)],
)
async def test_each_rule_of_a_table_is_named_when_it_refuses_a_row(
    rule: str, balance_after: int, shortfall: int
) -> None:
    member = await record_member("0901234568")
    assert await _entry(member.id)  # a good row passes every rule
    with pytest.raises(Exception, match=rule):
        await _entry(member.id, balance_after=balance_after, shortfall=shortfall)
    assert await LedgerEntry.count() == 1


@pytest.mark.parametrize(("rule", "points_left"), [("lot_left_not_negative", -1), ("lot_left_within_points", 6)])
async def test_lot_rules_hold_on_update_as_on_insert(rule: str, points_left: int) -> None:
    member = await record_member("0901234569")
    entry = await _entry(member.id)
    lot = PointLot(member=member.id, entry=entry, points=5, points_left=5, expires_at=datetime.now(UTC))
    await lot.save()
    with pytest.raises(Exception, match=rule):
        await PointLot.update({PointLot.points_left: points_left}).where(PointLot.id == lot.id)
    with pytest.raises(Exception, match=rule):
        await PointLot(
            member=member.id, entry=entry, points=5, points_left=points_left, expires_at=datetime.now(UTC)
        ).save()
    left = await PointLot.select(PointLot.points_left)
    assert left == [{"points_left": 5}]
