"""The senders' answers: sent, failed for good, or retried later; dead tokens switched off.

Rules:

* Every answer is written back guarded on the delivery still being ``pending``, so an answer
  that comes after another worker's never overwrites it.
* Sent: the provider's message id is kept. UNREGISTERED: failed, and the device deactivated.
  INVALID_ARGUMENT: failed; the device is deactivated only when the same message went through
  to another device, so the payload is known valid.
* 429/5xx: pending again after exponential backoff with jitter, never sooner than Retry-After;
  after ``max_attempts``: failed, the last error kept. A delivery whose last attempt never came
  back (the worker died) fails once its lease is over, not forgotten.
* A deactivated device's pushes still waiting are skipped with the reason.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from loyalty import db
from notifications.config import NotifySettings
from notifications.senders import Outcome, Result
from notifications.sending import Claimed
from notifications.tables import DeliveryStatus

PENDING, HELD, SENT, FAILED, SKIPPED = (
    DeliveryStatus.PENDING,
    DeliveryStatus.HELD,
    DeliveryStatus.SENT,
    DeliveryStatus.FAILED,
    DeliveryStatus.SKIPPED,
)


def backoff(attempts: int, settings: NotifySettings, retry_after_s: float | None) -> float:
    """Exponential (base × 2^(n-1), capped) with jitter in [½, 1], never below Retry-After."""
    delay: float = min(settings.backoff_max_s, settings.backoff_base_s * 2.0 ** max(0, attempts - 1))
    delay *= random.uniform(0.5, 1.0)
    return max(delay, retry_after_s or 0.0)


def per_id(count: int, *, start: int, width: int, column: int, pg_type: str | None = None) -> str:
    """``CASE id WHEN $a THEN $b … END`` over ``count`` groups of ``width`` parameters from
    ``$start``: a group's first parameter is the id, its ``column``-th the value (one statement
    per batch, each delivery with its own value)."""
    whens = []
    for group in range(count):
        first = start + group * width
        value = f"${first + column}"
        whens.append(f"WHEN ${first} THEN {db.typed(value, pg_type) if pg_type else value}")
    return f"CASE id {' '.join(whens)} END"


def ids_of(count: int, *, start: int, width: int) -> str:
    """The id parameters of :func:`per_id`'s groups, for the statement's ``id IN (…)``."""
    return ", ".join(f"${start + group * width}" for group in range(count))


@dataclass(frozen=True, slots=True)
class Answered:
    sent: int
    failed: int
    retried: int


async def write_failures_and_retries(
    failed: Mapping[str, Sequence[int]], retries: Sequence[tuple[int, datetime, str]]
) -> None:
    """Write back the deliveries that failed for good (by reason) and those to try again, each
    guarded on the delivery still being pending; call inside the answers' transaction."""
    for reason, ids in failed.items():
        await db.execute(
            f"UPDATE delivery SET status = '{FAILED}', last_error = $1 "
            f"WHERE status = '{PENDING}' AND {db.one_of('id', '$2')}",
            reason,
            db.listed(ids),
        )
    if retries:
        # Each retry has its own jittered time: one statement with CASE, not one per delivery.
        # PostgreSQL types a bare CASE parameter as text, hence the timestamptz.
        count = len(retries)
        when = per_id(count, start=1, width=3, column=1, pg_type="timestamptz")
        await db.execute(
            f"UPDATE delivery SET next_attempt_at = {when}, "
            f"last_error = {per_id(count, start=1, width=3, column=2)} "
            f"WHERE status = '{PENDING}' AND id IN ({ids_of(count, start=1, width=3)})",
            *(value for delivery, at, error in retries for value in (delivery, at, error[:500])),
        )


async def record(
    claimed: Sequence[Claimed], results: Sequence[Result], settings: NotifySettings, *, now: datetime | None = None
) -> Answered:
    """Write the senders' answers back, guarded on the delivery still being pending."""
    now = now or datetime.now(UTC)
    by_id = {c.push.delivery_id: c for c in claimed}
    sent_messages = {by_id[r.delivery_id].push.message_id for r in results if r.outcome is Outcome.SENT}
    sent: dict[int, str] = {}  # delivery id → FCM message name (projects/…/messages/…)
    failed: dict[str, list[int]] = defaultdict(list)
    dead_devices: dict[str, list[int]] = defaultdict(list)
    retries: list[tuple[int, datetime, str]] = []
    for result in results:
        item = by_id[result.delivery_id]
        if result.outcome is Outcome.SENT:
            sent[result.delivery_id] = result.provider_id[:200]
        elif result.outcome is Outcome.UNREGISTERED:
            failed[result.error or "UNREGISTERED"].append(result.delivery_id)
            dead_devices["unregistered"].append(item.device_id)
        elif result.outcome is Outcome.INVALID:
            failed[result.error or "INVALID_ARGUMENT"].append(result.delivery_id)
            if item.push.message_id in sent_messages:
                dead_devices["invalid token"].append(item.device_id)
        elif result.outcome is Outcome.RETRY and item.attempts < settings.max_attempts:
            delay = backoff(item.attempts, settings, result.retry_after_s)
            retries.append((result.delivery_id, now + timedelta(seconds=delay), result.error))
        else:
            reason = result.error or "failed"
            if result.outcome is Outcome.RETRY:
                reason = f"gave up after {item.attempts} attempts: {reason}"
            failed[reason[:500]].append(result.delivery_id)
    async with db.write_transaction():
        if sent:
            # One statement per batch; each delivery keeps its own provider id.
            await db.execute(
                f"UPDATE delivery SET status = '{SENT}', sent_at = $1, last_error = '', "
                f"provider_id = {per_id(len(sent), start=2, width=2, column=1)} "
                f"WHERE status = '{PENDING}' AND id IN ({ids_of(len(sent), start=2, width=2)})",
                now,
                *(value for pair in sent.items() for value in pair),
            )
        await write_failures_and_retries(failed, retries)
        for reason, device_ids in dead_devices.items():
            await deactivate_devices(device_ids, reason, now=now)
    return Answered(sent=len(sent), failed=sum(len(ids) for ids in failed.values()), retried=len(retries))


async def deactivate_devices(device_ids: Iterable[int], reason: str, *, now: datetime) -> None:
    """Deactivate tokens and stop every push still waiting for them (kept, with the reason)."""
    ids = db.listed(set(device_ids))
    async with db.write_transaction():
        await db.execute(
            "UPDATE device SET active = $1, deactivated_at = $2, deactivated_reason = $3 "
            f"WHERE {db.one_of('id', '$4')}",
            False,
            now,
            reason,
            ids,
        )
        await db.execute(
            f"UPDATE delivery SET status = '{SKIPPED}', last_error = $1 "
            f"WHERE status IN ('{PENDING}', '{HELD}') AND {db.one_of('device', '$2')}",
            f"device deactivated: {reason}",
            ids,
        )


async def give_up_lost(settings: NotifySettings, *, now: datetime | None = None) -> int:
    """Deliveries whose last attempt never came back (the worker died): failed, not forgotten."""
    now = now or datetime.now(UTC)
    async with db.write_transaction():
        return await db.execute(
            f"UPDATE delivery SET status = '{FAILED}', last_error = $1 "
            f"WHERE status = '{PENDING}' AND attempts >= $2 AND next_attempt_at <= $3",
            "no answer after the last attempt (worker lost)",
            settings.max_attempts,
            now,
        )
