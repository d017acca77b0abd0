"""The ledger's core moves on a real database: credit, debit FIFO, take back, give back, expire."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from loyalty import points
from loyalty.members.accounts import record_member
from loyalty.points import Kind
from loyalty.schema import LedgerEntry, Member, PointLot


async def _member() -> int:
    return (await record_member("0901234567")).id


async def _balance(member_id: int) -> int:
    row = await Member.select(Member.points_balance).where(Member.id == member_id).first()
    assert row is not None
    return int(row["points_balance"])


async def _lots(member_id: int) -> list[int]:
    rows = await PointLot.select(PointLot.points_left).where(PointLot.member == member_id).order_by(PointLot.id)
    return [r["points_left"] for r in rows]


async def test_debit_draws_soonest_expiring_lots_first() -> None:
    m = await _member()
    now = datetime(2026, 1, 1, tzinfo=UTC)
    await points.credit(m, 100, kind=Kind.EARN, reference="a", expires_at=now + timedelta(days=300), now=now)
    await points.credit(m, 50, kind=Kind.GIFT, reference="b", expires_at=now + timedelta(days=10), now=now)
    posting = await points.debit(m, 70, kind=Kind.REDEEM, reference="c", now=now)
    assert posting.balance_after == 80
    assert await _lots(m) == [80, 0]
    assert await _balance(m) == 80


async def test_insufficient_points_changes_nothing() -> None:
    m = await _member()
    await points.credit(m, 10, kind=Kind.EARN, reference="a")
    with pytest.raises(points.InsufficientPoints):
        await points.debit(m, 11, kind=Kind.REDEEM, reference="b")
    assert await _balance(m) == 10
    assert await LedgerEntry.count().where(LedgerEntry.member == m) == 1


async def test_same_reference_replays_the_first_posting() -> None:
    m = await _member()
    first = await points.credit(m, 10, kind=Kind.EARN, reference="r1")
    again = await points.credit(m, 10, kind=Kind.EARN, reference="r1")
    assert again.replayed and again.entry_id == first.entry_id
    assert await _balance(m) == 10
    with pytest.raises(points.ReferenceReused):
        await points.credit(m, 11, kind=Kind.EARN, reference="r1")


async def test_take_back_stops_at_zero_and_records_the_shortfall() -> None:
    m = await _member()
    earned = await points.credit(m, 100, kind=Kind.EARN, reference="earn")
    await points.debit(m, 80, kind=Kind.REDEEM, reference="spend")
    back = await points.take_back(m, 100, from_entry_id=earned.entry_id, reference="refund")
    assert (back.delta, back.shortfall, back.balance_after) == (-20, 80, 0)
    assert await _lots(m) == [0]


async def test_give_back_restores_the_same_lots() -> None:
    m = await _member()
    await points.credit(m, 30, kind=Kind.EARN, reference="a", expires_at=datetime(2030, 1, 1, tzinfo=UTC))
    await points.credit(m, 30, kind=Kind.EARN, reference="b", expires_at=datetime(2031, 1, 1, tzinfo=UTC))
    spent = await points.debit(m, 45, kind=Kind.REDEEM, reference="c")
    assert await _lots(m) == [0, 15]
    await points.give_back(spent.entry_id, reference="cancel-c")
    assert await _lots(m) == [30, 30]
    assert await _balance(m) == 60


async def test_expiry_removes_exactly_what_is_left_of_a_lot() -> None:
    m = await _member()
    start = datetime(2025, 1, 1, tzinfo=UTC)
    await points.credit(m, 100, kind=Kind.EARN, reference="old", expires_at=start + timedelta(days=365), now=start)
    await points.credit(m, 40, kind=Kind.EARN, reference="new", expires_at=start + timedelta(days=900), now=start)
    await points.debit(m, 30, kind=Kind.REDEEM, reference="spend", now=start)
    assert await points.expire_due(now=start + timedelta(days=366)) == 1
    assert await _balance(m) == 40
    assert await points.expire_due(now=start + timedelta(days=366)) == 0


async def test_hash_chain_links_each_entry_to_the_previous() -> None:
    m = await _member()
    await points.credit(m, 5, kind=Kind.EARN, reference="x")
    await points.debit(m, 2, kind=Kind.REDEEM, reference="y")
    entries = await LedgerEntry.objects().where(LedgerEntry.member == m).order_by(LedgerEntry.id)
    assert entries[0].prev_hash == "" and entries[1].prev_hash == entries[0].entry_hash
    for e in entries:
        assert e.entry_hash == points.entry_hash(
            e.prev_hash, e.member, e.delta, e.kind, e.reference, e.balance_after, e.shortfall, e.created_at
        )
    member = await Member.objects().where(Member.id == m).first()
    assert member is not None and member.ledger_head == entries[-1].entry_hash


async def test_lock_member_returns_the_row_as_locked_and_refuses_an_unknown_member() -> None:
    from loyalty.db import write_transaction
    from loyalty.errors import NotFound

    m = await _member()
    posting = await points.credit(m, 25, kind=Kind.GIFT, reference="g")
    async with write_transaction():
        locked = await points.lock_member(m)
    member = await Member.objects().where(Member.id == m).first()
    assert member is not None
    assert locked == points.LockedMember(m, member.public_id, member.name, None, 25, member.ledger_head)
    entry = await LedgerEntry.select(LedgerEntry.entry_hash).where(LedgerEntry.id == posting.entry_id).first()
    assert entry is not None and locked.ledger_head == entry["entry_hash"]
    with pytest.raises(NotFound):
        async with write_transaction():
            await points.lock_member(m + 1000)


@pytest.mark.postgres_only
async def test_lock_member_holds_the_row_until_the_transaction_ends() -> None:
    import asyncpg
    from piccolo.engine.postgres import PostgresEngine

    from loyalty.db import current_engine, write_transaction

    m = await _member()
    engine = current_engine()
    assert isinstance(engine, PostgresEngine)
    other = await engine.get_new_connection()
    try:
        async with write_transaction():
            await points.lock_member(m)
            with pytest.raises(asyncpg.LockNotAvailableError):
                await other.fetch("SELECT id FROM member WHERE id = $1 FOR UPDATE NOWAIT", m)
        assert await other.fetch("SELECT id FROM member WHERE id = $1 FOR UPDATE NOWAIT", m)
    finally:
        await other.close()
