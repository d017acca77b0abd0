"""The dispatcher: domain events → inbox messages → deliveries → pushes.

Rules and invariants:
* **Events → messages**, in one write transaction per batch: claim unprocessed events
  (PostgreSQL: ``FOR UPDATE SKIP LOCKED``, so workers split the work; SQLite: the IMMEDIATE
  transaction already admits one writer at a time), render each in its member's locale, insert
  the messages (``ON CONFLICT DO NOTHING`` on the unique (event, member)), insert one delivery
  per active device of each new message with ``INSERT … SELECT``, and mark the events processed.
  A ``campaign_gifts`` event (a batch of points gifts) yields one message per gift, spread over
  as many transactions as it needs. A crash rolls the whole batch back; nothing is half-made and
  nothing is made twice.
* **Deliveries**: transactional ones start ``pending``; marketing ones start ``held`` with the
  member's push-marketing consent, ``skipped`` ("no marketing consent") without. Held ones are
  released (→ pending) outside quiet hours and under the frequency cap, else kept or skipped.
* **Claiming pushes**: a guarded ``UPDATE … RETURNING`` moves ``next_attempt_at`` forward by the
  lease and counts the attempt; the push is sent outside any transaction; the answer is written
  back guarded on ``status = 'pending'``. A worker killed mid-batch leaves its deliveries
  pending with an expired lease: another worker sends them again (at most that batch twice).
* **Answers**: sent; UNREGISTERED → failed and the device deactivated; INVALID_ARGUMENT →
  failed (the device is deactivated only when the same message went through to another device,
  so the payload is known valid); 429/5xx → pending again after exponential backoff with jitter,
  never sooner than Retry-After; after ``max_attempts`` → failed, the last error kept.
"""

from __future__ import annotations

import json
import logging
import random
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from loyalty.campaigns import GiftBatch
from loyalty.db import is_sqlite, write_transaction
from loyalty.events import EventKind
from loyalty.schema import DomainEvent
from notifications import consent, messages
from notifications.config import NotifySettings
from notifications.senders import Outcome, Push, Result, Sender
from notifications.tables import Delivery, InboxMessage

log = logging.getLogger("notifications.dispatcher")
INSERT_CHUNK = 500


@dataclass
class Tick:
    events: int = 0
    released: int = 0
    sent: int = 0
    failed: int = 0
    retried: int = 0

    @property
    def busy(self) -> bool:
        return bool(self.events or self.released or self.sent or self.failed or self.retried)


def _now(now: datetime | None) -> datetime:
    return now or datetime.now(UTC)


def _ids(values: Iterable[int]) -> str:
    """Integers from our own rows, inlined: no parameter limits, no injection possible."""
    return ", ".join(str(int(v)) for v in values) or "NULL"


def _lock(alias: str) -> str:
    return "" if is_sqlite() else f" FOR UPDATE OF {alias} SKIP LOCKED"


def _json(value: Any) -> dict[str, Any]:
    if isinstance(value, str):
        loaded = json.loads(value or "{}")
        return loaded if isinstance(loaded, dict) else {}
    return value if isinstance(value, dict) else {}


# --- events → messages and deliveries ---------------------------------------------------------


