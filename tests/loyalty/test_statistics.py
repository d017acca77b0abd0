"""A member's statistics row follows each earn, claim and refund in the same transaction, with no job run."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from loyalty.earning import cards, claims, refunds
from loyalty.earning import till as earning
from loyalty.members import statistics
from loyalty.members.accounts import record_member
from loyalty.schema import Member, MemberStats

T0 = datetime(2026, 11, 22, 10, tzinfo=UTC)


async def _earn(till: dict[str, Any], member: Member, receipt: str, amount: int, now: datetime) -> None:
    await earning.earn_at_till(
        store_id=till["store_id"],
        terminal_id=till["terminal_id"],
        member_code=cards.code_for(member.public_id, member.card_secret, now).code,
        receipt_no=receipt,
        amount=amount,
        now=now,
    )


async def _claim(till: dict[str, Any], member: Member, receipt: str, amount: int, now: datetime) -> None:
    made = await claims.create_claim(
        store_id=till["store_id"], terminal_id=till["terminal_id"], receipt_no=receipt, amount=amount, now=now
    )
    await claims.claim(int(member.id), made.code, now=now)


async def _refund(till: dict[str, Any], receipt: str, amount: int, now: datetime) -> None:
    await refunds.refund(
        store_id=till["store_id"], terminal_id=till["terminal_id"], receipt_no=receipt, amount=amount, now=now
    )


async def _stats(member: Member) -> dict[str, Any]:
    row = (
        await MemberStats.select(*(getattr(MemberStats, c) for c in statistics.STAT_COLUMNS))
        .where(MemberStats.member == member.id)
        .first()
    )
    assert row is not None, "no statistics row"
    return row


async def test_an_earn_at_the_till_shows_in_the_members_row_at_once(till: dict[str, Any]) -> None:
    member = await record_member("0901234567")
    await _earn(till, member, "R-1", 1_200_000, T0)
    row = await _stats(member)
    assert row["first_purchase_at"] == row["last_purchase_at"] == T0
    assert (row["visits_90d"], row["visits_12m"], row["visits_total"]) == (1, 1, 1)
    assert (row["spend_90d"], row["spend_12m"], row["spend_total"], row["avg_basket"]) == (1_200_000,) * 4
    assert (row["channel"], row["days_since_last_visit"]) == ("till", 0)
    assert (row["recency_score"], row["frequency_score"], row["monetary_score"]) == (5, 1, 2)

    later = T0 + timedelta(days=3)
    await _earn(till, member, "R-2", 800_000, later)
    row = await _stats(member)
    assert (row["first_purchase_at"], row["last_purchase_at"]) == (T0, later)
    assert (row["visits_90d"], row["spend_90d"], row["avg_basket"]) == (2, 2_000_000, 1_000_000)
    assert row["frequency_score"] == 2


async def test_an_approved_claim_shows_with_its_channel(till: dict[str, Any]) -> None:
    member = await record_member("0901234567")
    await _claim(till, member, "C-1", 300_000, T0)
    row = await _stats(member)
    assert (row["last_purchase_at"], row["visits_total"], row["spend_total"]) == (T0, 1, 300_000)
    assert row["channel"] == "claim"
    await _earn(till, member, "R-1", 200_000, T0 + timedelta(hours=1))
    row = await _stats(member)
    assert (row["visits_total"], row["spend_total"], row["channel"]) == (2, 500_000, "both")


async def test_the_counters_an_earn_adds_agree_with_a_recomputation(till: dict[str, Any]) -> None:
    member = await record_member("0901234567")
    for day, amount in enumerate((2_000_000, 9_999, 4_500_000, 700_000)):
        await _earn(till, member, f"R-{day}", amount, T0 + timedelta(days=day))
    now = T0 + timedelta(days=4)
    await _claim(till, member, "C-1", 6_000_000, now)
    counted = await _stats(member)
    await statistics.refresh_member(int(member.id), now=now)
    recomputed = await _stats(member)
    del counted["refreshed_at"], recomputed["refreshed_at"]
    assert counted == recomputed
    assert (counted["visits_12m"], counted["spend_12m"], counted["monetary_score"]) == (5, 13_209_999, 4)


async def test_a_refund_takes_the_spend_and_then_the_visit_off(till: dict[str, Any]) -> None:
    member = await record_member("0901234567")
    await _earn(till, member, "R-1", 120_000, T0)
    await _earn(till, member, "R-2", 300_000, T0 + timedelta(days=1))
    await _refund(till, "R-2", 100_000, T0 + timedelta(days=2))
    row = await _stats(member)
    assert (row["visits_total"], row["spend_total"], row["spend_90d"]) == (2, 320_000, 320_000)
    assert row["avg_basket"] == 160_000
    await _refund(till, "R-2", 200_000, T0 + timedelta(days=2))
    row = await _stats(member)
    assert (row["visits_total"], row["spend_total"], row["last_purchase_at"]) == (1, 120_000, T0)


async def test_a_refund_that_reverses_no_points_still_counts(till: dict[str, Any]) -> None:
    member = await record_member("0901234567")
    await _earn(till, member, "R-1", 9_999, T0)  # below one point: no ledger entry to reverse
    await _refund(till, "R-1", 9_999, T0)
    row = await _stats(member)
    assert (row["visits_total"], row["spend_total"], row["channel"], row["last_purchase_at"]) == (0, 0, "none", None)


async def test_concurrent_refunds_of_one_member_leave_the_row_exact(app: Any, till: dict[str, Any]) -> None:
    member = await record_member("0901234567")
    for day in range(8):
        await _earn(till, member, f"R-{day}", 1_000_000 if day % 2 else 9_999, T0 + timedelta(days=day))
    now = T0 + timedelta(days=10)
    # On PostgreSQL each refund has its own pooled connection: without the member's lock, two
    # recomputations would each miss the other's refund and the last one written would win.
    await asyncio.gather(*(_refund(till, f"R-{i}", 400_000 if i % 4 == 1 else 9_999, now) for i in range(8)))
    written = await _stats(member)
    await statistics.refresh_member(int(member.id), now=now)
    recomputed = await _stats(member)
    del written["refreshed_at"], recomputed["refreshed_at"]
    assert written == recomputed
    assert (written["visits_total"], written["spend_total"]) == (4, 4_000_000 - 2 * 400_000 - 2 * 9_999)
