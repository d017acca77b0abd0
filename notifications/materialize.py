"""Events → inbox messages → deliveries, one batch of events per write transaction.

Rules:

* Unprocessed events are claimed in id order (PostgreSQL: ``FOR UPDATE SKIP LOCKED``, so
  workers split the work; SQLite: the IMMEDIATE transaction already admits one writer at a
  time), rendered in each member's locale, their messages inserted with ``ON CONFLICT DO
  NOTHING`` on the unique (event, member), one delivery inserted per active device of each new
  message by ``INSERT … SELECT``, and the events marked processed. A crash rolls the whole
  batch back: nothing is half-made, and nothing is made twice.
* Transactional deliveries start ``pending``; marketing ones ``held`` with the member's
  push-marketing consent, ``skipped`` ("no marketing consent") without (``release`` decides
  the held ones).
* A ``campaign_gifts`` event yields one message per gift (``gift_messages``), at most
  ``event_batch`` messages per transaction; it is marked processed once none is left.

Why hand-written SQL: this is the dispatcher's measured path (``bench/push.py``); each batch is
a few set-wise statements whatever its size.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import NamedTuple

from loyalty import db
from loyalty.events import EventKind
from notifications import messages
from notifications.config import NotifySettings
from notifications.consent import Channel
from notifications.gift_messages import gift_messages
from notifications.messages import Purpose
from notifications.tables import DeliveryStatus, InboxMessage

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


async def materialize(settings: NotifySettings, *, now: datetime | None = None) -> int:
    """Turn one batch of unprocessed events into messages and deliveries; returns the events
    handled (a gift batch with messages made counts even before its last message)."""
    now = now or datetime.now(UTC)
    async with db.write_transaction():
        events = [Event(*row) for row in await db.fetch_tuples(EVENTS_SQL + db.skip_locked("e"), settings.event_batch)]
        if not events:
            return 0
        rows: list[InboxMessage] = []
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
            rendered = messages.render(event.kind, messages.stored_dict(event.payload), event.locale or "vi")
            if rendered is not None:
                rows.append(message(event.member, event.id, rendered, now))
        made_ids: list[int] = []
        for start in range(0, len(rows), INSERT_CHUNK):
            inserted = (
                await InboxMessage.insert(*rows[start : start + INSERT_CHUNK])
                .on_conflict(action="DO NOTHING")
                .returning(InboxMessage.id)
            )
            made_ids.extend(int(r["id"]) for r in inserted)
        if made_ids:
            await db.execute(_deliveries_sql(), now, db.listed(made_ids), True)
        if done:
            await db.execute(
                f"UPDATE domain_event SET processed_at = $1 WHERE {db.one_of('id', '$2')}", now, db.listed(done)
            )
    return len(done) + progressed


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
        "INSERT INTO delivery (message, device, member, purpose, status, attempts, next_attempt_at, "
        "last_error, provider_id, created_at) "
        "SELECT im.id, d.id, im.member, im.purpose, "
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
