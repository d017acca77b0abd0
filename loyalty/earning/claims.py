"""Receipt claims: a one-time code printed on a receipt, redeemed later in the member's app.

Rules:

* One claim per (store, receipt_no) (a unique index). Asking again with the same receipt,
  amount and items returns the same claim; a different body is 409 ``duplicate_receipt``, and
  so is a receipt that already earned at the till.
* The code is 20 characters from a 32-letter alphabet (100 random bits): unguessable, and
  short enough for a small QR. It is valid ``CLAIM_VALID_DAYS`` (7) days.
* Claiming is one guarded UPDATE (``WHERE claimed_at IS NULL AND expires_at > now``), in the
  transaction that records the purchase and credits the points, so 20 concurrent claims of a
  code give exactly one success. The claiming member's row is locked first (as every earn
  does), so one member's concurrent claims queue instead of deadlocking. Unknown code 404,
  used 409 ``code_reused``, expired 410 ``code_expired``. A receipt earns once: the purchase
  row and ledger reference are shared with the till path (see :mod:`loyalty.earning`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from loyalty import points
from loyalty.codes import readable_code
from loyalty.config import PROGRAMME
from loyalty.db import is_unique_violation, write_transaction
from loyalty.earning import cards
from loyalty.earning.purchases import (
    Channel,
    DuplicateReceipt,
    Item,
    award_purchase,
    item_json,
    request_hash,
    validate_purchase,
)
from loyalty.errors import Gone, NotFound
from loyalty.schema import Purchase, ReceiptClaim

CODE_LENGTH = 20


class CodeExpired(Gone):
    code = "code_expired"
    title = "This code has expired"


class UnknownClaim(NotFound):
    code = "not_found"
    title = "No such claim code"


@dataclass(frozen=True, slots=True)
class Claim:
    code: str
    valid_until: datetime
    receipt_no: str
    amount: int


@dataclass(frozen=True, slots=True)
class Claimed:
    points_earned: int
    points_balance: int
    receipt_no: str
    store: str


def new_code() -> str:
    return readable_code(CODE_LENGTH)


def normalise_code(raw: str) -> str:
    return "".join(raw.split()).upper() if isinstance(raw, str) else ""


async def create_claim(
    *,
    store_id: int,
    terminal_id: int | None,
    receipt_no: str,
    amount: int,
    items: Sequence[Item] = (),
    now: datetime | None = None,
) -> Claim:
    """The claim code to print on a receipt (the same one again for the same request)."""
    validate_purchase(receipt_no, amount, items)
    now = now or datetime.now(UTC)
    digest = request_hash(Channel.CLAIM, "", receipt_no, amount, items)
    try:
        async with write_transaction():
            existing = await _existing(store_id, receipt_no, digest)
            if existing is not None:
                return existing
            if await Purchase.exists().where((Purchase.store == store_id) & (Purchase.receipt_no == receipt_no)):
                raise DuplicateReceipt(f"receipt {receipt_no} has already earned points", receipt_no=receipt_no)
            claim = ReceiptClaim(
                code=new_code(),
                store=store_id,
                terminal=terminal_id,
                receipt_no=receipt_no,
                amount=amount,
                items=[item_json(i) for i in items],
                request_hash=digest,
                expires_at=now + timedelta(days=PROGRAMME.claim_valid_days),
                created_at=now,
            )
            await claim.save()
    except Exception as exc:
        if not is_unique_violation(exc):
            raise
        existing = await _existing(store_id, receipt_no, digest)
        if existing is None:
            raise
        return existing
    return Claim(claim.code, claim.expires_at, receipt_no, amount)


async def _existing(store_id: int, receipt_no: str, digest: str) -> Claim | None:
    found = (
        await ReceiptClaim.select(ReceiptClaim.code, ReceiptClaim.expires_at, ReceiptClaim.request_hash)
        .where((ReceiptClaim.store == store_id) & (ReceiptClaim.receipt_no == receipt_no))
        .first()
    )
    if found is None:
        return None
    if found["request_hash"] != digest:
        raise DuplicateReceipt(
            f"receipt {receipt_no} already has a claim code for another amount", receipt_no=receipt_no
        )
    return Claim(found["code"], found["expires_at"], receipt_no, 0)


async def claim_of_store(code: str, store_id: int) -> Claim:
    """A till may only see (and print) its own store's claims."""
    found = (
        await ReceiptClaim.select(
            ReceiptClaim.code, ReceiptClaim.expires_at, ReceiptClaim.receipt_no, ReceiptClaim.amount
        )
        .where((ReceiptClaim.code == normalise_code(code)) & (ReceiptClaim.store == store_id))
        .first()
    )
    if found is None:
        raise UnknownClaim("no claim with this code in this store")
    return Claim(found["code"], found["expires_at"], found["receipt_no"], found["amount"])


