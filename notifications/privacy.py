"""Everything stored about a member, both sides: export it, and erase it on request.

Rules: the loyalty side is pseudonymised with its books kept (``loyalty.privacy``); here the
member's devices (and the deliveries that point at them), inbox messages and consents are
removed, none of it being part of the books. :func:`erase` does both in one transaction.
"""

from __future__ import annotations

from typing import Any

from loyalty import privacy as loyalty_privacy
from loyalty.audit import StaffActor
from loyalty.db import write_transaction
from notifications.tables import Consent, Delivery, Device, InboxMessage


async def export_member(member_id: int) -> dict[str, Any]:
    devices = (
        await Device.select(
            Device.platform, Device.app_version, Device.active, Device.created_at, Device.last_seen_at, Device.token
        )
        .where(Device.member == member_id)
        .order_by(Device.id)
    )
    for device in devices:
        # Enough to recognise one's own phone; the full token is a credential.
        device["token"] = device["token"][:8] + "…"
    return {
        "devices": devices,
        "inbox": await InboxMessage.select(
            InboxMessage.kind,
            InboxMessage.category,
            InboxMessage.purpose,
            InboxMessage.title,
            InboxMessage.body,
            InboxMessage.created_at,
            InboxMessage.read_at,
        )
        .where(InboxMessage.member == member_id)
        .order_by(InboxMessage.id),
        "consents": await Consent.select(
            Consent.channel, Consent.purpose, Consent.granted, Consent.text_version, Consent.updated_at
        )
        .where(Consent.member == member_id)
        .order_by(Consent.id),
    }


async def export(member_id: int) -> dict[str, Any]:
    """What ``GET /me/export`` answers: both sides, as plain JSON values."""
    data = await loyalty_privacy.export_member(member_id)
    data.update(await export_member(member_id))
    return loyalty_privacy.plain(data)


async def erase(member_id: int, *, actor: StaffActor | None = None) -> None:
    """What ``DELETE /me`` does, in one transaction; staff erasing on the customer's request pass
    themselves as ``actor`` (the audit row names them)."""
    async with write_transaction():
        await erase_member(member_id)
        await loyalty_privacy.erase_member(member_id, actor=actor)


async def erase_member(member_id: int) -> None:
    """The notification side only; call inside the erasure's write transaction."""
    await Delivery.delete().where(Delivery.member == member_id)
    own_devices = Device.select(Device.id).where(Device.member == member_id)
    await Delivery.delete().where(Delivery.device.is_in(own_devices))
    await Device.delete().where(Device.member == member_id)
    await InboxMessage.delete().where(InboxMessage.member == member_id)
    await Consent.delete().where(Consent.member == member_id)
