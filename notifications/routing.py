"""Which channel a message takes: the member's preferred one, then push → Zalo → SMS → e-mail.

Rules (docs/operations.md, "Which channel a message takes"):

* A channel is usable for a member when it can reach them: push with an active device; Zalo and
  SMS with a phone number and the channel on (it has a sender); e-mail with an address and the
  channel on. Marketing also needs that channel's marketing consent.
* A transactional message gets one delivery on the first usable channel in the member's order
  (pushes: one per active device); a fallback takes the next usable channel not tried yet.
* A marketing message gets one delivery, ``held``, on the first usable consented channel; with
  none, today's push rule stands: ``skipped`` per device, "no marketing consent".
* A message whose allowed channels (a campaign's, or the one staff chose) are all off gets one
  ``failed`` delivery on the first of them, "undeliverable: … switched off": never no row at all.
* Deliveries off push are unique per (message, channel) in the database, so a fallback to a
  channel is made once however many workers try (``ON CONFLICT DO NOTHING``); they are written
  many rows a statement, not one per message.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from loyalty import db
from loyalty.members import CHANNELS
from notifications.channels.base import Channel
from notifications.messages import Purpose
from notifications.tables import DeliveryStatus

ORDER = tuple(Channel(c) for c in CHANNELS)  # push → Zalo → SMS → e-mail, defined once in loyalty
PUSH_ONLY = frozenset({Channel.PUSH})


@dataclass(frozen=True, slots=True)
class Reach:
    """How a member can be reached: their preferred channel, addresses, devices, consents."""

    member: int
    preferred: str
    phone: str | None
    email: str | None
    devices: int
    consented: frozenset[str]  # the channels with marketing consent granted


@dataclass(frozen=True, slots=True)
class Plan:
    """One delivery to make (a push plan makes one per active device)."""

    message: int
    member: int
    purpose: str
    channel: Channel
    address: str
    status: DeliveryStatus
    last_error: str = ""
    fallback_of: int | None = None


def order(preferred: str) -> list[Channel]:
    first = [Channel(preferred)] if preferred in set(Channel) else []
    return first + [c for c in ORDER if c not in first]


def address(reach: Reach, channel: Channel) -> str | None:
    """Where ``channel`` reaches the member, or None when it cannot."""
    if channel is Channel.PUSH:
        return "" if reach.devices else None
    if channel is Channel.EMAIL:
        return reach.email or None
    return reach.phone or None


def pick(reach: Reach, purpose: str, on: Collection[Channel], tried: Collection[str] = ()) -> Channel | None:
    """The first usable channel not tried yet, or None."""
    for channel in order(reach.preferred):
        if channel in tried or channel not in on or address(reach, channel) is None:
            continue
        if purpose != Purpose.TRANSACTIONAL and channel not in reach.consented:
            continue
        return channel
    return None


async def reach_of(members: Iterable[int]) -> dict[int, Reach]:
    """Each member's reach in two set-wise reads."""
    ids = db.listed(set(members))
    rows = await db.fetch(
        "SELECT m.id, m.preferred_channel, m.phone, m.email, "
        "(SELECT COUNT(*) FROM device d WHERE d.member = m.id AND d.active = $2) AS devices "
        f"FROM member m WHERE {db.one_of('m.id', '$1')}",
        ids,
        True,
    )
    consents = await db.fetch_tuples(
        f"SELECT member, channel FROM consent WHERE purpose = $1 AND granted = $2 AND {db.one_of('member', '$3')}",
        Purpose.MARKETING.value,
        True,
        ids,
    )
    granted: dict[int, set[str]] = {}
    for member, channel in consents:
        granted.setdefault(member, set()).add(channel)
    return {
        r["id"]: Reach(
            r["id"],
            r["preferred_channel"],
            r["phone"],
            r["email"],
            int(r["devices"]),
            frozenset(granted.get(r["id"], ())),
        )
        for r in rows
    }


