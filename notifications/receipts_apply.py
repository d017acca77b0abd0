"""Delivery receipts: a Zalo or SMS provider says a message it accepted was delivered, or not.

Rules: the receipt names the delivery by (channel, provider message id). ``sent`` → ``delivered``
(``delivered_at`` from the receipt) or ``failed`` (the provider's error kept), guarded on the
delivery still being ``sent``, so a receipt seen twice or out of order changes nothing. A
failed transactional delivery goes on the next channel (``fallback``: at once when the caller
knows the channels on, else in the worker's next round); a receipt that arrives after the
fallback was made still records what happened.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from loyalty import db
from notifications import fallback
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
    channels: Collection[Channel] | None = None,
) -> int | None:
    """Record one receipt; returns the delivery it named, or None (unknown, or already decided).
    With ``channels`` (the channels on), a failed one is handed on at once; without, the
    worker's next round does it (the API does not know which senders the worker has)."""
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
        if not delivered and channels is not None:
            await fallback.fall_back(settings or NotifySettings(), channels, now=at, ids=[row["id"]])
    return int(row["id"])
