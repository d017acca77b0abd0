"""Zalo, SMS and e-mail senders' answers: sent (with its cost), retried later, or failed for good.

Rules:

* Every answer is written back guarded on the delivery still being ``pending``, so an answer
  that comes after another worker's never overwrites it.
* Sent: the provider's message id, the cost in đồng and the SMS parts are kept. Zalo and SMS
  stay ``sent`` until their delivery receipt (``receipts_apply``); e-mail is ``delivered`` when
  the SMTP server accepted it (that is the only receipt SMTP gives).
* ``retry`` and ``over_quota`` (the quota may come back): pending again after the push backoff,
  never sooner than the provider's Retry-After; after ``max_attempts``: failed, the last error
  kept. ``invalid_address``, ``rejected`` and ``failed``: failed at once. A failed transactional
  delivery goes on the next channel (``fallback``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta

from loyalty import db
from notifications.answers import Answered, backoff, ids_of, per_id, write_failures_and_retries
from notifications.channels.base import Channel, SendStatus, Sent
from notifications.config import NotifySettings
from notifications.tables import DeliveryStatus

__all__ = ["Answered", "record"]

PENDING, SENT, FAILED, DELIVERED = (
    DeliveryStatus.PENDING,
    DeliveryStatus.SENT,
    DeliveryStatus.FAILED,
    DeliveryStatus.DELIVERED,
)
RETRIED = {SendStatus.RETRY, SendStatus.OVER_QUOTA}
WIDTH = 4  # id, provider id, cost, parts


async def record(
    channel: Channel,
    attempts: Mapping[int, int],
    results: Sequence[Sent],
    settings: NotifySettings,
    *,
    now: datetime | None = None,
) -> Answered:
    """Write one channel's outcomes back (``attempts``: delivery id → attempts counted so far)."""
    now = now or datetime.now(UTC)
    sent: list[Sent] = []
    failed: dict[str, list[int]] = defaultdict(list)
    retries: list[tuple[int, datetime, str]] = []
    for result in results:
        tries = attempts.get(result.delivery_id)
        if tries is None:
            continue  # not this batch's: never trust a sender's stray id
        if result.status is SendStatus.SENT:
            sent.append(result)
        elif result.status in RETRIED and tries < settings.max_attempts:
            delay = backoff(tries, settings, result.retry_after_s)
            retries.append((result.delivery_id, now + timedelta(seconds=delay), f"{result.status}: {result.error}"))
        else:
            reason = f"{result.status}: {result.error}" if result.error else str(result.status)
            if result.status in RETRIED:
                reason = f"gave up after {tries} attempts: {reason}"
            failed[reason[:500]].append(result.delivery_id)
    # SMTP's acceptance is e-mail's delivery; Zalo and SMS wait for their receipt.
    done = DELIVERED if channel is Channel.EMAIL else SENT
    delivered_at = "$1" if channel is Channel.EMAIL else "NULL"
    async with db.write_transaction():
        if sent:
            count = len(sent)
            await db.execute(
                f"UPDATE delivery SET status = '{done}', sent_at = $1, delivered_at = {delivered_at}, last_error = '', "
                f"provider_id = {per_id(count, start=2, width=WIDTH, column=1)}, "
                f"cost_vnd = {per_id(count, start=2, width=WIDTH, column=2, pg_type='integer')}, "
                f"parts = {per_id(count, start=2, width=WIDTH, column=3, pg_type='integer')} "
                f"WHERE status = '{PENDING}' AND id IN ({ids_of(count, start=2, width=WIDTH)})",
                now,
                *(v for r in sent for v in (r.delivery_id, r.provider_id[:255], max(0, r.cost_vnd), max(1, r.parts))),
            )
        await write_failures_and_retries(failed, retries)
    return Answered(sent=len(sent), failed=sum(len(ids) for ids in failed.values()), retried=len(retries))
