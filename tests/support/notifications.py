"""Helpers for notification tests: a member with a locale, zone and devices, and events."""

from __future__ import annotations

from typing import Any

from loyalty.db.engines import write_transaction
from loyalty.events import EventKind, emit
from loyalty.members.accounts import record_member
from loyalty.schema import Member
from notifications import devices
from notifications.tables import Delivery

_counter = {"n": 0}


async def member_with_devices(*tokens: str, locale: str = "vi", timezone: str = "Asia/Ho_Chi_Minh") -> int:
    _counter["n"] += 1
    member = await record_member(f"09{_counter['n']:08d}")
    await Member.update({Member.locale: locale, Member.timezone: timezone}).where(Member.id == member.id)
    for token in tokens:
        await devices.register(member.id, token, "android")
    return member.id


async def event(kind: EventKind, member_id: int, **payload: Any) -> None:
    async with write_transaction():
        await emit(kind, member_id, **payload)


async def statuses() -> dict[str, str]:
    """token → delivery status (one delivery per token in these tests)."""
    rows = await Delivery.raw(
        "SELECT dev.token, d.status FROM delivery d JOIN device dev ON dev.id = d.device ORDER BY d.id"
    )
    return {r["token"]: r["status"] for r in rows}
