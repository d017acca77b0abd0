"""Fallback: a message its channel did not deliver goes on the next channel, once.

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
* A marketing delivery that failed for good (invalid address, rejected, quota or retries used
  up) goes on the next channel with that channel's marketing consent, among the campaign's
  channels; it starts ``held``, so quiet hours, the cap (the same message counts once) and the
  message budget decide it as they did the first. An offer staff sent on one channel stays there.
* Each delivery is handed on once: ``fallback_at`` is set by a guarded UPDATE (rows taken
  ``FOR UPDATE SKIP LOCKED`` on PostgreSQL), and the new delivery is unique per (message,
  channel), so two workers never make two.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import UTC, datetime, timedelta

from loyalty import db
from notifications import message_budget, routing
from notifications.channels.base import Channel
from notifications.config import NotifySettings
from notifications.materialize import STAFF_KINDS
from notifications.messages import Purpose
from notifications.tables import DeliveryStatus

S = DeliveryStatus
DUE = (
    f"fallback_at IS NULL AND ((purpose = '{Purpose.TRANSACTIONAL}' AND (status = '{S.FAILED}' "
    f"OR (status = '{S.SKIPPED}' AND channel = '{Channel.PUSH}') "
    f"OR (status = '{S.SENT}' AND channel IN ('{Channel.ZALO}', '{Channel.SMS}') AND sent_at <= $2))) "
    f"OR (purpose = '{Purpose.MARKETING}' AND status = '{S.FAILED}'))"
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
        marketing = await _marketing_channels(messages, channels)
        plans: dict[int, routing.Plan] = {}
        for delivery, message, member in due:
            if message in alive or message in plans or member not in reach:
                continue
            purpose = Purpose.MARKETING if message in marketing else Purpose.TRANSACTIONAL
            allowed = marketing.get(message, channels)
            channel = routing.pick(reach[member], purpose, allowed, used[message])
            if channel is None:
                continue
            plans[message] = routing.Plan(
                message,
                member,
                purpose.value,
                channel,
                routing.address(reach[member], channel) or "",
                S.HELD if purpose is Purpose.MARKETING else S.PENDING,
                fallback_of=delivery,
            )
        return await routing.insert(list(plans.values()), now)


async def _marketing_channels(
    messages: list[int | str] | str, on: Collection[Channel]
) -> dict[int, frozenset[Channel]]:
    """The marketing messages among ``messages``, each with the channels its fallback may take:
    the campaign's (or any) channel that is on; none for an offer staff sent on one channel."""
    rows = await db.fetch_tuples(
        f"SELECT id, kind FROM inbox_message WHERE purpose = $2 AND {db.one_of('id', '$1')}",
        messages,
        Purpose.MARKETING.value,
    )
    if not rows:
        return {}
    campaign = await message_budget.campaign_channels(int(m) for m, _ in rows)
    return {
        int(m): frozenset() if kind in STAFF_KINDS else frozenset(on) & campaign.get(int(m), frozenset(on))
        for m, kind in rows
    }
