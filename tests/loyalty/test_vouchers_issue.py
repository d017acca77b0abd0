"""issue_voucher: gifts without points, idempotent on the reference, stock-limited."""

from __future__ import annotations

import pytest

from loyalty import rewards
from loyalty.errors import InvalidInput, NotFound
from loyalty.events import EventKind
from loyalty.members.accounts import record_member
from loyalty.rewards.records import CODE_ALPHABET
from loyalty.schema import DomainEvent, Member, Reward, Voucher


async def _reward(stock: int | None = None, cost: int = 100) -> int:
    reward = Reward(name_vi="Cà phê", name_en="Coffee", points_cost=cost, stock_left=stock, voucher_valid_days=14)
    await reward.save()
    return reward.id


async def test_issue_voucher_gives_a_voucher_without_points() -> None:
    member = await record_member("0901234567")
    reward_id = await _reward()
    voucher = await rewards.issue_voucher(member.id, reward_id, source="campaign", reference="camp:1:m1")
    assert voucher.status == "issued" and voucher.points_paid == 0 and voucher.spend_entry is None
    assert len(voucher.code) >= 10 and set(voucher.code) <= set(CODE_ALPHABET)
    assert (voucher.valid_until - voucher.issued_at).days == 14
    row = await Member.select(Member.points_balance).where(Member.id == member.id).first()
    assert row is not None and row["points_balance"] == 0
    assert await DomainEvent.count().where(DomainEvent.kind == EventKind.VOUCHER_ISSUED.value) == 1


async def test_same_reference_returns_the_same_voucher() -> None:
    member = await record_member("0901234567")
    reward_id = await _reward(stock=3)
    first = await rewards.issue_voucher(member.id, reward_id, source="birthday", reference="bd:2026:1", valid_days=7)
    again = await rewards.issue_voucher(member.id, reward_id, source="birthday", reference="bd:2026:1", valid_days=7)
    assert again.id == first.id and again.code == first.code
    assert await Voucher.count() == 1
    stock = await Reward.select(Reward.stock_left).where(Reward.id == reward_id).first()
    assert stock is not None and stock["stock_left"] == 2
    other = await record_member("0907654321")
    with pytest.raises(rewards.VoucherReferenceReused):
        await rewards.issue_voucher(other.id, reward_id, source="birthday", reference="bd:2026:1")


async def test_issue_stops_when_stock_runs_out() -> None:
    member = await record_member("0901234567")
    reward_id = await _reward(stock=1)
    await rewards.issue_voucher(member.id, reward_id, source="compensation", reference="c1")
    with pytest.raises(rewards.OutOfStock):
        await rewards.issue_voucher(member.id, reward_id, source="compensation", reference="c2")
    assert await Voucher.count() == 1


async def test_bad_source_or_unknown_reward_is_refused() -> None:
    member = await record_member("0901234567")
    with pytest.raises(InvalidInput):
        await rewards.issue_voucher(member.id, await _reward(), source="lottery", reference="x")
    with pytest.raises(NotFound):
        await rewards.issue_voucher(member.id, 999, source="campaign", reference="y")


def test_voucher_expiry_and_tier_review_are_registered_jobs() -> None:
    from loyalty.jobs import registered_jobs

    names = {j.name for j in registered_jobs()}
    assert {"vouchers.expire", "tiers.review"} <= names
