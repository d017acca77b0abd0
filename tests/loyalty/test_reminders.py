"""Expiring-soon reminders: once per lot or voucher, whoever runs the job and how often."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta

from loyalty import points
from loyalty.members.accounts import record_member
from loyalty.points import Kind
from loyalty.rewards import reminders
from loyalty.schema import DomainEvent, Reward, Voucher

NOW = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)


async def _events(kind: str) -> list[dict[str, object]]:
    rows = await DomainEvent.select(DomainEvent.member, DomainEvent.payload).where(DomainEvent.kind == kind)
    return [
        {"member": r["member"], **(json.loads(r["payload"]) if isinstance(r["payload"], str) else r["payload"])}
        for r in rows
    ]


async def test_points_expiring_within_30_days_are_reminded_once_per_member() -> None:
    lan = (await record_member("0901234567")).id
    await points.credit(lan, 40, kind=Kind.EARN, reference="a", expires_at=NOW + timedelta(days=5), now=NOW)
    await points.credit(lan, 60, kind=Kind.EARN, reference="b", expires_at=NOW + timedelta(days=20), now=NOW)
    await points.credit(lan, 500, kind=Kind.EARN, reference="c", expires_at=NOW + timedelta(days=200), now=NOW)
    spent = (await record_member("0907654321")).id
    await points.credit(spent, 10, kind=Kind.EARN, reference="d", expires_at=NOW + timedelta(days=5), now=NOW)
    await points.debit(spent, 10, kind=Kind.REDEEM, reference="e", now=NOW)

    assert await reminders.remind_expiring_points(NOW) == 2
    assert await _events("points_expiring_soon") == [
        {"member": lan, "points": 100, "expires_on": (NOW + timedelta(days=5)).date().isoformat()}
    ]
    assert await reminders.remind_expiring_points(NOW + timedelta(hours=6)) == 0
    assert len(await _events("points_expiring_soon")) == 1


async def test_vouchers_are_reminded_three_days_before_they_end_once_even_with_two_workers() -> None:
    member = (await record_member("0901234567")).id
    reward = Reward(name_vi="Cà phê", name_en="Coffee", points_cost=10)
    await reward.save()
    for code, days, status in (
        ("SOON000001", 2, "issued"),
        ("LATER00001", 10, "issued"),
        ("USED000001", 1, "redeemed"),
    ):
        await Voucher(
            code=code,
            reference=code,
            member=member,
            reward=reward.id,
            status=status,
            valid_until=NOW + timedelta(days=days),
        ).save()

    counts = await asyncio.gather(reminders.remind_expiring_vouchers(NOW), reminders.remind_expiring_vouchers(NOW))
    assert sorted(counts) == [0, 1]
    events = await _events("voucher_expiring_soon")
    assert [e["code"] for e in events] == ["SOON000001"]
    assert events[0]["valid_until"] == (NOW + timedelta(days=2)).date().isoformat()
