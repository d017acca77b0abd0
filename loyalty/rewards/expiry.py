"""The expiry job: issued vouchers past their date become expired.

Rules: each batch is one guarded ``UPDATE … WHERE status = 'issued'``, so a voucher redeemed or
cancelled while the job runs keeps that status, and several workers running the job at once
expire each voucher once. A member already sees an issued voucher past its date as expired
(``wallet.shown_status``); the job makes the stored status say so.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from loyalty.db import write_transaction
from loyalty.jobs import job
from loyalty.schema import Voucher, VoucherStatus


async def expire_due(*, now: datetime | None = None, batch: int = 1000) -> int:
    """Issued vouchers past ``valid_until`` become expired, in batches of guarded UPDATEs."""
    now = now or datetime.now(UTC)
    expired = 0
    while True:
        due = (
            await Voucher.select(Voucher.id)
            .where((Voucher.status == VoucherStatus.ISSUED) & (Voucher.valid_until <= now))
            .order_by(Voucher.id)
            .limit(batch)
        )
        if not due:
            return expired
        async with write_transaction():
            moved = (
                await Voucher.update({Voucher.status: VoucherStatus.EXPIRED})
                .where(Voucher.id.is_in([r["id"] for r in due]) & (Voucher.status == VoucherStatus.ISSUED))
                .returning(Voucher.id)
            )
        expired += len(moved)
        if len(due) < batch:
            return expired


@job("vouchers.expire", every=timedelta(minutes=15))
async def expire_vouchers(now: datetime) -> int:
    return await expire_due(now=now)
