"""Earning points at the till with the member's live QR code, or with the phone number of a
customer without the app.

Rules:

* The till names the member by exactly one of its live QR code or its phone number. A phone
  only gives points (earning needs no proof that the customer is who the number says); spending
  at the till always needs more than a number.

* Till earns are idempotent: the same body again (the same member, receipt, amount and items —
  a fresh code of the same member counts as the same body) returns the first result; a
  different body is 409 ``duplicate_receipt``. The result is kept on the ``Purchase``
  (:mod:`loyalty.earning.outcome`).
* One transaction: the member code is used up, then everything
  :func:`loyalty.earning.purchases.award_purchase` does. A failure leaves nothing, not even a
  used code.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from loyalty import members, points
from loyalty.db import is_unique_violation, write_transaction
from loyalty.earning import cards
from loyalty.earning.outcome import EarnOutcome, from_stored
from loyalty.earning.purchases import Channel, DuplicateReceipt, Item, award_purchase, request_hash, validate_purchase
from loyalty.errors import InvalidInput
from loyalty.schema import Purchase


async def earn_at_till(
    *,
    store_id: int,
    terminal_id: int | None,
    member_code: str | None = None,
    phone: str | None = None,
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
    if (member_code is None) == (phone is None):
        raise InvalidInput("name the member by exactly one of member_code and phone", field="member_code")
    validate_purchase(receipt_no, amount, items)
    now = now or datetime.now(UTC)
    by_phone = await members.member_by_phone(phone) if phone is not None else None
    who = by_phone.public_id if by_phone else cards.public_id_of(member_code or "") or member_code or ""
    digest = request_hash(Channel.TILL, who, receipt_no, amount, items)
    try:
        async with write_transaction():
            if by_phone is not None:
                member = await points.lock_member(by_phone.id)
            else:
                member = await cards.use_code(member_code or "", now=now)
            award = await award_purchase(
                member.id,
                locked=member,
                store_id=store_id,
                terminal_id=terminal_id,
                receipt_no=receipt_no,
                amount=amount,
                items=items,
                channel=Channel.TILL,
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
    return EarnOutcome(award.result, created=True)


async def replay_of(store_id: int, receipt_no: str, digest: str) -> EarnOutcome | None:
    """The first result for this receipt if the body is the same; 409 if it differs."""
    found = (
        await Purchase.select(Purchase.request_hash, Purchase.answer)
        .where((Purchase.store == store_id) & (Purchase.receipt_no == receipt_no))
        .first()
    )
    if found is None:
        return None
    if found["request_hash"] != digest:
        raise DuplicateReceipt(f"receipt {receipt_no} has already earned points", receipt_no=receipt_no)
    return EarnOutcome(from_stored(found["answer"]), created=False)
