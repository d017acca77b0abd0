"""Helpers for segment and campaign tests: members and purchases with chosen dates."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from typing import Any

from loyalty import campaigns
from loyalty.members import stores
from loyalty.members.accounts import new_public_id
from loyalty.schema import LedgerEntry, Member, PointLot, Purchase, Store

NOW = datetime(2027, 3, 15, 3, 0, tzinfo=UTC)
_phones = itertools.count(1)


async def member(
    *,
    name: str = "Lan",
    joined_days_ago: int = 400,
    birthday: date | None = None,
    now: datetime = NOW,
    **fields: Any,
) -> int:
    n = next(_phones)
    row = Member(
        public_id=new_public_id(),
        phone=f"+8490{n:07d}",
        name=name,
        birthday=birthday,
        card_secret="JBSWY3DPEHPK3PXP",
        created_at=now - timedelta(days=joined_days_ago),
        **fields,
    )
    await row.save()
    return int(row.id)


async def store() -> int:
    found = await Store.select(Store.id).where(Store.code == "Q1").first()
    if found:
        return int(found["id"])
    return int((await stores.create_store("Q1", "Quận 1")).id)


_receipts = itertools.count(1)


async def purchase(
    member_id: int, *, days_ago: int, amount: int = 100_000, channel: str = "till", now: datetime = NOW
) -> int:
    row = Purchase(
        store=await store(),
        receipt_no=f"R{next(_receipts)}",
        member=member_id,
        channel=channel,
        amount=amount,
        created_at=now - timedelta(days=days_ago),
    )
    await row.save()
    return int(row.id)


async def ledger_holds(member_id: int) -> None:
    """balance = Σ deltas = Σ lots left, and the hash chain links up to the member's head."""
    from loyalty.points import entry_hash

    m = await Member.select(Member.points_balance, Member.ledger_head).where(Member.id == member_id).first()
    assert m is not None
    entries = await LedgerEntry.select().where(LedgerEntry.member == member_id).order_by(LedgerEntry.id)
    lots = await PointLot.select(PointLot.points_left).where(PointLot.member == member_id)
    assert m["points_balance"] == sum(e["delta"] for e in entries) == sum(lot["points_left"] for lot in lots)
    head = ""
    for e in entries:
        assert e["prev_hash"] == head
        digest = entry_hash(
            head, member_id, e["delta"], e["kind"], e["reference"], e["balance_after"], e["shortfall"], e["created_at"]
        )
        assert e["entry_hash"] == digest
        head = digest
    assert m["ledger_head"] == head


def campaign_values(**changes: Any) -> dict[str, Any]:
    """A one-off 50-point gift to everyone, due a minute before NOW, with these changes."""
    values: dict[str, Any] = {
        "name": "Thank you",
        "audience": "everyone",
        "gift_kind": "points",
        "gift_points": 50,
        "title_vi": "Quà cho $name",
        "title_en": "A gift for $name",
        "message_vi": "Tặng bạn $points điểm",
        "message_en": "Here are $points points",
        "schedule": "once",
        "run_at": NOW - timedelta(minutes=1),
    }
    values.update(changes)
    return values


async def launched_campaign(**changes: Any) -> int:
    campaign_id = await campaigns.create_campaign(campaign_values(**changes))
    await campaigns.change_status(campaign_id, "launch")
    return campaign_id
