"""Earning points for a purchase: at the till with the member's QR, or later by a receipt claim.

Rules:

* A receipt (store, receipt_no) earns once, by whichever path comes first: the ``Purchase``
  row is unique on (store, receipt_no) and the ledger reference ``earn:<store>:<receipt>`` is
  unique too, so concurrent attempts leave exactly one entry.
* Till earns are idempotent: the same body again (the same member, receipt, amount and items —
  a fresh code of the same member counts as the same body) returns the first answer; a
  different body is 409 ``duplicate_receipt``. The answer is stored on the ``Purchase``.
* One transaction: the member code is used up, the purchase recorded, the points credited
  (one lot, expiring after ``POINTS_EXPIRY_MONTHS``), the tier upgraded at once if the earn
  qualifies, the purchase counted into the member's statistics (:mod:`loyalty.statistics`), and
  ``points_earned`` emitted. A failure leaves nothing, not even a used code.
* Amounts are whole đồng, 1 … 1,000,000,000; ``receipt_no`` is 1–64 printable characters;
  items' amounts add up to at most the receipt's amount. Points come from
  :mod:`loyalty.earning_rules` (pure).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from loyalty import db, members, points, tiers
from loyalty.config import PROGRAMME
from loyalty.db import is_unique_violation, write_transaction
from loyalty.earning import cards
from loyalty.earning.rules import Earned, Line, Rule, compute
from loyalty.errors import Conflict, InvalidInput
from loyalty.events import EventKind, emit
from loyalty.schema import Purchase, Store

MAX_AMOUNT = 1_000_000_000
MAX_ITEMS = 500


class DuplicateReceipt(Conflict):
    code = "duplicate_receipt"
    title = "This receipt has already earned points"


@dataclass(frozen=True)
class Item:
    sku: str
    amount: int
    quantity: int = 1
    category: str | None = None


@dataclass(frozen=True)
class Award:
    purchase_id: int
    member_id: int
    public_id: str
    member_name: str
    tier_code: str | None
    points_earned: int
    points_balance: int
    receipt_no: str
    store_code: str
    earned: Earned


@dataclass(frozen=True)
class EarnOutcome:
    answer: dict[str, Any]
    created: bool  # False: the stored first answer, replayed


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


def request_hash(kind: str, who: str, receipt_no: str, amount: int, items: Sequence[Item]) -> str:
    body = {"kind": kind, "who": who, "receipt_no": receipt_no, "amount": amount, "items": [_item(i) for i in items]}
    return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


async def earn_at_till(
    *,
    store_id: int,
    terminal_id: int | None,
    member_code: str,
    receipt_no: str,
    amount: int,
    items: Sequence[Item] = (),
    store_code: str | None = None,
    now: datetime | None = None,
) -> EarnOutcome:
    """Award the points of a receipt to the member whose live QR code the till scanned.

    A repeat of the receipt is found only when the first attempt fails (its code was used, or
    has expired since, or the purchase row exists): the common path pays no extra query.
    """
    validate_purchase(receipt_no, amount, items)
    now = now or datetime.now(UTC)
    who = cards.public_id_of(member_code) or member_code
    digest = request_hash("till", who, receipt_no, amount, items)
    try:
        async with write_transaction():
            member = await cards.use_code(member_code, now=now)
            award = await award_purchase(
                int(member["id"]),
                locked=member,
                store_id=store_id,
                terminal_id=terminal_id,
                receipt_no=receipt_no,
                amount=amount,
                items=items,
                channel="till",
                digest=digest,
                store_code=store_code,
                now=now,
            )
    except Exception as exc:
        # A repeat (the till retrying, maybe with a code that expired meanwhile) or a lost race
        # for this receipt: answer from the purchase if there is one.
        repeat = isinstance(exc, cards.CodeReused | cards.CodeInvalid | points.ReferenceReused)
        if not (repeat or is_unique_violation(exc)):
            raise
        replay = await replay_of(store_id, receipt_no, digest)
        if replay is None:
            raise
        return replay
    return EarnOutcome(till_answer(award), created=True)


def _item(item: Item) -> dict[str, Any]:
    # Spelled out: dataclasses.asdict deep-copies, and this runs on every earn.
    return {"sku": item.sku, "amount": item.amount, "quantity": item.quantity, "category": item.category}


def till_answer(award: Award) -> dict[str, Any]:
    return {
        "member": {"id": award.public_id, "name": award.member_name, "tier": award.tier_code},
        "points_earned": award.points_earned,
        "points_balance": award.points_balance,
        "rules_applied": [
            {
                "kind": a.kind,
                "name": a.name,
                "rule_id": a.rule_id,
                "multiplier_pct": a.multiplier_pct,
                "bonus_points": a.bonus_points,
            }
            for a in award.earned.rules_applied
        ],
        "receipt_no": award.receipt_no,
        "store": award.store_code,
    }


async def replay_of(store_id: int, receipt_no: str, digest: str) -> EarnOutcome | None:
    """The first answer for this receipt if the body is the same; 409 if it differs."""
    found = (
        await Purchase.select(Purchase.request_hash, Purchase.answer)
        .where((Purchase.store == store_id) & (Purchase.receipt_no == receipt_no))
        .first()
    )
    if found is None:
        return None
    if found["request_hash"] != digest:
        raise DuplicateReceipt(f"receipt {receipt_no} has already earned points", receipt_no=receipt_no)
    answer = found["answer"]
    return EarnOutcome(json.loads(answer) if isinstance(answer, str) else answer, created=False)


# The purchase row goes in last, complete (entry and answer), so nothing is written twice.
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
    channel: str,
    digest: str,
    now: datetime,
    store_code: str | None = None,
    locked: dict[str, Any] | None = None,
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
        current = next((t for t in ladder if t.id == member["tier"]), None)
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
        balance, entry_id = int(member["points_balance"]), None
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
        values = {
            "points": past.values["points"] + earned.points,
            "spend": past.values["spend"] + amount,
        }
        upgraded = await tiers.upgrade_after_purchase(member_id, current, ladder, values, now=now)
        tier_code = upgraded.code if upgraded else (current.code if current else None)
        award = Award(
            0,
            member_id,
            member["public_id"],
            member["name"],
            tier_code,
            earned.points,
            balance,
            receipt_no,
            store_code,
            earned,
        )
        row = await db.fetchrow(
            PURCHASE_SQL,
            store_id,
            receipt_no,
            member_id,
            terminal_id,
            channel,
            amount,
            earned.points,
            entry_id,
            digest,
            json.dumps(till_answer(award), ensure_ascii=False),
            now,
        )
        assert row is not None
        await members.record_purchase(member_id, amount, channel, now=now)
        if earned.points:
            await emit(
                EventKind.POINTS_EARNED,
                member_id,
                points=earned.points,
                balance=balance,
                receipt_no=receipt_no,
                store=store_code,
                channel=channel,
            )
        return replace(award, purchase_id=int(row["id"]))


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