async def materialize(settings: NotifySettings, *, now: datetime | None = None) -> int:
    """Turn one batch of unprocessed events into messages and deliveries; returns the events
    handled (a gift batch with messages made counts even before its last message).

    A ``campaign_gifts`` event (one per batch of points gifts) becomes one message per gift, at
    most ``event_batch`` messages per transaction: members who already have their message from
    that event are skipped, and the event is marked processed once none is left."""
    now = _now(now)
    async with write_transaction():
        events = await DomainEvent.raw(
            "SELECT e.id, e.kind, e.member, e.payload, m.locale FROM domain_event e "
            "LEFT JOIN member m ON m.id = e.member WHERE e.processed_at IS NULL "
            "ORDER BY e.id LIMIT {}" + _lock("e"),
            settings.event_batch,
        )
        if not events:
            return 0
        rows: list[InboxMessage] = []
        done: list[int] = []
        progressed = 0  # gift batches with messages made but more to come
        budget = settings.event_batch
        for event in events:
            if budget <= 0:
                break
            if event["kind"] == EventKind.CAMPAIGN_GIFTS.value:
                made, finished = await _gift_messages(event, budget, now)
                rows.extend(made)
                budget -= len(made)
                if finished:
                    done.append(event["id"])
                elif made:
                    progressed += 1
                continue
            budget -= 1
            done.append(event["id"])
            if event["member"] is None:
                continue
            rendered = messages.render(event["kind"], _json(event["payload"]), event["locale"] or "vi")
            if rendered is not None:
                rows.append(_message(event["member"], event["id"], rendered, now))
        made_ids: list[int] = []
        for start in range(0, len(rows), INSERT_CHUNK):
            inserted = (
                await InboxMessage.insert(*rows[start : start + INSERT_CHUNK])
                .on_conflict(action="DO NOTHING")
                .returning(InboxMessage.id)
            )
            made_ids.extend(int(r["id"]) for r in inserted)
        if made_ids:
            await Delivery.raw(
                "INSERT INTO delivery (message, device, member, purpose, status, attempts, next_attempt_at, "
                "last_error, provider_id, created_at) "
                "SELECT im.id, d.id, im.member, im.purpose, "
                "CASE WHEN im.purpose = 'transactional' THEN 'pending' WHEN c.id IS NOT NULL THEN 'held' "
                "ELSE 'skipped' END, 0, {}, "
                "CASE WHEN im.purpose <> 'transactional' AND c.id IS NULL THEN 'no marketing consent' ELSE '' END, "
                # CROSS JOIN: SQLite then starts from this batch's messages (id IN …) instead of
                # every active device, which made each batch slower as devices grew.
                "'', {} FROM inbox_message im CROSS JOIN device d "
                "LEFT JOIN consent c ON c.member = im.member AND c.channel = 'push' "
                "AND c.purpose = 'marketing' AND c.granted = {} "
                f"WHERE im.id IN ({_ids(made_ids)}) AND d.member = im.member AND d.active = {{}} "
                "ON CONFLICT DO NOTHING",
                now,
                now,
                True,
                True,
            )
        if done:
            await DomainEvent.raw(f"UPDATE domain_event SET processed_at = {{}} WHERE id IN ({_ids(done)})", now)
    return len(done) + progressed


def _message(member: int, event: int, rendered: messages.Rendered, now: datetime) -> InboxMessage:
    return InboxMessage(
        member=member,
        event=event,
        kind=rendered.kind,
        category=rendered.category,
        purpose=rendered.purpose,
        locale=rendered.locale,
        title=rendered.title,
        body=rendered.body,
        data=json.dumps(rendered.data, ensure_ascii=False),
        created_at=now,
    )


async def _gift_messages(event: dict[str, Any], limit: int, now: datetime) -> tuple[list[InboxMessage], bool]:
    """Up to ``limit`` messages of a ``campaign_gifts`` event for members who have none from it yet
    (a member erased since the gift gets none); True when that was the last of them."""
    words = GiftBatch(_json(event["payload"]))
    gifts = await DomainEvent.raw(
        "SELECT g.id, g.member, m.name, m.locale, e.balance_after FROM campaign_gift g "
        "JOIN member m ON m.id = g.member LEFT JOIN ledger_entry e ON e.id = g.entry "
        "WHERE g.campaign = {} AND g.occurrence = {} AND g.id BETWEEN {} AND {} AND g.member BETWEEN {} AND {} "
        "AND g.status = 'given' AND m.erased_at IS NULL AND NOT EXISTS "
        "(SELECT 1 FROM inbox_message im WHERE im.event = {} AND im.member = g.member) "
        "ORDER BY g.id LIMIT {}",
        words.spec.campaign_id,
        words.occurrence,
        words.first_gift,
        words.last_gift,
        words.first_member,
        words.last_member,
        event["id"],
        limit,
    )
    made = []
    for gift in gifts:
        payload = words.message(int(gift["id"]), str(gift["name"] or ""), gift["balance_after"])
        rendered = messages.render(EventKind.CAMPAIGN_GIFT.value, payload, gift["locale"] or "vi")
        if rendered is not None:
            made.append(_message(int(gift["member"]), event["id"], rendered, now))
    return made, len(gifts) < limit


# --- held marketing pushes -------------------------------------------------------------------


