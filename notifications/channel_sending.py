"""Sending on Zalo, SMS and e-mail: the push pattern, one channel's deliveries at a time.

Rules: a guarded ``UPDATE … RETURNING`` (its rows taken ``FOR UPDATE SKIP LOCKED`` on
PostgreSQL) claims one channel's due pending deliveries, moving ``next_attempt_at`` forward by
the lease and counting the attempt, so two workers never claim one delivery; the batch goes to
that channel's :class:`~notifications.channels.base.ChannelSender` after the claim commits, and
``channel_answers.record`` writes the outcomes back. A worker killed mid-batch leaves its
deliveries pending with an expired lease: another worker sends them again (at most that batch
twice).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from loyalty import db
from notifications import messages
from notifications.channel_answers import Answered, record
from notifications.channels.base import Channel, ChannelSender, Outgoing
from notifications.config import NotifySettings
from notifications.tables import DeliveryStatus
from notifications.unsubscribe import opt_out_url

PENDING = DeliveryStatus.PENDING
CLAIMED_SQL = (
    "SELECT d.id, d.attempts, d.address, d.member, im.id AS message, im.kind, im.locale, im.purpose, "
    "im.title, im.body, im.data FROM delivery d JOIN inbox_message im ON im.id = d.message "
)


@dataclass(frozen=True, slots=True)
class ChannelClaim:
    outgoing: Outgoing
    attempts: int


async def claim(channel: Channel, settings: NotifySettings, *, now: datetime | None = None) -> list[ChannelClaim]:
    """Claim ``channel``'s due pending deliveries (lease = next_attempt_at pushed forward)."""
    now = now or datetime.now(UTC)
    lease = now + timedelta(seconds=settings.lease_s)
    async with db.write_transaction():
        claimed = await db.fetch_tuples(
            "UPDATE delivery SET next_attempt_at = $1, attempts = attempts + 1 WHERE id IN ("
            f"SELECT id FROM delivery WHERE channel = $5 AND status = '{PENDING}' AND next_attempt_at <= $2 "
            f"AND attempts < $3 ORDER BY next_attempt_at LIMIT $4{db.skip_locked()}) RETURNING id",
            lease,
            now,
            settings.max_attempts,
            settings.send_batch,
            channel.value,
        )
        if not claimed:
            return []
        rows = await db.fetch(
            CLAIMED_SQL + f"WHERE {db.one_of('d.id', '$1')} ORDER BY d.id", db.listed(i for (i,) in claimed)
        )
    out = []
    for r in rows:
        params = {str(k): str(v) for k, v in messages.stored_dict(r["data"]).items()}
        params["message_id"] = str(r["message"])
        outgoing = Outgoing(
            delivery_id=r["id"],
            address=r["address"],
            kind=r["kind"],
            locale=r["locale"],
            purpose=r["purpose"],
            title=r["title"],
            body=r["body"],
            params=params,
            unsubscribe_url=opt_out_url(settings, r["member"], channel) if r["purpose"] == "marketing" else None,
        )
        out.append(ChannelClaim(outgoing, r["attempts"]))
    return out


async def send_due(sender: ChannelSender, settings: NotifySettings, *, now: datetime | None = None) -> Answered:
    """Claim one batch of the sender's channel, send it, record the outcomes."""
    claimed = await claim(sender.channel, settings, now=now)
    if not claimed:
        return Answered(0, 0, 0)
    results = await sender.send([c.outgoing for c in claimed])
    attempts = {c.outgoing.delivery_id: c.attempts for c in claimed}
    return await record(sender.channel, attempts, results, settings, now=now)
