"""Scheduled reminders: points and vouchers that expire soon.

Rules: each lot and each voucher is reminded at most once, claimed by a guarded UPDATE
(``reminded_at IS NULL``) in the transaction that writes the event, so reruns and several
workers never remind twice. Points: one event per member, with the total expiring within
EXPIRING_SOON_DAYS and the first date. Vouchers: one event per voucher, VOUCHER_REMINDER_DAYS
(3) before it ends. Both are marketing messages: the notifications side applies consent,
quiet hours and the frequency cap.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import NamedTuple

from loyalty.config import PROGRAMME
from loyalty.db import write_transaction
from loyalty.events import EventKind, emit
from loyalty.jobs import job
from loyalty.schema import PointLot, Voucher, VoucherStatus

VOUCHER_REMINDER_DAYS = 3
BATCH = 1000


@job("points.remind_expiring", every=timedelta(hours=6))
async def remind_expiring_points(now: datetime) -> int:
    horizon = now + timedelta(days=PROGRAMME.expiring_soon_days)
    reminded = 0
    while True:
        async with write_transaction():
            due = (
                PointLot.select(PointLot.id)
                .where(
                    PointLot.reminded_at.is_null()
                    & (PointLot.points_left > 0)
                    & (PointLot.expires_at > now)
                    & (PointLot.expires_at <= horizon)
                )
                .limit(BATCH)
            )
            lots = (
                await PointLot.update({PointLot.reminded_at: now})
                .where(PointLot.id.is_in(due) & PointLot.reminded_at.is_null())
                .returning(PointLot.member, PointLot.points_left, PointLot.expires_at)
            )
            for member_id, (points, first) in _per_member([_Lot(**lot) for lot in lots]).items():
                await emit(
                    EventKind.POINTS_EXPIRING_SOON, member_id, points=points, expires_on=first.date().isoformat()
                )
        reminded += len(lots)
        if len(lots) < BATCH:
            return reminded


@job("vouchers.remind_expiring", every=timedelta(hours=6))
async def remind_expiring_vouchers(now: datetime) -> int:
    horizon = now + timedelta(days=VOUCHER_REMINDER_DAYS)
    reminded = 0
    while True:
        async with write_transaction():
            due = (
                Voucher.select(Voucher.id)
                .where(
                    Voucher.reminded_at.is_null()
                    & (Voucher.status == VoucherStatus.ISSUED)
                    & (Voucher.valid_until > now)
                    & (Voucher.valid_until <= horizon)
                )
                .limit(BATCH)
            )
            vouchers = (
                await Voucher.update({Voucher.reminded_at: now})
                .where(Voucher.id.is_in(due) & Voucher.reminded_at.is_null())
                .returning(Voucher.id, Voucher.member, Voucher.code, Voucher.valid_until)
            )
            for voucher in vouchers:
                await emit(
                    EventKind.VOUCHER_EXPIRING_SOON,
                    voucher["member"],
                    voucher_id=voucher["id"],
                    code=voucher["code"],
                    valid_until=voucher["valid_until"].date().isoformat(),
                )
        reminded += len(vouchers)
        if len(vouchers) < BATCH:
            return reminded


class _Lot(NamedTuple):
    member: int
    points_left: int
    expires_at: datetime


def _per_member(lots: list[_Lot]) -> dict[int, tuple[int, datetime]]:
    """Each member's points expiring soon and the first date they go."""
    totals: dict[int, tuple[int, datetime]] = {}
    for lot in lots:
        points, first = totals.get(lot.member, (0, lot.expires_at))
        totals[lot.member] = (points + lot.points_left, min(first, lot.expires_at))
    return totals
