"""Recording a purchase and crediting its points: one function for both paths (the till, a claim).

Rules:

* A receipt (store, receipt_no) earns once, by whichever path comes first: the ``Purchase`` row is
  unique on (store, receipt_no) and the ledger reference ``earn:<store>:<receipt>`` is unique too,
  so concurrent attempts leave exactly one entry.
* Amounts are whole đồng, 1 … 1,000,000,000; ``receipt_no`` is 1–64 printable characters; items'
  amounts add up to at most the receipt's amount. Points come from :mod:`loyalty.earning.rules`.
* In the caller's write transaction, with the member's row locked: the points credited (one lot),
  the tier upgraded at once if the earn qualifies, the purchase recorded with the earn's result,
  the purchase counted into the member's statistics and ``points_earned`` emitted.

Hand-written statements (``PURCHASE_SQL``, ``RULES_SQL``) because this is the till's hot path;
``bench/earn.py`` replays them.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from loyalty import db, members, points, tiers
from loyalty.config import PROGRAMME
from loyalty.db import write_transaction
from loyalty.earning.outcome import EarnedMember, TillEarn, stored_text
from loyalty.earning.rules import Earned, Line, Rule, compute
from loyalty.errors import Conflict, InvalidInput
from loyalty.events import EventKind, emit
from loyalty.schema import PurchaseChannel, Store

# The table's choices (``loyalty.schema``), under this package's name.
Channel = PurchaseChannel

MAX_AMOUNT = 1_000_000_000
MAX_ITEMS = 500


class DuplicateReceipt(Conflict):
    code = "duplicate_receipt"
    title = "This receipt has already earned points"


@dataclass(frozen=True, slots=True)
class Item:
    sku: str
    amount: int
    quantity: int = 1
    category: str | None = None


@dataclass(frozen=True, slots=True)
class Award:
    """What recording a purchase did."""

    purchase_id: int
    member_id: int
    points_earned: int
    points_balance: int
    receipt_no: str
    store_code: str
    earned: Earned
    result: TillEarn  # as stored on the purchase, for a repeat of the receipt


def validate_purchase(receipt_no: str, amount: int, items: Sequence[Item]) -> None:
    if not isinstance(receipt_no, str) or not 1 <= len(receipt_no) <= 64 or not receipt_no.isprintable():
        raise InvalidInput("receipt_no must be 1-64 printable characters", field="receipt_no")
    if not receipt_no.strip():
        raise InvalidInput("receipt_no must not be blank", field="receipt_no")
    if not _whole(amount) or not 1 <= amount <= MAX_AMOUNT:
        raise InvalidInput(f"amount must be a whole number of đồng from 1 to {MAX_AMOUNT}", field="amount")
    if len(items) > MAX_ITEMS:
        raise InvalidInput(f"at most {MAX_ITEMS} items", field="items")
    for i, item in enumerate(items):
        if not _whole(item.amount) or not 0 <= item.amount <= MAX_AMOUNT:
            raise InvalidInput(f"items[{i}].amount must be 0 to {MAX_AMOUNT} đồng", field="items")
        if not _whole(item.quantity) or item.quantity < 1:
            raise InvalidInput(f"items[{i}].quantity must be at least 1", field="items")
        if not item.sku or len(item.sku) > 64:
            raise InvalidInput(f"items[{i}].sku must be 1-64 characters", field="items")
    if sum(item.amount for item in items) > amount:
        raise InvalidInput("the items' amounts add up to more than the receipt's amount", field="items")


def request_hash(kind: Channel, who: str, receipt_no: str, amount: int, items: Sequence[Item]) -> str:
    """What makes two requests for one receipt "the same body"."""
    body = {
        "kind": kind.value,
        "who": who,
        "receipt_no": receipt_no,
        "amount": amount,
        "items": [item_json(i) for i in items],
    }
    return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def item_json(item: Item) -> dict[str, Any]:
    """An item as JSON (the request hash, a claim's stored items)."""
    # Spelled out: dataclasses.asdict deep-copies, and this runs on every earn.
    return {"sku": item.sku, "amount": item.amount, "quantity": item.quantity, "category": item.category}


# The purchase row goes in last, complete (entry and result), so nothing is written twice.
PURCHASE_SQL = (
    "INSERT INTO purchase (store, receipt_no, member, terminal, channel, amount, refunded_amount, points_earned, "
    "points_reversed, earn_entry, request_hash, answer, created_at) "
    "VALUES ($1, $2, $3, $4, $5, $6, 0, $7, 0, $8, $9, $10, $11) RETURNING id"
)
RULES_SQL = (
    "SELECT id, name, kind, multiplier_pct, bonus_points, category, store, valid_from, valid_until, active "
    "FROM earning_rule WHERE active = $1 AND valid_from <= $2 AND (valid_until IS NULL OR valid_until > $2)"
)


async def award_purchase(
    member_id: int,
    *,
    store_id: int,
    terminal_id: int | None,
    receipt_no: str,
    amount: int,
    items: Sequence[Item],
    channel: Channel,
    digest: str,
    now: datetime,
    store_code: str | None = None,
    locked: points.LockedMember | None = None,
) -> Award:
    """Record the purchase and credit its points; call inside a write transaction.

    ``locked``: the member row this transaction already locked (``cards.use_code``); without
    it the member is locked here. A receipt earned before fails with a unique violation (the
    ledger reference, or the purchase row when it earns no points), which aborts the change.
    """
    async with write_transaction():
        member = locked if locked is not None else await points.lock_member(member_id)
        if store_code is None:
            store = await Store.select(Store.code).where(Store.id == store_id).first()
            store_code = store["code"] if store else None
        if store_code is None:
            raise InvalidInput("unknown member or store")
        ladder = await tiers.ladder()
        current = next((t for t in ladder if t.id == member.tier), None)
        # Without a tier the member earns at the lowest tier's rate (100 % if there is none).
        rate_tier = current or (ladder[0] if ladder else None)
        past = await tiers.history(member_id, now=now)
        earned = compute(
            amount,
            [Line(i.amount, i.category) for i in items],
            store_id=store_id,
            now=now,
            rules=await rules_in_force(now),
            tier_pct=int(rate_tier.earn_multiplier_pct) if rate_tier else 100,
            tier_name=rate_tier.code if rate_tier else "",
            first_purchase=not past.bought,
            dong_per_point=PROGRAMME.dong_per_point,
        )
        balance, entry_id = member.points_balance, None
        if earned.points > 0:
            posting = await points.credit_locked(
                member,
                earned.points,
                kind=points.Kind.EARN,
                reference=f"earn:{store_id}:{receipt_no}",
                origin=points.Origin(store_id=store_id, terminal_id=terminal_id, description=f"receipt {receipt_no}"),
                now=now,
            )
            balance, entry_id = posting.balance_after, posting.entry_id
        values = tiers.Qualifying(past.values.points + earned.points, past.values.spend + amount)
        upgraded = await tiers.upgrade_after_purchase(member_id, current, ladder, values, now=now)
        tier_code = upgraded.code if upgraded else (current.code if current else None)
        result = TillEarn(
            EarnedMember(member.public_id, member.name, tier_code),
            earned.points,
            balance,
            tuple(earned.rules_applied),
            receipt_no,
            store_code,
        )
        row = await db.fetchrow(
            PURCHASE_SQL,
            store_id,
            receipt_no,
            member_id,
            terminal_id,
            channel.value,
            amount,
            earned.points,
            entry_id,
            digest,
            stored_text(result),
            now,
        )
        assert row is not None
        await members.record_purchase(member_id, amount, channel.value, now=now)
        if earned.points:
            await emit(
                EventKind.POINTS_EARNED,
                member_id,
                points=earned.points,
                balance=balance,
                receipt_no=receipt_no,
                store=store_code,
                channel=channel.value,
            )
        return Award(int(row["id"]), member_id, earned.points, balance, receipt_no, store_code, earned, result)


async def rules_in_force(now: datetime) -> list[Rule]:
    rows = await db.fetch(RULES_SQL, True, now)
    return [
        Rule(
            id=r["id"],
            name=r["name"],
            kind=r["kind"],
            multiplier_pct=r["multiplier_pct"],
            bonus_points=r["bonus_points"],
            category=r["category"],
            store_id=r["store"],
            valid_from=r["valid_from"],
            valid_until=r["valid_until"],
            active=bool(r["active"]),
        )
        for r in rows
    ]


def _whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
