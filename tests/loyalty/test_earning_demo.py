"""The demo seed gives two members some points and one earning rule, once."""

from __future__ import annotations

from loyalty.points.check import check
from loyalty.schema import EarningRule, LedgerEntry, Member
from loyalty.setup.demo import seed_demo


async def test_seeding_twice_keeps_one_set_of_demo_points() -> None:
    await seed_demo()
    await seed_demo()
    balances = sorted(r["points_balance"] for r in await Member.select(Member.points_balance))
    assert balances == [0, 320, 1250]  # the customer who joined at the demo till has no points yet
    till_members = await Member.select(Member.phone).where(Member.home_store.is_not_null())
    assert till_members == [{"phone": "+84912345678"}]
    assert await LedgerEntry.count() == 2 and await EarningRule.count() == 1
    assert (await check(progress=False)).ok
