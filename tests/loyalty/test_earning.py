"""earn_at_till on a real database: repeats, late retries, zero-point receipts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from loyalty import earning
from loyalty.earning import cards
from loyalty.members.accounts import record_member
from loyalty.schema import LedgerEntry, Purchase

T0 = datetime(2026, 11, 22, 10, tzinfo=UTC)


async def _earn(till: dict[str, Any], code: str, receipt: str, amount: int, now: datetime) -> earning.EarnOutcome:
    return await earning.earn_at_till(
        store_id=till["store_id"],
        terminal_id=till["terminal_id"],
        member_code=code,
        receipt_no=receipt,
        amount=amount,
        now=now,
    )


async def test_a_late_retry_with_the_expired_code_gets_the_first_answer(till: dict[str, Any]) -> None:
    member = await record_member("0901234567")
    code = cards.code_for(member.public_id, member.card_secret, T0).code
    first = await _earn(till, code, "R-1", 120_000, T0)
    late = await _earn(till, code, "R-1", 120_000, T0 + timedelta(minutes=10))
    assert first.created and not late.created and late.earn == first.earn
    fresh = cards.code_for(member.public_id, member.card_secret, T0 + timedelta(minutes=10)).code
    again = await _earn(till, fresh, "R-1", 120_000, T0 + timedelta(minutes=10))
    assert not again.created and again.earn == first.earn
    with pytest.raises(earning.DuplicateReceipt):
        await _earn(till, fresh, "R-1", 130_000, T0 + timedelta(minutes=10))
    assert await LedgerEntry.count() == 1


async def test_an_expired_code_on_a_new_receipt_is_refused(till: dict[str, Any]) -> None:
    member = await record_member("0901234567")
    code = cards.code_for(member.public_id, member.card_secret, T0).code
    with pytest.raises(cards.CodeInvalid):
        await _earn(till, code, "R-2", 120_000, T0 + timedelta(minutes=2))
    assert await Purchase.count() == 0


async def test_a_receipt_below_one_point_is_recorded_without_an_entry(till: dict[str, Any]) -> None:
    member = await record_member("0901234567")
    code = cards.code_for(member.public_id, member.card_secret, T0).code
    outcome = await _earn(till, code, "R-3", 9_999, T0)
    assert outcome.earn.points_earned == 0 and outcome.earn.points_balance == 0
    assert await Purchase.count() == 1 and await LedgerEntry.count() == 0