async def release_held(settings: NotifySettings, *, now: datetime | None = None) -> int:
    """Release held marketing pushes that may go now; returns how many were decided."""
    now = _now(now)
    async with write_transaction():
        held = await Delivery.raw(
            "SELECT d.id, d.member, d.message, m.timezone FROM delivery d JOIN member m ON m.id = d.member "
            "WHERE d.status = 'held' AND d.next_attempt_at <= {} ORDER BY d.message, d.id LIMIT {}" + _lock("d"),
            now,
            settings.send_batch,
        )
        if not held:
            return 0
        since = now - timedelta(days=settings.marketing_cap_days)
        recent = await Delivery.raw(
            "SELECT DISTINCT member, message FROM delivery WHERE purpose = 'marketing' "
            "AND status IN ('pending', 'sent') AND released_at >= {} "
            f"AND member IN ({_ids({h['member'] for h in held})})",
            since,
        )
        released: dict[int, set[int]] = defaultdict(set)
        for row in recent:
            released[row["member"]].add(row["message"])
        go: list[int] = []
        capped: list[int] = []
        wait: dict[datetime, list[int]] = defaultdict(list)
        for row in held:
            until = consent.quiet_until(now, row["timezone"], settings)
            if until is not None:
                wait[until].append(row["id"])
                continue
            seen = released[row["member"]]
            if row["message"] in seen or len(seen) < settings.marketing_cap:
                seen.add(row["message"])
                go.append(row["id"])
            else:
                capped.append(row["id"])
        if go:
            await Delivery.raw(
                "UPDATE delivery SET status = 'pending', released_at = {}, next_attempt_at = {} "
                f"WHERE status = 'held' AND id IN ({_ids(go)})",
                now,
                now,
            )
        if capped:
            await Delivery.raw(
                "UPDATE delivery SET status = 'skipped', last_error = {} "
                f"WHERE status = 'held' AND id IN ({_ids(capped)})",
                f"frequency cap: {settings.marketing_cap} marketing messages per {settings.marketing_cap_days} days",
            )
        for until, ids in wait.items():
            await Delivery.raw(
                f"UPDATE delivery SET next_attempt_at = {{}} WHERE status = 'held' AND id IN ({_ids(ids)})", until
            )
    return len(go) + len(capped)


# --- sending ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Claimed:
    push: Push
    attempts: int
    device_id: int


async def claim(settings: NotifySettings, *, now: datetime | None = None) -> list[Claimed]:
    """Claim due pending deliveries (lease = next_attempt_at pushed forward), ready to send."""
    now = _now(now)
    lease = now + timedelta(seconds=settings.lease_s)
    async with write_transaction():
        claimed = await Delivery.raw(
            "UPDATE delivery SET next_attempt_at = {}, attempts = attempts + 1 WHERE id IN ("
            "SELECT id FROM delivery WHERE status = 'pending' AND next_attempt_at <= {} AND attempts < {} "
            "ORDER BY next_attempt_at LIMIT {}" + ("" if is_sqlite() else " FOR UPDATE SKIP LOCKED") + ") "
            "RETURNING id",
            lease,
            now,
            settings.max_attempts,
            settings.send_batch,
        )
        if not claimed:
            return []
        rows = await Delivery.raw(
            "SELECT d.id, d.message, d.member, d.attempts, d.device, dev.member AS owner, dev.active, dev.token, "
            "im.title, im.body, im.data FROM delivery d JOIN device dev ON dev.id = d.device "
            "JOIN inbox_message im ON im.id = d.message "
            f"WHERE d.id IN ({_ids(r['id'] for r in claimed)}) ORDER BY d.id"
        )
        gone = [r["id"] for r in rows if not r["active"] or r["owner"] != r["member"]]
        if gone:
            # The device signed out or now belongs to someone else: never push old messages to it.
            await Delivery.raw(
                "UPDATE delivery SET status = 'skipped', last_error = 'device inactive or reassigned' "
                f"WHERE status = 'pending' AND id IN ({_ids(gone)})"
            )
    skip = set(gone)
    out: list[Claimed] = []
    for r in rows:
        if r["id"] in skip:
            continue
        data = {str(k): str(v) for k, v in _json(r["data"]).items()}
        data["message_id"] = str(r["message"])
        out.append(
            Claimed(Push(r["id"], r["message"], r["token"], r["title"], r["body"], data), r["attempts"], r["device"])
        )
    return out


def backoff(attempts: int, settings: NotifySettings, retry_after_s: float | None) -> float:
    """Exponential (base × 2^(n-1), capped) with jitter in [½, 1], never below Retry-After."""
    delay: float = min(settings.backoff_max_s, settings.backoff_base_s * 2.0 ** max(0, attempts - 1))
    delay *= random.uniform(0.5, 1.0)
    return max(delay, retry_after_s or 0.0)


