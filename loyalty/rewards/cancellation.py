"""Staff cancel a voucher that was not used: its points go back, its stock returns.

Rules: only an issued voucher is cancelled, by a guarded ``UPDATE … WHERE status = 'issued'``
(a redeemed, expired or cancelled one is ``voucher_not_usable``); the points of its spend come
back through ``points.give_back`` (exactly the lots they were drawn from), the reward's stock is
restored, and the audit row and ``VOUCHER_CANCELLED`` are written, all in one transaction.
"""

from __future__ import annotations

from datetime import UTC, datetime

from loyalty import audit, points
from loyalty.audit import StaffActor
from loyalty.db import write_transaction
from loyalty.errors import InvalidInput
from loyalty.events import EventKind, emit
from loyalty.rewards.records import VoucherNotFound, VoucherRecord, normalise_code
from loyalty.rewards.stock import restore_stock
from loyalty.rewards.till import VoucherNotUsable
from loyalty.schema import Voucher, VoucherStatus


async def cancel(code: str, *, reason: str, actor: StaffActor, now: datetime | None = None) -> VoucherRecord:
    """Staff cancel an unredeemed voucher: points back through the ledger, stock restored, audited."""
    reason = reason.strip()
    if len(reason) < 3:
        raise InvalidInput("a reason of at least 3 characters is required", field="reason")
    now = now or datetime.now(UTC)
    found = await Voucher.select(Voucher.id).where(Voucher.code == normalise_code(code)).first()
    if found is None:
        raise VoucherNotFound("no voucher with this code", voucher_code=code)
    voucher_id = int(found["id"])
    async with write_transaction():
        moved = (
            await Voucher.update({Voucher.status: VoucherStatus.CANCELLED, Voucher.cancelled_reason: reason[:2000]})
            .where((Voucher.id == voucher_id) & (Voucher.status == VoucherStatus.ISSUED))
            .returning(Voucher.id)
        )
        row = await Voucher.objects().where(Voucher.id == voucher_id).first()
        if row is None:
            raise VoucherNotFound(f"no voucher {voucher_id}")
        voucher = VoucherRecord.of(row)
        if not moved:
            raise VoucherNotUsable(f"only an issued voucher can be cancelled; this one is {voucher.status}")
        points_back = 0
        if voucher.spend_entry is not None:
            posting = await points.give_back(
                voucher.spend_entry,
                reference=f"voucher-cancel:{voucher_id}",
                origin=points.Origin(staff_id=actor.user_id, description=f"voucher {voucher.code} cancelled"),
                now=now,
            )
            points_back = posting.delta
        await restore_stock(voucher.reward)
        await audit.record(
            actor, "voucher.cancel", "voucher", voucher_id, code=voucher.code, reason=reason, points_back=points_back
        )
        await emit(
            EventKind.VOUCHER_CANCELLED,
            voucher.member,
            voucher_code=voucher.code,
            reward_id=voucher.reward,
            points_back=points_back,
            reason=reason,
        )
        return voucher
