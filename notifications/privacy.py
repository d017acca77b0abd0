"""The notification side of a member's data: export it, and remove it on erasure.

Rules: erasure removes the member's devices (and the deliveries that point at them), inbox
messages and consents; nothing of it is part of the programme's books.
"""

from __future__ import annotations

from typing import Any

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


async def erase_member(member_id: int) -> None:
    """Call inside the erasure's write transaction."""
    await Delivery.delete().where(Delivery.member == member_id)
    own_devices = Device.select(Device.id).where(Device.member == member_id)
    await Delivery.delete().where(Delivery.device.is_in(own_devices))
    await Device.delete().where(Device.member == member_id)
    await InboxMessage.delete().where(InboxMessage.member == member_id)
    await Consent.delete().where(Consent.member == member_id)
