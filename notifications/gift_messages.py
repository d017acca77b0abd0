"""The messages of a ``campaign_gifts`` event: one per points gift of the batch it names.

Rules: the event names its campaign, occurrence and the id ranges of its gifts and members
(``loyalty.campaigns.GiftBatch``); each given gift's member who has no message from this event
yet gets one, in its locale, with its balance after the gift; a member erased since the gift
gets none. At most ``limit`` per call, so a batch of 20,000 gifts spreads over transactions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from loyalty import db
from loyalty.campaigns import GiftBatch
from loyalty.events import EventKind
from loyalty.schema import GiftStatus
from notifications import messages

GIFTS_SQL = (
    "SELECT g.id, g.member, m.name, m.locale, e.balance_after FROM campaign_gift g "
    "JOIN member m ON m.id = g.member LEFT JOIN ledger_entry e ON e.id = g.entry "
    "WHERE g.campaign = $1 AND g.occurrence = $2 AND g.id BETWEEN $3 AND $4 AND g.member BETWEEN $5 AND $6 "
    f"AND g.status = '{GiftStatus.GIVEN}' AND m.erased_at IS NULL AND NOT EXISTS "
    "(SELECT 1 FROM inbox_message im WHERE im.event = $7 AND im.member = g.member) "
    "ORDER BY g.id LIMIT $8"
)


@dataclass(frozen=True, slots=True)
class GiftMessage:
    member: int
    rendered: messages.Rendered


async def gift_messages(event_id: int, payload: dict[str, Any], limit: int) -> tuple[list[GiftMessage], bool]:
    """Up to ``limit`` messages for members who have none from this event yet; True when that
    was the last of them."""
    words = GiftBatch(payload)
    gifts = await db.fetch_tuples(
        GIFTS_SQL,
        words.spec.campaign_id,
        words.occurrence,
        words.first_gift,
        words.last_gift,
        words.first_member,
        words.last_member,
        event_id,
        limit,
    )
    made = []
    for gift_id, member, name, locale, balance_after in gifts:
        text = words.message(int(gift_id), str(name or ""), balance_after)
        rendered = messages.render(EventKind.CAMPAIGN_GIFT.value, text, locale or "vi")
        if rendered is not None:
            made.append(GiftMessage(int(member), rendered))
    return made, len(gifts) < limit
