"""Fallback: a transactional message its channel did not deliver goes on the next channel, once.

Rules (docs/operations.md, "Which channel a message takes"):

* A transactional delivery is handed on when it failed for good (invalid address, rejected,
  failed, retries or quota used up), when its push was skipped (the device signed out), or
  when a Zalo or SMS message had no delivery receipt within ``fallback_after_s``. Push counts
  as delivered once FCM accepts it (FCM gives no receipt); e-mail once SMTP accepts it.
* Not while another delivery of the same message may still reach the member (pending, held,
  delivered, or a push FCM accepted): a message pushed to two phones falls back only when both
  failed.
* The next channel is the member's first usable channel the message has not tried yet
  (``routing.pick``); with none left, nothing more is made.
* Each delivery is handed on once: ``fallback_at`` is set by a guarded UPDATE (rows taken
  ``FOR UPDATE SKIP LOCKED`` on PostgreSQL), and the new delivery is unique per (message,
  channel), so two workers never make two.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import UTC, datetime, timedelta

from loyalty import db
from notifications import routing
from notifications.channels.base import Channel
from notifications.config import NotifySettings
from notifications.messages import Purpose
from notifications.tables import DeliveryStatus

S = DeliveryStatus
DUE = (
    f"purpose = '{Purpose.TRANSACTIONAL}' AND fallback_at IS NULL AND (status = '{S.FAILED}' "
    f"OR (status = '{S.SKIPPED}' AND channel = '{Channel.PUSH}') "
    f"OR (status = '{S.SENT}' AND channel IN ('{Channel.ZALO}', '{Channel.SMS}') AND sent_at <= $2))"
)
# Another delivery of the message that may still reach the member.
ALIVE = (
    f"(status IN ('{S.PENDING}', '{S.HELD}', '{S.DELIVERED}') OR (status = '{S.SENT}' AND channel = '{Channel.PUSH}'))"
)


async def fall_back(
    settings: NotifySettings,
    channels: Collection[Channel],
    *,
    now: datetime | None = None,
    ids: Sequence[int] | None = None,
) -> int:
    """Hand undelivered transactional deliveries on to their next channel (all that are due, up
    to a batch, or only ``ids``); returns how many deliveries were made."""
    now = now or datetime.now(UTC)
    cutoff = now - timedelta(seconds=settings.fallback_after_s)
    only = f" AND {db.one_of('id', '$4')}" if ids is not None else ""
    async with db.write_transaction():
        params: list[object] = [now, cutoff, settings.send_batch]
        if ids is not None:
            params.append(db.listed(ids))
        due = await db.fetch_tuples(
            "UPDATE delivery SET fallback_at = $1 WHERE id IN ("
            f"SELECT id FROM delivery WHERE {DUE}{only} ORDER BY id LIMIT $3{db.skip_locked()}) "
            "RETURNING id, message, member",
            *params,
        )
        if not due:
            return 0
        messages = db.listed({message for _, message, _ in due})
        used: dict[int, set[str]] = {}
        alive: set[int] = set()
        for message, channel, live in await db.fetch_tuples(
            f"SELECT message, channel, CASE WHEN {ALIVE} THEN 1 ELSE 0 END FROM delivery "
            f"WHERE {db.one_of('message', '$1')}",
            messages,
        ):
            used.setdefault(message, set()).add(channel)
            if live:
                alive.add(message)
        reach = await routing.reach_of(member for _, _, member in due)
        plans: dict[int, routing.Plan] = {}
        for delivery, message, member in due:
            if message in alive or message in plans or member not in reach:
                continue
            channel = routing.pick(reach[member], Purpose.TRANSACTIONAL, channels, used[message])
            if channel is None:
                continue
            plans[message] = routing.Plan(
                message,
                member,
                Purpose.TRANSACTIONAL.value,
                channel,
                routing.address(reach[member], channel) or "",
                S.PENDING,
                fallback_of=delivery,
            )
        return await routing.insert(list(plans.values()), now)
