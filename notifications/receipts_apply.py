"""Delivery receipts: a Zalo or SMS provider says a message it accepted was delivered, or not.

Rules: the receipt names the delivery by (channel, provider message id). ``sent`` → ``delivered``
(``delivered_at`` from the receipt) or ``failed`` (the provider's error kept), guarded on the
delivery still being ``sent``, so a receipt seen twice or out of order changes nothing. A
failed transactional delivery goes on the next channel at once (``fallback``); a receipt that
arrives after the fallback was made still records what happened.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from loyalty import db
from notifications import fallback, routing
from notifications.channels.base import Channel
from notifications.config import NotifySettings
from notifications.tables import DeliveryStatus

SENT, DELIVERED, FAILED = DeliveryStatus.SENT, DeliveryStatus.DELIVERED, DeliveryStatus.FAILED


async def apply_receipt(
    channel: Channel,
    provider_id: str,
    delivered: bool,
    error: str,
    at: datetime,
    *,
    settings: NotifySettings | None = None,
    channels: Collection[Channel] = routing.PUSH_ONLY,
) -> int | None:
    """Record one receipt; returns the delivery it named, or None (unknown, or already decided)."""
    if not provider_id:
        return None
    async with db.write_transaction():
        if delivered:
            row = await db.fetchrow(
                f"UPDATE delivery SET status = '{DELIVERED}', delivered_at = $1 "
                f"WHERE channel = $2 AND provider_id = $3 AND status = '{SENT}' RETURNING id",
                at,
                channel.value,
                provider_id,
            )
        else:
            row = await db.fetchrow(
                f"UPDATE delivery SET status = '{FAILED}', last_error = $1 "
                f"WHERE channel = $2 AND provider_id = $3 AND status = '{SENT}' RETURNING id",
                f"receipt: {error or 'not delivered'}"[:500],
                channel.value,
                provider_id,
            )
        if row is None:
            return None
        if not delivered:
            await fallback.fall_back(settings or NotifySettings(), channels, now=at, ids=[row["id"]])
    return int(row["id"])
