"""Tiers: upgraded at once by the qualifying earn, downgraded only at the review after the grace."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta

import httpx

from loyalty.earning.purchases import Channel, award_purchase
from loyalty.events import EventKind
from loyalty.members.accounts import record_member
from loyalty.members.stores import create_store
from loyalty.schema import DomainEvent, Member, Tier, TierChange
from loyalty.tiers import upgrades as tiers
from loyalty.tiers.review import review_tiers
from tests.conftest import member_headers
from tests.support.ledger import assert_ledger_ok
from tests.support.rewards import make_tiers

NOW = datetime.now(UTC)
_receipts = iter(range(1, 10_000))


async def _buy(member_id: int, store_id: int, amount: int, now: datetime = NOW) -> int:
    """A till purchase of ``amount`` đồng (1 point per 10,000 đ before the tier multiplier)."""
    award = await award_purchase(
        member_id,
        store_id=store_id,
        terminal_id=None,
        receipt_no=f"R{next(_receipts)}",
        amount=amount,
        items=(),
        channel=Channel.TILL,
        digest="",
        now=now,
    )
    return award.points_earned


async def _tier_of(member_id: int) -> str | None:
    row = await Member.select(Member.tier.code).where(Member.id == member_id).first()
    assert row is not None
    return row["tier.code"]  # type: ignore[no-any-return]


async def _set_tier(member_id: int, tier: Tier, since: datetime) -> None:
    await Member.update({Member.tier: tier.id, Member.tier_since: since}).where(Member.id == member_id)


async def test_the_qualifying_earn_upgrades_at_once_and_the_next_earn_gets_the_multiplier() -> None:
    made = await make_tiers()
    store = await create_store("Q1", "Quận 1")
    member = await record_member("0904000001")
    await _set_tier(member.id, made["member"], NOW - timedelta(days=400))
    assert await _buy(member.id, store.id, 4_000_000) == 400
    assert await _tier_of(member.id) == "member"
    assert await _buy(member.id, store.id, 1_000_000) == 100  # 500 earned: silver from now on
    assert await _tier_of(member.id) == "silver"
    change = await TierChange.objects().where(TierChange.member == member.id).first()
    assert change is not None and change.reason == "qualified" and change.to_tier == made["silver"].id
    event = await DomainEvent.objects().where(DomainEvent.kind == EventKind.TIER_CHANGED.value).first()
    assert event is not None and event.member == member.id
    assert await _buy(member.id, store.id, 1_000_000) == 110  # ×1.1
    fresh = await Member.objects().where(Member.id == member.id).first()
    assert fresh is not None
    standing = await tiers.standing(fresh)
    assert standing.tier is not None and standing.tier.earn_multiplier_pct == 110
    assert standing.next_tier is not None and standing.next_tier.code == "gold"
    assert standing.points_needed == 2000 - 610
    await assert_ledger_ok()


async def test_no_downgrade_by_earning_or_inside_the_grace_period() -> None:
    made = await make_tiers()
    store = await create_store("Q1", "Quận 1")
    member = await record_member("0904000002")
    await _set_tier(member.id, made["gold"], NOW - timedelta(days=10))
    await _buy(member.id, store.id, 100_000)  # far below gold: earning never moves down
    assert await _tier_of(member.id) == "gold"
    assert await review_tiers(now=NOW, grace_days=30) == 0
    assert await _tier_of(member.id) == "gold"
    assert await review_tiers(now=NOW + timedelta(days=21), grace_days=30) == 1
    assert await _tier_of(member.id) == "member"


async def test_review_never_goes_below_what_twelve_months_justify() -> None:
    made = await make_tiers()
    store = await create_store("Q1", "Quận 1")
    member = await record_member("0904000003")
    await _buy(member.id, store.id, 30_000_000, now=NOW - timedelta(days=500))  # too old to count
    await _buy(member.id, store.id, 7_000_000, now=NOW - timedelta(days=100))  # 700 points: silver
    await _set_tier(member.id, made["gold"], NOW - timedelta(days=200))
    assert await review_tiers(now=NOW, grace_days=30) == 1
    assert await _tier_of(member.id) == "silver"
    change = await TierChange.objects().order_by(TierChange.id, ascending=False).first()
    assert change is not None and change.from_tier == made["gold"].id and change.to_tier == made["silver"].id
    assert change.reason.startswith("review")
    event = await DomainEvent.objects().order_by(DomainEvent.id, ascending=False).first()
    assert event is not None and event.kind == EventKind.TIER_CHANGED.value
    payload = event.payload if isinstance(event.payload, dict) else json.loads(event.payload)
    assert payload["direction"] == "down" and payload["to_tier"] == "silver"
    # The new tier has its own grace: a second review the next day changes nothing.
    assert await review_tiers(now=NOW + timedelta(days=1), grace_days=30) == 0


async def test_review_works_in_batches_and_keeps_those_who_still_qualify() -> None:
    made = await make_tiers()
    store = await create_store("Q1", "Quận 1")
    ids = []
    for i in range(7):
        member = await record_member(f"090400010{i}")
        await _set_tier(member.id, made["silver"], NOW - timedelta(days=90))
        if i % 2 == 0:
            await _buy(member.id, store.id, 6_000_000, now=NOW - timedelta(days=30))
            await _set_tier(member.id, made["silver"], NOW - timedelta(days=90))
        ids.append(member.id)
    assert await review_tiers(now=NOW, grace_days=30, batch=2) == 3
    assert [await _tier_of(i) for i in ids] == ["silver", "member"] * 3 + ["silver"]


async def test_two_reviews_at_once_change_each_member_once() -> None:
    made = await make_tiers()
    for i in range(5):
        member = await record_member(f"090400020{i}")
        await _set_tier(member.id, made["gold"], NOW - timedelta(days=90))
    results = await asyncio.gather(*(review_tiers(now=NOW, grace_days=30) for _ in range(3)))
    assert sum(results) == 5
    assert await TierChange.count() == 5


async def test_me_shows_the_tier_and_what_the_next_one_needs(client: httpx.AsyncClient) -> None:
    await make_tiers()
    store = await create_store("Q1", "Quận 1")
    headers = member_headers("0904000300")
    created = (await client.get("/api/v1/me", headers=headers)).json()
    assert created["tier"]["code"] == "member" and created["next_tier"] == {
        "code": "silver",
        "name": "Bạc",
        "points_needed": 500,
    }
    row = await Member.select(Member.id).where(Member.public_id == created["id"]).first()
    assert row is not None
    await _buy(row["id"], store.id, 5_500_000)
    me = (await client.get("/api/v1/me", headers=headers)).json()
    assert me["tier"]["code"] == "silver" and me["tier"]["earn_multiplier"] == 1.1
    assert me["next_tier"]["code"] == "gold" and me["next_tier"]["points_needed"] == 2000 - 550
    assert me["points_balance"] == 550


async def test_a_spend_tier_counts_dong_spent_net_of_refunds_over_twelve_months() -> None:
    from loyalty import earning

    await Tier(code="member", name_vi="TV", name_en="Member", rank=1, metric="spend", threshold=0).save()
    await Tier(code="vip", name_vi="VIP", name_en="VIP", rank=2, metric="spend", threshold=10_000_000).save()
    store = await create_store("Q1", "Quận 1")
    member = await record_member("0904000009")
    fresh = await Member.objects().where(Member.id == member.id).first()
    assert fresh is not None
    standing = await tiers.standing(fresh)  # no purchases yet
    assert standing.next_tier is not None and standing.points_needed == 10_000_000
    await _buy(member.id, store.id, 3_000_000, now=NOW - timedelta(days=400))  # outside the window
    await _buy(member.id, store.id, 4_000_000)
    receipt = f"R{next(_receipts)}"
    await award_purchase(
        member.id,
        store_id=store.id,
        terminal_id=None,
        receipt_no=receipt,
        amount=2_000_000,
        items=(),
        channel=Channel.TILL,
        digest="",
        now=NOW,
    )
    await earning.refund(store_id=store.id, terminal_id=None, receipt_no=receipt, amount=500_000)
    standing = await tiers.standing(fresh)
    assert standing.tier is not None and standing.tier.code == "member"
    assert standing.points_needed == 10_000_000 - (4_000_000 + 2_000_000 - 500_000)