async def claim(member_id: int, code: str, *, now: datetime | None = None) -> Claimed:
    """Award a receipt's points to the member who scanned its claim code, once."""
    now = now or datetime.now(UTC)
    code = normalise_code(code)
    if not 1 <= len(code) <= 32:
        raise UnknownClaim("no claim with this code")
    try:
        async with write_transaction():
            # The member's FOR UPDATE before the claim row points at the member: that UPDATE's
            # foreign-key check takes KEY SHARE on the member (PostgreSQL), and two claims by one
            # member each holding KEY SHARE while asking for FOR UPDATE deadlock.
            member = await points.lock_member(member_id)
            taken = (
                await ReceiptClaim.update({ReceiptClaim.claimed_by: member_id, ReceiptClaim.claimed_at: now})
                .where(
                    (ReceiptClaim.code == code) & ReceiptClaim.claimed_at.is_null() & (ReceiptClaim.expires_at > now)
                )
                .returning(
                    ReceiptClaim.store,
                    ReceiptClaim.terminal,
                    ReceiptClaim.receipt_no,
                    ReceiptClaim.amount,
                    ReceiptClaim.items,
                )
            )
            if not taken:
                await _refuse(code)
            row = taken[0]
            if await Purchase.exists().where(
                (Purchase.store == row["store"]) & (Purchase.receipt_no == row["receipt_no"])
            ):
                raise cards.CodeReused("this receipt has already earned points", receipt_no=row["receipt_no"])
            items = _items(row["items"])
            award = await award_purchase(
                member_id,
                locked=member,
                store_id=row["store"],
                terminal_id=row["terminal"],
                receipt_no=row["receipt_no"],
                amount=row["amount"],
                items=items,
                channel=Channel.CLAIM,
                digest=request_hash(Channel.CLAIM, str(member_id), row["receipt_no"], row["amount"], items),
                now=now,
            )
    except Exception as exc:
        # The till earned this receipt at the same moment: the receipt earns once.
        if is_unique_violation(exc) or isinstance(exc, points.ReferenceReused):
            raise cards.CodeReused("this receipt has already earned points") from exc
        raise
    return Claimed(award.points_earned, award.points_balance, award.receipt_no, award.store_code)


async def _refuse(code: str) -> None:
    found = (
        await ReceiptClaim.select(ReceiptClaim.claimed_at, ReceiptClaim.expires_at)
        .where(ReceiptClaim.code == code)
        .first()
    )
    if found is None:
        raise UnknownClaim("no claim with this code")
    if found["claimed_at"] is not None:
        raise cards.CodeReused("this receipt code was claimed already")
    raise CodeExpired("this receipt code has expired", expired_at=found["expires_at"].isoformat())


def _items(stored: Any) -> list[Item]:
    """A claim's items as stored (JSON text, or already decoded by the driver)."""
    loaded = json.loads(stored) if isinstance(stored, str) else stored
    return [Item(**item) for item in loaded or []]
