"""Domain events: what a member may hear about, written in the transaction of the change.

The notifications side reads them later; the domain never knows how (or whether) they are sent.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from piccolo.utils.encoding import dump_json

from loyalty import db
from loyalty.db import write_transaction


class EventKind(StrEnum):
    POINTS_EARNED = "points_earned"
    POINTS_REDEEMED = "points_redeemed"
    POINTS_ADJUSTED = "points_adjusted"
    POINTS_REVERSED = "points_reversed"
    POINTS_EXPIRED = "points_expired"
    POINTS_EXPIRING_SOON = "points_expiring_soon"
    TIER_CHANGED = "tier_changed"
    VOUCHER_ISSUED = "voucher_issued"
    VOUCHER_REDEEMED = "voucher_redeemed"
    VOUCHER_CANCELLED = "voucher_cancelled"
    VOUCHER_EXPIRING_SOON = "voucher_expiring_soon"
    CAMPAIGN_GIFT = "campaign_gift"
    CAMPAIGN_GIFTS = "campaign_gifts"  # a batch of points gifts (member NULL; payload names the gift ids)
    COMPLAINT_UPDATED = "complaint_updated"
    STAFF_NOTICE = "staff_notice"  # a one-off service message staff wrote (transactional)
    STAFF_OFFER = "staff_offer"  # a one-off promotion staff wrote (marketing: consent, cap)


# A fixed statement rather than DomainEvent(...).save(): emit runs on every earn, and Piccolo's
# query building cost more than the insert. Same row, same JSON text (Piccolo's dump_json).
EMIT_SQL = "INSERT INTO domain_event (kind, member, payload, created_at) VALUES ($1, $2, $3, $4)"


async def emit(kind: EventKind, member_id: int | None, **payload: Any) -> None:
    """Record an event; call inside the write transaction of the change it reports."""
    async with write_transaction():
        await db.execute(EMIT_SQL, kind.value, member_id, dump_json(payload), datetime.now(UTC))
