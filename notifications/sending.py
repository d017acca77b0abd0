"""Sending pushes: claim due deliveries under a lease, send them outside any transaction
(``channel_sending`` sends the other channels the same way).

Rules: a guarded ``UPDATE … RETURNING`` (its rows taken ``FOR UPDATE SKIP LOCKED`` on
PostgreSQL) moves ``next_attempt_at`` forward by the lease and counts the attempt, so two
workers never claim one delivery; the push is sent after the claim commits, and the answer is
written back by ``answers.record``. A worker killed mid-batch leaves its deliveries pending with
an expired lease: another worker sends them again (at most that batch twice). A delivery whose
device signed out or now belongs to someone else is skipped, never pushed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from loyalty import db
from notifications import messages
from notifications.channels.base import Channel
from notifications.config import NotifySettings
from notifications.senders import Push
from notifications.tables import DeliveryStatus

PENDING = DeliveryStatus.PENDING
CLAIMED_SQL = (
    "SELECT d.id, d.message, d.member, d.attempts, d.device, dev.member AS owner, dev.active, dev.token, "
    "im.title, im.body, im.data FROM delivery d JOIN device dev ON dev.id = d.device "
    "JOIN inbox_message im ON im.id = d.message "
)


@dataclass(frozen=True, slots=True)
class Claimed:
    push: Push
    attempts: int
    device_id: int


async def claim(settings: NotifySettings, *, now: datetime | None = None) -> list[Claimed]:
    """Claim due pending deliveries (lease = next_attempt_at pushed forward), ready to send."""
    now = now or datetime.now(UTC)
    lease = now + timedelta(seconds=settings.lease_s)
    async with db.write_transaction():
        claimed = await db.fetch_tuples(
            "UPDATE delivery SET next_attempt_at = $1, attempts = attempts + 1 WHERE id IN ("
            f"SELECT id FROM delivery WHERE channel = '{Channel.PUSH}' AND status = '{PENDING}' "
            "AND next_attempt_at <= $2 AND attempts < $3 "
            f"ORDER BY next_attempt_at LIMIT $4{db.skip_locked()}) RETURNING id",
            lease,
            now,
            settings.max_attempts,
            settings.send_batch,
        )
        if not claimed:
            return []
        rows = await db.fetch(
            CLAIMED_SQL + f"WHERE {db.one_of('d.id', '$1')} ORDER BY d.id", db.listed(i for (i,) in claimed)
        )
        gone = [r["id"] for r in rows if not r["active"] or r["owner"] != r["member"]]
        if gone:
            # The device signed out or now belongs to someone else: never push old messages to it.
            await db.execute(
                f"UPDATE delivery SET status = '{DeliveryStatus.SKIPPED}', "
                f"last_error = 'device inactive or reassigned' WHERE status = '{PENDING}' AND {db.one_of('id', '$1')}",
                db.listed(gone),
            )
    skip = set(gone)
    out: list[Claimed] = []
    for r in rows:
        if r["id"] in skip:
            continue
        data = {str(k): str(v) for k, v in messages.stored_dict(r["data"]).items()}
        data["message_id"] = str(r["message"])
        out.append(
            Claimed(Push(r["id"], r["message"], r["token"], r["title"], r["body"], data), r["attempts"], r["device"])
        )
    return out
