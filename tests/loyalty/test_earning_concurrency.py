"""Concurrent writers on a real database: every receipt, spend and claim counts exactly once."""

from __future__ import annotations

import asyncio
from typing import Any

from loyalty import earning, points
from loyalty.earning import cards, claims
from loyalty.members.accounts import record_member
from loyalty.points.check import check
from loyalty.schema import LedgerEntry, Member, Purchase


async def test_fifty_concurrent_earns_of_one_receipt_write_one_entry(app: Any, till: dict[str, Any]) -> None:
    member = await record_member("0901234567")
    code = (await cards.current_code(member.id)).code

    async def attempt() -> earning.EarnOutcome:
        return await earning.earn_at_till(
            store_id=till["store_id"],
            terminal_id=till["terminal_id"],
            member_code=code,
            receipt_no="R-1",
            amount=500_000,
        )

    outcomes = await asyncio.gather(*(attempt() for _ in range(50)))
    assert sum(o.created for o in outcomes) == 1
    assert all(o.earn == outcomes[0].earn for o in outcomes)
    assert await LedgerEntry.count() == 1 and await Purchase.count() == 1
    row = await Member.select(Member.points_balance).where(Member.id == member.id).first()
    assert row is not None and row["points_balance"] == 50


async def test_fifty_concurrent_spends_of_a_balance_of_thirty(app: Any) -> None:
    member = await record_member("0901234567")
    await points.credit(member.id, 30, kind=points.Kind.EARN, reference="seed")

    async def spend(i: int) -> bool:
        try:
            await points.debit(member.id, 1, kind=points.Kind.REDEEM, reference=f"spend-{i}")
        except points.InsufficientPoints:
            return False
        return True

    results = await asyncio.gather(*(spend(i) for i in range(50)))
    assert sum(results) == 30
    row = await Member.select(Member.points_balance).where(Member.id == member.id).first()
    assert row is not None and row["points_balance"] == 0
    assert (await check(progress=False)).ok


async def test_twenty_concurrent_claims_of_one_code_give_one_success(app: Any, till: dict[str, Any]) -> None:
    made = await claims.create_claim(store_id=till["store_id"], terminal_id=None, receipt_no="C-1", amount=300_000)
    members = [await record_member(f"09012345{i:02d}") for i in range(20)]

    async def attempt(member_id: int) -> str:
        try:
            await claims.claim(member_id, made.code)
        except cards.CodeReused:
            return "reused"
        return "ok"

    results = await asyncio.gather(*(attempt(m.id) for m in members))
    assert results.count("ok") == 1 and results.count("reused") == 19
    assert await LedgerEntry.count() == 1
    assert (await check(progress=False)).ok


async def test_one_member_claiming_two_receipts_at_once_gets_both(app: Any, till: dict[str, Any]) -> None:
    # Claiming writes a row that references the member (its FK check takes a KEY SHARE lock on
    # the member on PostgreSQL); taking the member's FOR UPDATE only after it deadlocked two
    # claims by one member. Several rounds, as the two transactions need to overlap.
    member = await record_member("0901234567")
    expected = 0
    for round_no in range(5):
        made = [
            await claims.create_claim(
                store_id=till["store_id"], terminal_id=None, receipt_no=f"C-{round_no}-{i}", amount=300_000
            )
            for i in range(2)
        ]
        results = await asyncio.gather(*(claims.claim(member.id, m.code) for m in made))
        expected += sum(r.points_earned for r in results)
        assert all(r.points_earned > 0 for r in results)
    row = await Member.select(Member.points_balance).where(Member.id == member.id).first()
    assert row is not None and row["points_balance"] == expected
    assert await Purchase.count() == 10 and await LedgerEntry.count() == 10
    assert (await check(progress=False)).ok
