"""Refunds: a receipt's earn is reversed in proportion to the amount refunded.

Rules:

* Refunds of a purchase add up to at most its amount: one guarded UPDATE
  (``SET refunded_amount = refunded_amount + n WHERE refunded_amount + n <= amount``);
  beyond that, 422 ``refund_exceeds_purchase``. An unknown receipt (in this store) is 404.
* Proportion is cumulative, so rounding never drifts: after refunds totalling R of an
  amount A that earned P points, ``P × R // A`` points have been reversed in all; each
  refund reverses the difference. Refunding the whole amount reverses every point.
* Points go back through ``points.take_back`` from the purchase's own lot first; points
  already spent are taken back only down to a zero balance, the rest is the ``shortfall``.
* Without an Idempotency-Key every call is a new refund (the API wraps it in ``run_once``).
* The member's statistics row is recomputed in the same transaction (refunded spend may remove a
  visit), under the member's lock, whether or not points go back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from loyalty import members
from loyalty.db import write_transaction
from loyalty.earning.purchases import MAX_AMOUNT
from loyalty.errors import InvalidInput, NotFound
from loyalty.events import EventKind, emit
from loyalty.points import LedgerBroken, Origin, lock_member, take_back
from loyalty.schema import Purchase


class RefundTooLarge(InvalidInput):
    code = "refund_exceeds_purchase"
    title = "The refund is larger than what is left of the purchase"


class UnknownReceipt(NotFound):
    code = "not_found"
    title = "No such receipt"


@dataclass(frozen=True, slots=True)
class Refunded:
    points_reversed: int
    shortfall: int
    refunded_total: int


def reversal_due(points_earned: int, amount: int, refunded_total: int) -> int:
    """Points that should have been reversed in all after refunds totalling ``refunded_total``."""
    return points_earned * refunded_total // amount


async def refund(
    *,
    store_id: int,
    terminal_id: int | None,
    receipt_no: str,
    amount: int,
    now: datetime | None = None,
) -> Refunded:
    if not isinstance(amount, int) or isinstance(amount, bool) or not 1 <= amount <= MAX_AMOUNT:
        raise InvalidInput(f"amount must be a whole number of đồng from 1 to {MAX_AMOUNT}", field="amount")
    now = now or datetime.now(UTC)
    async with write_transaction():
        purchase = (
            await Purchase.select(Purchase.id, Purchase.amount, Purchase.refunded_amount)
            .where((Purchase.store == store_id) & (Purchase.receipt_no == receipt_no))
            .first()
        )
        if purchase is None:
            raise UnknownReceipt(f"no purchase with receipt {receipt_no} in this store", receipt_no=receipt_no)
        # A purchase's amount never changes, so "refunded + amount <= the amount read" is the guard.
        rows = (
            await Purchase.update({Purchase.refunded_amount: Purchase.refunded_amount + amount})
            .where((Purchase.id == purchase["id"]) & (Purchase.refunded_amount <= purchase["amount"] - amount))
            .returning(
                Purchase.member,
                Purchase.amount,
                Purchase.refunded_amount,
                Purchase.points_earned,
                Purchase.points_reversed,
                Purchase.earn_entry,
            )
        )
        if not rows:
            left = purchase["amount"] - purchase["refunded_amount"]
            raise RefundTooLarge(
                f"only {left} đ of receipt {receipt_no} can still be refunded", refundable=left, receipt_no=receipt_no
            )
        row = rows[0]
        # The member's lock first, as the earn takes it: the recompute then sees every purchase
        # of the member committed before it, and a concurrent earn counts in after it.
        await lock_member(row["member"])
        await members.refresh_member(row["member"], now=now)
        due = reversal_due(row["points_earned"], row["amount"], row["refunded_amount"])
        owed = due - row["points_reversed"]
        if owed <= 0 or row["earn_entry"] is None:
            return Refunded(0, 0, row["refunded_amount"])
        moved = (
            await Purchase.update({Purchase.points_reversed: due})
            .where((Purchase.id == purchase["id"]) & (Purchase.points_reversed == row["points_reversed"]))
            .returning(Purchase.id)
        )
        if not moved:
            raise LedgerBroken(f"purchase {purchase['id']} changed under a refund", member_id=row["member"])
        posting = await take_back(
            row["member"],
            owed,
            from_entry_id=row["earn_entry"],
            reference=f"refund:{purchase['id']}:{row['refunded_amount']}",
            origin=Origin(store_id=store_id, terminal_id=terminal_id, description=f"refund of {receipt_no}"),
            now=now,
        )
        await emit(
            EventKind.POINTS_REVERSED,
            row["member"],
            points=-posting.delta,
            shortfall=posting.shortfall,
            balance=posting.balance_after,
            receipt_no=receipt_no,
        )
        return Refunded(-posting.delta, posting.shortfall, row["refunded_amount"])
