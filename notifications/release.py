"""Held marketing messages, on any channel: released when they may go, kept through quiet
hours, or skipped.

Rules: a held delivery is decided once it is due: during the member's quiet hours it waits
until they end; otherwise it is released (→ ``pending``) if its message is already among the
member's marketing messages released within the cap's window, or if fewer than the cap are
(messages, counted across every channel: one message on two channels counts once, three
messages on three channels count three);
else it is ``skipped`` with the cap as its reason. A campaign's message that would go over its
message budget is skipped, "message budget" (``message_budget``). Due deliveries are claimed with ``FOR UPDATE
SKIP LOCKED`` on PostgreSQL, so workers decide different ones; each move is guarded on the
delivery still being held.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta

from loyalty import db
from notifications import consent, message_budget
from notifications.config import NotifySettings
from notifications.messages import Purpose
from notifications.tables import DeliveryStatus

HELD, PENDING, SENT, SKIPPED = DeliveryStatus.HELD, DeliveryStatus.PENDING, DeliveryStatus.SENT, DeliveryStatus.SKIPPED
DELIVERED = DeliveryStatus.DELIVERED
DUE_SQL = (
    "SELECT d.id, d.member, d.message, m.timezone FROM delivery d JOIN member m ON m.id = d.member "
    f"WHERE d.status = '{HELD}' AND d.next_attempt_at <= $1 ORDER BY d.message, d.id LIMIT $2"
)


async def release_held(settings: NotifySettings, *, now: datetime | None = None, limit: int | None = None) -> int:
    """Release held marketing messages that may go now, at most ``limit`` (default a send batch);
    returns how many were decided."""
    now = now or datetime.now(UTC)
    async with db.write_transaction():
        held = await db.fetch_tuples(DUE_SQL + db.skip_locked("d"), now, limit or settings.send_batch)
        if not held:
            return 0
        since = now - timedelta(days=settings.marketing_cap_days)
        recent = await db.fetch_tuples(
            f"SELECT DISTINCT member, message FROM delivery WHERE purpose = '{Purpose.MARKETING}' "
            f"AND status IN ('{PENDING}', '{SENT}', '{DELIVERED}') AND released_at >= $1 "
            f"AND {db.one_of('member', '$2')}",
            since,
            db.listed({member for _, member, _, _ in held}),
        )
        released: dict[int, set[int]] = defaultdict(set)
        for member, message in recent:
            released[member].add(message)
        go: list[int] = []
        capped: list[int] = []
        wait: dict[datetime, list[int]] = defaultdict(list)
        for delivery, member, message, timezone in held:
            until = consent.quiet_until(now, timezone, settings)
            if until is not None:
                wait[until].append(delivery)
                continue
            seen = released[member]
            if message in seen or len(seen) < settings.marketing_cap:
                seen.add(message)
                go.append(delivery)
            else:
                capped.append(delivery)
        go, over_budget = await message_budget.within_budget(go, settings.prices)
        still_held = f"status = '{HELD}' AND {db.one_of('id', '$2')}"
        if over_budget:
            await db.execute(
                f"UPDATE delivery SET status = '{SKIPPED}', last_error = $1 WHERE {still_held}",
                "message budget",
                db.listed(over_budget),
            )
        if go:
            await db.execute(
                f"UPDATE delivery SET status = '{PENDING}', released_at = $1, next_attempt_at = $1 WHERE {still_held}",
                now,
                db.listed(go),
            )
        if capped:
            await db.execute(
                f"UPDATE delivery SET status = '{SKIPPED}', last_error = $1 WHERE {still_held}",
                f"frequency cap: {settings.marketing_cap} marketing messages per {settings.marketing_cap_days} days",
                db.listed(capped),
            )
        for until, ids in wait.items():
            await db.execute(f"UPDATE delivery SET next_attempt_at = $1 WHERE {still_held}", until, db.listed(ids))
    return len(go) + len(capped) + len(over_budget)
