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
  qualifies, and ``points_earned`` emitted. A failure leaves nothing, not even a used code.
* Amounts are whole đồng, 1 … 1,000,000,000; ``receipt_no`` is 1–64 printable characters;
  items' amounts add up to at most the receipt's amount. Points come from
  :mod:`loyalty.earning_rules` (pure).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from loyalty import cards, ledger, tiers
from loyalty.config import PROGRAMME
from loyalty.db import write_transaction
from loyalty.earning_rules import Earned, Line, Rule, compute
from loyalty.errors import Conflict, InvalidInput
from loyalty.events import EventKind, emit
from loyalty.tables import EarningRule, Member, Purchase, Store, Tier

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
    body = {"kind": kind, "who": who, "receipt_no": receipt_no, "amount": amount, "items": [asdict(i) for i in items]}
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
            member_id = await cards.accept(member_code, now=now)
            award = await award_purchase(
                member_id,
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
        repeat = isinstance(exc, cards.CodeReused | cards.CodeInvalid | ledger.ReferenceReused)
        if not (repeat or is_unique_violation(exc)):
            raise
        replay = await replay_of(store_id, receipt_no, digest)
        if replay is None:
            raise
        return replay
    return EarnOutcome(till_answer(award), created=True)


def till_answer(award: Award) -> dict[str, Any]:
    return {
        "member": {"id": award.public_id, "name": award.member_name, "tier": award.tier_code},
        "points_earned": award.points_earned,
        "points_balance": award.points_balance,
        "rules_applied": [asdict(a) for a in award.earned.rules_applied],
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
) -> Award:
    """Record the purchase and credit its points; call inside a write transaction."""
    async with write_transaction():
        member = (
            await Member.select(
                Member.public_id,
                Member.name,
                Member.tier,
                Member.tier.code.as_alias("tier_code"),
                Member.tier.earn_multiplier_pct.as_alias("tier_pct"),
            )
            .where(Member.id == member_id)
            .first()
        )
        if store_code is None:
            store = await Store.select(Store.code).where(Store.id == store_id).first()
            store_code = store["code"] if store else None
        if member is None or store_code is None:
            raise InvalidInput("unknown member or store")
        first = not await Purchase.exists().where(Purchase.member == member_id)
        tier = await _tier_of(member)
        earned = compute(
            amount,
            [Line(i.amount, i.category) for i in items],
            store_id=store_id,
            now=now,
            rules=await rules_in_force(now),
            tier_pct=tier[1],
            tier_name=tier[0] or "",
            first_purchase=first,
            dong_per_point=PROGRAMME.dong_per_point,
        )
        purchase = Purchase(
            store=store_id,
            receipt_no=receipt_no,
            member=member_id,
            terminal=terminal_id,
            channel=channel,
            amount=amount,
            points_earned=earned.points,
            request_hash=digest,
            created_at=now,
        )
        await purchase.save()
        balance, entry_id = await _credit(member_id, earned.points, store_id, terminal_id, receipt_no, now)
        upgraded = await tiers.upgrade_if_qualified(member_id, now=now)
        tier_code = upgraded.code if upgraded else member["tier_code"]
        award = Award(
            purchase.id,
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
        await Purchase.update({Purchase.earn_entry: entry_id, Purchase.answer: till_answer(award)}).where(
            Purchase.id == purchase.id
        )
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
        return award


async def _credit(
    member_id: int, points: int, store_id: int, terminal_id: int | None, receipt_no: str, now: datetime
) -> tuple[int, int | None]:
    if points <= 0:
        row = await Member.select(Member.points_balance).where(Member.id == member_id).first()
        return (int(row["points_balance"]) if row else 0), None
    posting = await ledger.credit(
        member_id,
        points,
        kind=ledger.Kind.EARN,
        reference=f"earn:{store_id}:{receipt_no}",
        origin=ledger.Origin(store_id=store_id, terminal_id=terminal_id, description=f"receipt {receipt_no}"),
        now=now,
    )
    if posting.replayed:
        raise ledger.ReferenceReused(f"receipt {receipt_no} has already earned points", reference=receipt_no)
    return posting.balance_after, posting.entry_id


async def _tier_of(member: dict[str, Any]) -> tuple[str | None, int]:
    """(code, earn %) of the member's tier; without one, the lowest tier's (100 % if none)."""
    if member["tier"] is not None:
        return member["tier_code"], int(member["tier_pct"])
    lowest = await Tier.select(Tier.code, Tier.earn_multiplier_pct).order_by(Tier.rank).first()
    return (lowest["code"], int(lowest["earn_multiplier_pct"])) if lowest else (None, 100)


async def rules_in_force(now: datetime) -> list[Rule]:
    rows = await EarningRule.select().where(
        (EarningRule.active == True)  # noqa: E712 (Piccolo builds SQL from ==)
        & (EarningRule.valid_from <= now)
        & (EarningRule.valid_until.is_null() | (EarningRule.valid_until > now))
    )
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


def is_unique_violation(exc: BaseException) -> bool:
    text = f"{type(exc).__name__} {exc}".lower()
    return "unique" in text or "duplicate key" in text


def _whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
