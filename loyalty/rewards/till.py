"""Redeeming a voucher at a till, once.

Rules:

* The move ``issued → redeemed`` is one guarded ``UPDATE … WHERE status = 'issued' AND
  valid_until > now``: two tills scanning the same code at once get exactly one success and the
  other ``voucher_redeemed``.
* A reward bound to a store is redeemed only at that store's tills (403 ``voucher_other_store``);
  an unknown code is 404, a used one 409, an expired one 410 (even before the expiry job ran).
* The redemption emits ``VOUCHER_REDEEMED`` in its transaction, with the store and the receipt.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import NamedTuple

from loyalty.db import write_transaction
from loyalty.errors import Conflict, Forbidden, Gone
from loyalty.events import EventKind, emit
from loyalty.rewards.records import VoucherNotFound, normalise_code
from loyalty.schema import Member, Store, Terminal, Voucher, VoucherStatus


class VoucherRedeemed(Conflict):
    code = "voucher_redeemed"
    title = "This voucher was already redeemed"


class VoucherNotUsable(Conflict):
    code = "voucher_not_usable"
    title = "This voucher can no longer be used"


class VoucherExpired(Gone):
    code = "voucher_expired"
    title = "This voucher has expired"


class VoucherOtherStore(Forbidden):
    code = "voucher_other_store"
    title = "This voucher is for another store"


@dataclass(frozen=True, slots=True)
class Redeemed:
    code: str
    reward_name_vi: str
    reward_name_en: str
    member_id: int
    member_public_id: str
    member_name: str


class _Scanned(NamedTuple):
    id: int
    member: int
    reward: int
    store: int | None
    name_vi: str
    name_en: str


async def redeem_at_till(
    code: str, terminal: Terminal, *, receipt_no: str | None = None, now: datetime | None = None
) -> Redeemed:
    """Mark the voucher redeemed at this till, once. 404 unknown, 409 used, 410 expired, 403 store."""
    now = now or datetime.now(UTC)
    code = normalise_code(code)
    store_id = terminal.store.id if isinstance(terminal.store, Store) else int(terminal.store)
    async with write_transaction():
        scanned = await _scanned(code)
        if scanned.store is not None and scanned.store != store_id:
            raise VoucherOtherStore("this voucher can only be used at another store", voucher_code=code)
        moved = (
            await Voucher.update(
                {
                    Voucher.status: VoucherStatus.REDEEMED,
                    Voucher.redeemed_at: now,
                    Voucher.redeemed_store: store_id,
                    Voucher.redeemed_terminal: terminal.id,
                    Voucher.receipt_no: receipt_no,
                }
            )
            .where((Voucher.id == scanned.id) & (Voucher.status == VoucherStatus.ISSUED) & (Voucher.valid_until > now))
            .returning(Voucher.id)
        )
        if not moved:
            await _why_not_usable(scanned.id, now)
        await emit(
            EventKind.VOUCHER_REDEEMED,
            scanned.member,
            voucher_code=code,
            reward_id=scanned.reward,
            store_id=store_id,
            receipt_no=receipt_no,
        )
    member = await Member.select(Member.public_id, Member.name).where(Member.id == scanned.member).first()
    assert member is not None  # RESTRICT keeps a voucher's member
    return Redeemed(code, scanned.name_vi, scanned.name_en, scanned.member, member["public_id"], member["name"])


async def _scanned(code: str) -> _Scanned:
    row = (
        await Voucher.select(
            Voucher.id,
            Voucher.member,
            Voucher.reward,
            Voucher.reward.store,
            Voucher.reward.name_vi,
            Voucher.reward.name_en,
        )
        .where(Voucher.code == code)
        .first()
    )
    if row is None:
        raise VoucherNotFound("no voucher with this code", voucher_code=code)
    return _Scanned(
        row["id"], row["member"], row["reward"], row["reward.store"], row["reward.name_vi"], row["reward.name_en"]
    )


async def _why_not_usable(voucher_id: int, now: datetime) -> None:
    """The guarded UPDATE matched nothing: say why, from the row as it is now."""
    row = await Voucher.select(Voucher.status, Voucher.valid_until).where(Voucher.id == voucher_id).first()
    assert row is not None
    status = VoucherStatus(row["status"])
    if status == VoucherStatus.REDEEMED:
        raise VoucherRedeemed("this voucher was already redeemed")
    if status == VoucherStatus.EXPIRED or (status == VoucherStatus.ISSUED and row["valid_until"] <= now):
        raise VoucherExpired("this voucher has expired", valid_until=row["valid_until"].isoformat())
    raise VoucherNotUsable(f"this voucher is {status}", voucher_status=status.value)