async def record(
    claimed: Sequence[Claimed], results: Sequence[Result], settings: NotifySettings, *, now: datetime | None = None
) -> Tick:
    """Write the senders' answers back, guarded on the delivery still being pending."""
    now = _now(now)
    tick = Tick()
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
    async with write_transaction():
        if sent:
            # One statement per batch; the provider ids are the server's strings, so parameters.
            cases = " ".join(f"WHEN {int(i)} THEN {{}}" for i in sent)
            await Delivery.raw(
                "UPDATE delivery SET status = 'sent', sent_at = {}, last_error = '', "
                f"provider_id = CASE id {cases} END "
                f"WHERE status = 'pending' AND id IN ({_ids(sent)})",
                now,
                *sent.values(),
            )
        for reason, ids in failed.items():
            await Delivery.raw(
                "UPDATE delivery SET status = 'failed', last_error = {} "
                f"WHERE status = 'pending' AND id IN ({_ids(ids)})",
                reason,
            )
        if retries:
            # Each retry has its own jittered time: one statement with CASE, not one per delivery.
            stamp = "" if is_sqlite() else "::timestamptz"  # PostgreSQL types a bare CASE parameter as text
            whens = " ".join(f"WHEN {int(i)} THEN {{}}{stamp}" for i, _, _ in retries)
            errors = " ".join(f"WHEN {int(i)} THEN {{}}" for i, _, _ in retries)
            await Delivery.raw(
                f"UPDATE delivery SET next_attempt_at = CASE id {whens} END, last_error = CASE id {errors} END "
                f"WHERE status = 'pending' AND id IN ({_ids(i for i, _, _ in retries)})",
                *(when for _, when, _ in retries),
                *(error[:500] for _, _, error in retries),
            )
        for reason, device_ids in dead_devices.items():
            await deactivate_devices(device_ids, reason, now=now)
    tick.sent, tick.retried = len(sent), len(retries)
    tick.failed = sum(len(ids) for ids in failed.values())
    return tick


async def deactivate_devices(device_ids: Iterable[int], reason: str, *, now: datetime) -> None:
    """Deactivate tokens and stop every push still waiting for them (kept, with the reason)."""
    ids = _ids(set(device_ids))
    async with write_transaction():
        await Delivery.raw(
            f"UPDATE device SET active = {{}}, deactivated_at = {{}}, deactivated_reason = {{}} WHERE id IN ({ids})",
            False,
            now,
            reason,
        )
        await Delivery.raw(
            "UPDATE delivery SET status = 'skipped', last_error = {} "
            f"WHERE status IN ('pending', 'held') AND device IN ({ids})",
            f"device deactivated: {reason}",
        )


async def give_up_lost(settings: NotifySettings, *, now: datetime | None = None) -> int:
    """Deliveries whose last attempt never came back (the worker died): failed, not forgotten."""
    now = _now(now)
    async with write_transaction():
        rows = await Delivery.raw(
            "UPDATE delivery SET status = 'failed', last_error = {} "
            "WHERE status = 'pending' AND attempts >= {} AND next_attempt_at <= {} RETURNING id",
            "no answer after the last attempt (worker lost)",
            settings.max_attempts,
            now,
        )
    return len(rows)


async def send_due(sender: Sender, settings: NotifySettings, *, now: datetime | None = None) -> Tick:
    """Claim one batch, send it, record the answers."""
    claimed = await claim(settings, now=now)
    if not claimed:
        return Tick()
    results = await sender.send([c.push for c in claimed])
    return await record(claimed, results, settings, now=now)


async def tick(sender: Sender, settings: NotifySettings, *, now: datetime | None = None) -> Tick:
    """One round of everything the dispatcher does; the worker calls it in a loop."""
    done = Tick()
    done.events = await materialize(settings, now=now)
    done.released = await release_held(settings, now=now)
    sent = await send_due(sender, settings, now=now)
    done.sent, done.failed, done.retried = sent.sent, sent.failed, sent.retried
    done.failed += await give_up_lost(settings, now=now)
    return done


async def drain(sender: Sender, settings: NotifySettings, *, now: datetime | None = None, rounds: int = 1000) -> Tick:
    """Tick until there is nothing to do right now (tests and one-shot runs)."""
    total = Tick()
    for _ in range(rounds):
        done = await tick(sender, settings, now=now)
        if not done.busy:
            break
        total.events += done.events
        total.released += done.released
        total.sent += done.sent
        total.failed += done.failed
        total.retried += done.retried
    return total
