"""Events → inbox messages → deliveries, one batch of events per write transaction.

Rules:

* Unprocessed events are claimed in id order (PostgreSQL: ``FOR UPDATE SKIP LOCKED``, so
  workers split the work; SQLite: the IMMEDIATE transaction already admits one writer at a
  time), rendered in each member's locale, their messages inserted with ``ON CONFLICT DO
  NOTHING`` on the unique (event, member), one delivery inserted per active device of each new
  message by ``INSERT … SELECT``, and the events marked processed. A crash rolls the whole
  batch back: nothing is half-made, and nothing is made twice.
* Each new message takes its channel (``routing``): off push, one delivery to the member's
  address; by push, one per active device. Transactional deliveries start ``pending``;
  marketing ones ``held`` with that channel's marketing consent, ``skipped`` ("no marketing
  consent") without (``release`` decides the held ones).
* A ``campaign_gifts`` event yields one message per gift (``gift_messages``), at most
  ``event_batch`` messages per transaction; it is marked processed once none is left.

Why hand-written SQL: this is the dispatcher's measured path (``bench/push.py``); each batch is
a few set-wise statements whatever its size.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from datetime import UTC, datetime
from typing import NamedTuple

from loyalty import db
from loyalty.events import EventKind
from notifications import message_budget, messages, routing
from notifications.channels.base import Channel
from notifications.config import NotifySettings
from notifications.gift_messages import gift_messages
from notifications.messages import Purpose
from notifications.tables import DeliveryStatus, InboxMessage

# One-off messages staff send on a channel they chose: that channel alone (loyalty.campaigns.one_off).
STAFF_KINDS = frozenset({EventKind.STAFF_NOTICE.value, EventKind.STAFF_OFFER.value})

INSERT_CHUNK = 500
EVENTS_SQL = (
    "SELECT e.id, e.kind, e.member, e.payload, m.locale FROM domain_event e "
    "LEFT JOIN member m ON m.id = e.member WHERE e.processed_at IS NULL "
    "ORDER BY e.id LIMIT $1"
)


class Event(NamedTuple):
    id: int
    kind: str
    member: int | None
    payload: object
    locale: str | None


async def materialize(
    settings: NotifySettings, *, now: datetime | None = None, channels: Collection[Channel] = routing.PUSH_ONLY
) -> int:
    """Turn one batch of unprocessed events into messages and deliveries; returns the events
    handled (a gift batch with messages made counts even before its last message). ``channels``
    are the channels on (with a sender): with push alone every message goes by push."""
    now = now or datetime.now(UTC)
    async with db.write_transaction():
        events = [Event(*row) for row in await db.fetch_tuples(EVENTS_SQL + db.skip_locked("e"), settings.event_batch)]
        if not events:
            return 0
        rows: list[InboxMessage] = []
        chosen: dict[int, frozenset[Channel]] = {}  # event -> the one channel staff chose
        done: list[int] = []
        progressed = 0  # gift batches with messages made but more to come
        budget = settings.event_batch
        for event in events:
            if budget <= 0:
                break
            if event.kind == EventKind.CAMPAIGN_GIFTS.value:
                made, finished = await gift_messages(event.id, messages.stored_dict(event.payload), budget)
                rows.extend(message(r.member, event.id, r.rendered, now) for r in made)
                budget -= len(made)
                if finished:
                    done.append(event.id)
                elif made:
                    progressed += 1
                continue
            budget -= 1
            done.append(event.id)
            if event.member is None:
                continue
            payload = messages.stored_dict(event.payload)
            rendered = messages.render(event.kind, payload, event.locale or "vi")
            if rendered is not None:
                rows.append(message(event.member, event.id, rendered, now))
                if event.kind in STAFF_KINDS and payload.get("channel") in set(Channel):
                    chosen[event.id] = frozenset({Channel(str(payload["channel"]))})
        new: list[tuple[int, int, str]] = []
        only: dict[int, frozenset[Channel]] = {}
        for start in range(0, len(rows), INSERT_CHUNK):
            inserted = (
                await InboxMessage.insert(*rows[start : start + INSERT_CHUNK])
                .on_conflict(action="DO NOTHING")
                .returning(InboxMessage.id, InboxMessage.member, InboxMessage.purpose, InboxMessage.event)
            )
            new.extend((int(r["id"]), int(r["member"]), str(r["purpose"])) for r in inserted)
            only.update({int(r["id"]): chosen[r["event"]] for r in inserted if r["event"] in chosen})
        pushed = await _route(new, channels, now, only)
        if pushed:
            await db.execute(_deliveries_sql(), now, db.listed(pushed), True)
        if done:
            await db.execute(
                f"UPDATE domain_event SET processed_at = $1 WHERE {db.one_of('id', '$2')}", now, db.listed(done)
            )
    return len(done) + progressed


async def _route(
    new: list[tuple[int, int, str]],
    channels: Collection[Channel],
    now: datetime,
    only: Mapping[int, frozenset[Channel]] | None = None,
) -> list[int]:
    """Make the new messages' deliveries off push; returns the messages that go by push.
    ``only``: messages that may take one channel alone (a one-off message staff sent on it)."""
    allowed = await message_budget.campaign_channels(m for m, _, purpose in new if purpose == Purpose.MARKETING)
    allowed.update(only or {})
    if set(channels) == routing.PUSH_ONLY and all(Channel.PUSH in a for a in allowed.values()):
        return [message for message, _, _ in new]  # the measured path: every message by push
    reach = await routing.reach_of(member for _, member, _ in new)
    pushed: list[int] = []
    plans: list[routing.Plan] = []
    for message, member, purpose in new:
        on = set(channels) & allowed[message] if message in allowed else channels
        route = routing.first_plan(message, member, purpose, reach.get(member), on)
        if route is Channel.PUSH:
            pushed.append(message)
        elif isinstance(route, routing.Plan):
            plans.append(route)
        elif not on:  # every channel it may take is off: a failed row says so, for staff to see
            plans.append(routing.switched_off(message, member, purpose, reach.get(member), allowed[message]))
    await routing.insert(plans, now)
    return pushed


def message(member: int, event: int, rendered: messages.Rendered, now: datetime) -> InboxMessage:
    return InboxMessage(
        member=member,
        event=event,
        kind=rendered.kind,
        category=rendered.category,
        purpose=rendered.purpose.value,
        locale=rendered.locale,
        title=rendered.title,
        body=rendered.body,
        data=json.dumps(rendered.data, ensure_ascii=False),
        created_at=now,
    )


def _deliveries_sql() -> str:
    """One delivery per active device of each new message ($2), with its starting status."""
    return (
        "INSERT INTO delivery (message, channel, device, member, purpose, status, attempts, next_attempt_at, "
        "last_error, provider_id, created_at) "
        f"SELECT im.id, '{Channel.PUSH}', d.id, im.member, im.purpose, "
        f"CASE WHEN im.purpose = '{Purpose.TRANSACTIONAL}' THEN '{DeliveryStatus.PENDING}' "
        f"WHEN c.id IS NOT NULL THEN '{DeliveryStatus.HELD}' ELSE '{DeliveryStatus.SKIPPED}' END, 0, $1, "
        f"CASE WHEN im.purpose <> '{Purpose.TRANSACTIONAL}' AND c.id IS NULL THEN 'no marketing consent' "
        "ELSE '' END, "
        # CROSS JOIN: SQLite then starts from this batch's messages instead of every active
        # device, which made each batch slower as devices grew.
        "'', $1 FROM inbox_message im CROSS JOIN device d "
        f"LEFT JOIN consent c ON c.member = im.member AND c.channel = '{Channel.PUSH}' "
        f"AND c.purpose = '{Purpose.MARKETING}' AND c.granted = $3 "
        f"WHERE {db.one_of('im.id', '$2')} AND d.member = im.member AND d.active = $3 "
        "ON CONFLICT DO NOTHING"
    )
