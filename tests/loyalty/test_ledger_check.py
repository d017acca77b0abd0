"""``piccolo loyalty check_ledger``: passes on an honest ledger, names member and entry on tampering."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from loyalty import points
from loyalty.members.accounts import record_member
from loyalty.points.check import check, check_ledger
from loyalty.schema import LedgerEntry, LotDraw, PointLot


async def _history() -> tuple[int, int]:
    member = await record_member("0901234567")
    now = datetime(2026, 1, 1, tzinfo=UTC)
    earned = await points.credit(member.id, 100, kind=points.Kind.EARN, reference="e1", now=now)
    await points.credit(
        member.id, 40, kind=points.Kind.GIFT, reference="e2", expires_at=now + timedelta(days=5), now=now
    )
    spent = await points.debit(member.id, 60, kind=points.Kind.REDEEM, reference="d1", now=now)
    await points.give_back(spent.entry_id, reference="d1-cancel", now=now)
    await points.take_back(member.id, 30, from_entry_id=earned.entry_id, reference="r1", now=now)
    await points.expire_due(now=now + timedelta(days=6))
    return member.id, earned.entry_id


async def test_an_honest_ledger_passes(capsys: pytest.CaptureFixture[str]) -> None:
    await _history()
    await check_ledger()
    out = capsys.readouterr().out
    assert "checked 1 members, 6 ledger entries, 2 lots" in out and "ledger OK" in out


async def test_an_edited_entry_is_reported_with_its_member_and_entry(capsys: pytest.CaptureFixture[str]) -> None:
    member_id, entry_id = await _history()
    await LedgerEntry.raw("UPDATE ledger_entry SET delta = delta + 5 WHERE id = {}", entry_id)
    with pytest.raises(SystemExit) as exit_info:
        await check_ledger()
    assert exit_info.value.code == 1
    err = capsys.readouterr().err
    assert f"member {member_id}, entry {entry_id}: entry_hash does not match" in err
    assert f"member {member_id}: balance" in err


async def test_a_changed_lot_and_a_rewritten_chain_are_reported() -> None:
    member_id, entry_id = await _history()
    await PointLot.raw("UPDATE point_lot SET points_left = points_left + 1 WHERE entry = {}", entry_id)
    await LedgerEntry.raw("UPDATE ledger_entry SET prev_hash = 'x' WHERE member = {} AND id > {}", member_id, entry_id)
    report = await check(progress=False)
    what = [b.what for b in report.breaches]
    assert any("lot has" in w for w in what)
    assert any("prev_hash" in w for w in what)
    assert all(b.member_id == member_id for b in report.breaches)


async def test_a_deleted_newest_entry_breaks_the_head() -> None:
    _member_id, _ = await _history()
    newest = await LedgerEntry.select(LedgerEntry.id).order_by(LedgerEntry.id, ascending=False).first()
    assert newest is not None
    await LedgerEntry.raw("DELETE FROM lot_draw WHERE entry = {}", newest["id"])
    await LedgerEntry.raw("DELETE FROM ledger_entry WHERE id = {}", newest["id"])
    report = await check(progress=False)
    assert any("ledger_head" in b.what for b in report.breaches)


async def test_every_draw_names_the_member_of_its_entry_and_lot() -> None:
    member_id, _ = await _history()
    draws = await LotDraw.select(LotDraw.member, LotDraw.entry.member, LotDraw.lot.member)
    assert len(draws) >= 4  # the redemption, its cancellation, the refund, the expiry
    assert {(d["member"], d["entry.member"], d["lot.member"]) for d in draws} == {(member_id,) * 3}


async def test_a_draw_moved_to_another_member_is_reported() -> None:
    member_id, _ = await _history()
    other = await record_member("0907654321")
    moved = await LotDraw.select(LotDraw.id, LotDraw.entry, LotDraw.lot).order_by(LotDraw.id).first()
    assert moved is not None
    await LotDraw.raw("UPDATE lot_draw SET member = {} WHERE id = {}", other.id, moved["id"])
    report = await check(progress=False)
    assert any(
        b.what.startswith("draw is not")
        and (b.member_id, b.entry_id, b.lot_id) == (other.id, moved["entry"], moved["lot"])
        for b in report.breaches
    )
    assert any(b.member_id == member_id and "lot has" in b.what for b in report.breaches)
