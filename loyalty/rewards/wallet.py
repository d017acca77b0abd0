"""The member's own vouchers, as the app lists them and shows their QR.

Rules: a member reaches only its own vouchers (another member's code is simply "not found");
the list is newest first by keyset on the id; an issued voucher past its date shows as expired
even before the expiry job has run.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from loyalty.rewards.records import VoucherNotFound, VoucherSource, normalise_code
from loyalty.schema import Voucher, VoucherStatus


@dataclass(frozen=True, slots=True)
class VoucherView:
    id: int
    code: str
    reward_id: int
    name: str
    status: VoucherStatus
    valid_until: datetime
    redeemed_at: datetime | None
    issued_at: datetime
    source: VoucherSource


def shown_status(status: str, valid_until: datetime, now: datetime) -> VoucherStatus:
    """An issued voucher past its date is expired even before the expiry job has run."""
    stored = VoucherStatus(status)
    return VoucherStatus.EXPIRED if stored == VoucherStatus.ISSUED and valid_until <= now else stored


async def member_vouchers(
    member_id: int, *, locale: str = "vi", limit: int = 20, before_id: int | None = None, now: datetime | None = None
) -> list[VoucherView]:
    """The member's vouchers, newest first (keyset on id, below ``before_id``)."""
    now = now or datetime.now(UTC)
    condition: Any = Voucher.member == member_id
    if before_id is not None:
        condition = condition & (Voucher.id < before_id)
    rows = (
        await Voucher.select(
            Voucher.id,
            Voucher.code,
            Voucher.reward,
            Voucher.status,
            Voucher.valid_until,
            Voucher.redeemed_at,
            Voucher.issued_at,
            Voucher.source,
            Voucher.reward.name_vi,
            Voucher.reward.name_en,
        )
        .where(condition)
        .order_by(Voucher.id, ascending=False)
        .limit(limit)
    )
    return [
        VoucherView(
            id=r["id"],
            code=r["code"],
            reward_id=r["reward"],
            name=(r["reward.name_en"] if locale == "en" else r["reward.name_vi"]) or r["reward.name_vi"],
            status=shown_status(r["status"], r["valid_until"], now),
            valid_until=r["valid_until"],
            redeemed_at=r["redeemed_at"],
            issued_at=r["issued_at"],
            source=VoucherSource(r["source"]),
        )
        for r in rows
    ]


async def member_voucher_code(member_id: int, code: str) -> str:
    """The code if this member owns the voucher; another member's code is simply not found."""
    code = normalise_code(code)
    row = await Voucher.select(Voucher.code).where((Voucher.code == code) & (Voucher.member == member_id)).first()
    if row is None:
        raise VoucherNotFound("no voucher with this code", voucher_code=code)
    return str(row["code"])
