"""A small programme whose November 2026 figures can be worked out by hand (the numbers are in
``tests/loyalty/test_reports.py``): four members (one known by phone only, joined today), two
stores, eight ledger entries, one just after the month's end in Vietnam time and one just
inside its start."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from loyalty import complaints, members, points, rewards
from loyalty.points import Kind, Origin
from loyalty.reports import Grain, Period
from loyalty.schema import Member, MemberStats
from tests.support.campaigns import member
from tests.support.complaints import seed_desk, staff
from tests.support.rewards import make_reward, make_tiers

NOVEMBER = Period(date(2026, 11, 1), date(2026, 11, 30), Grain.WEEK)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@dataclass(frozen=True)
class Seeded:
    q1: int
    q3: int
    a: int
    b: int
    c: int


async def seed_november(now: datetime) -> Seeded:
    q1 = int((await members.create_store("Q1", "Quận 1")).id)
    q3 = int((await members.create_store("Q3", "Quận 3")).id)
    a = await member(name="An", now=utc("2026-11-02 03:00"), joined_days_ago=0)
    b = await member(name="Bình", now=utc("2026-11-10 03:00"), joined_days_ago=0)
    c = await member(name="Chi", now=utc("2026-10-15 03:00"), joined_days_ago=0)
    tiers = await make_tiers()
    await Member.update({Member.tier: tiers["silver"].id}).where(Member.id == a)
    at_q1, at_q3 = Origin(store_id=q1), Origin(store_id=q3)
    # 00:30 on 1 November in Vietnam: inside the month.
    await points.credit(a, 1000, kind=Kind.EARN, reference="d1", origin=at_q1, now=utc("2026-10-31 17:30"))
    await points.credit(b, 500, kind=Kind.GIFT, reference="d2", now=utc("2026-11-10 02:00"))
    # 23:59 on 30 November in Vietnam: inside; 00:30 on 1 December: outside.
    await points.credit(a, 200, kind=Kind.EARN, reference="d3", origin=at_q3, now=utc("2026-11-30 16:59"))
    await points.credit(c, 300, kind=Kind.EARN, reference="d4", origin=at_q1, now=utc("2026-11-30 17:30"))
    reward = await make_reward(points_cost=400, valid_from=utc("2026-10-01 00:00"))
    await rewards.redeem(a, int(reward.id), reference="d5", now=utc("2026-11-15 05:00"))
    await points.debit(b, 100, kind=Kind.EXPIRE, reference="d6", now=utc("2026-11-20 05:00"))
    await points.credit(c, 50, kind=Kind.ADJUST, reference="d7", now=utc("2026-11-05 05:00"))
    await points.debit(a, 30, kind=Kind.ADJUST, reference="d8", origin=at_q1, now=utc("2026-11-06 05:00"))
    # Bought 10 and 60 days ago: active in 30 days one, in 90 days two.
    await MemberStats(member=a, last_purchase_at=now - timedelta(days=10)).save()
    await MemberStats(member=b, last_purchase_at=now - timedelta(days=60)).save()
    await seed_desk()
    agent = await staff("an")
    await members.record_member("0907654321", name="Lan")
    await complaints.log_by_staff(
        agent, category="other", description="Ly bị nứt", channel="phone", phone="0907654321", store_code="Q1"
    )
    return Seeded(q1, q3, a, b, c)