def first_plan(
    message: int, member: int, purpose: str, reach: Reach | None, on: Collection[Channel]
) -> Plan | Channel | None:
    """The delivery a new message starts with: a plan off push; ``Channel.PUSH`` when push takes
    it (or push is allowed and nothing else is: the push rule skips it without consent); None
    when no allowed channel can."""
    channel = pick(reach, purpose, on) if reach is not None else None
    if channel is None or reach is None:
        return Channel.PUSH if Channel.PUSH in on else None
    if channel is Channel.PUSH:
        return Channel.PUSH
    status = DeliveryStatus.PENDING if purpose == Purpose.TRANSACTIONAL else DeliveryStatus.HELD
    return Plan(message, member, purpose, channel, address(reach, channel) or "", status)


def switched_off(message: int, member: int, purpose: str, reach: Reach | None, allowed: Collection[Channel]) -> Plan:
    """A message whose only allowed channels are all off: one ``failed`` delivery on the first of
    them, with the reason, so staff see it in the deliveries (a transactional one then falls
    back like any failure)."""
    chosen = [c for c in ORDER if c in allowed] or [Channel.PUSH]
    where = (address(reach, chosen[0]) or "") if reach is not None and chosen[0] is not Channel.PUSH else ""
    reason = f"undeliverable: {', '.join(chosen)} switched off"
    return Plan(message, member, purpose, chosen[0], where, DeliveryStatus.FAILED, last_error=reason)


# Rows per INSERT off push: 8 parameters a row (+ the time) stays under SQLite's old limit of 999.
ROWS_PER_INSERT = 100
_COLUMNS = (
    "INSERT INTO delivery (message, channel, device, address, member, purpose, status, attempts, "
    "next_attempt_at, last_error, provider_id, created_at, fallback_of) VALUES "
)


@lru_cache(maxsize=8)
def _insert_sql(rows: int) -> str:
    """One multi-row INSERT of ``rows`` deliveries off push; ``$1`` is the time, shared."""
    values = ", ".join(
        f"(${2 + 8 * i}, ${3 + 8 * i}, NULL, ${4 + 8 * i}, ${5 + 8 * i}, ${6 + 8 * i}, ${7 + 8 * i}, 0, $1, "
        f"${8 + 8 * i}, '', $1, ${9 + 8 * i})"
        for i in range(rows)
    )
    return _COLUMNS + values + " ON CONFLICT DO NOTHING"


async def insert(plans: Sequence[Plan], now: datetime) -> int:
    """Make the planned deliveries (pushes: one per active device); a channel already used by
    the message is left alone. Returns how many rows were made."""
    made = 0
    off_push = [plan for plan in plans if plan.channel is not Channel.PUSH]
    # Off push, many rows a statement: one INSERT per message cost a round trip each, the
    # campaign's whole materialisation on PostgreSQL (bench/messages.py).
    for start in range(0, len(off_push), ROWS_PER_INSERT):
        chunk = off_push[start : start + ROWS_PER_INSERT]
        made += await db.execute(
            _insert_sql(len(chunk)),
            now,
            *(
                value
                for plan in chunk
                for value in (
                    plan.message,
                    plan.channel.value,
                    plan.address,
                    plan.member,
                    plan.purpose,
                    plan.status.value,
                    plan.last_error,
                    plan.fallback_of,
                )
            ),
        )
    for plan in plans:
        if plan.channel is not Channel.PUSH:
            continue
        made += await db.execute(
            "INSERT INTO delivery (message, channel, device, address, member, purpose, status, attempts, "
            "next_attempt_at, last_error, provider_id, created_at, fallback_of) "
            f"SELECT {db.typed('$1', 'bigint')}, $2, d.id, '', $3, $4, $5, 0, {db.typed('$6', 'timestamptz')}, "
            f"$7, '', {db.typed('$6', 'timestamptz')}, {db.typed('$8', 'bigint')} FROM device d "
            "WHERE d.member = $3 AND d.active = $9 ON CONFLICT DO NOTHING",
            plan.message,
            plan.channel.value,
            plan.member,
            plan.purpose,
            plan.status.value,
            now,
            plan.last_error,
            plan.fallback_of,
            True,
        )
    return made
