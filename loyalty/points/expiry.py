"""Points expire when their lot's date has passed: the worker's job, staff's "expire now", and
what a member sees coming.

An expiry removes exactly what is left of a lot with an ``expire`` entry (reference
``expire:lot:<id>``, so a second worker expiring the same lot replays instead of expiring twice)
and one ``LotDraw``; each lot is its own transaction, so a crash loses at most the lot in hand.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from loyalty import audit
from loyalty.audit import StaffActor
from loyalty.config import PROGRAMME
from loyalty.db import write_transaction
from loyalty.events import EventKind, emit
from loyalty.jobs import job
from loyalty.points.entries import append, replay
from loyalty.points.locks import lock_member
from loyalty.points.terms import Kind, LedgerBroken, Origin, Posting, utc_now
from loyalty.schema import LotDraw, PointLot


async def expire_lot(lot_id: int, *, now: datetime | None = None) -> Posting | None:
    """Remove what is left of an expired lot with an ``expire`` entry; None if nothing to do."""
    now = now or utc_now()
    async with write_transaction():
        lot = (
            await PointLot.select(PointLot.member, PointLot.points_left, PointLot.expires_at)
            .where(PointLot.id == lot_id)
            .first()
        )
        if lot is None or lot["points_left"] <= 0 or lot["expires_at"] > now:
            return None
        member = await lock_member(lot["member"])
        left = lot["points_left"]
        reference = f"expire:lot:{lot_id}"
        found = await replay(reference, lot["member"], -left)
        if found:
            return found
        posting = await append(member, -left, Kind.EXPIRE, reference, Origin(description="points expired"), now)
        changed = (
            await PointLot.update({PointLot.points_left: 0})
            .where((PointLot.id == lot_id) & (PointLot.points_left == left))
            .returning(PointLot.id)
        )
        if not changed:
            raise LedgerBroken(f"lot {lot_id} changed under an expiry", member_id=lot["member"])
        await LotDraw(entry=posting.entry_id, member=lot["member"], lot=lot_id, points=left).save()
        return posting


async def expire_due(*, now: datetime | None = None, batch: int = 500, actor: StaffActor | None = None) -> int:
    """Expire every lot past its date (a worker job, or staff asking for it now: then the run is
    audit-logged). Returns the number of lots expired."""
    expired = await _expire_due(now or utc_now(), batch)
    if actor:
        async with write_transaction():
            await audit.record(actor, "points.expire_due", "point_lot", "*", lots=expired)
    return expired


async def _expire_due(now: datetime, batch: int) -> int:
    expired = 0
    while True:
        due = (
            await PointLot.select(PointLot.id)
            .where((PointLot.expires_at <= now) & (PointLot.points_left > 0))
            .order_by(PointLot.expires_at)
            .limit(batch)
        )
        if not due:
            return expired
        for row in due:
            async with write_transaction():
                posting = await expire_lot(row["id"], now=now)
                if posting and not posting.replayed:
                    expired += 1
                    await emit(
                        EventKind.POINTS_EXPIRED,
                        posting.member_id,
                        points=-posting.delta,
                        balance=posting.balance_after,
                    )
        if len(due) < batch:
            return expired


async def points_expiring(member_id: int, *, within_days: int | None = None, now: datetime | None = None) -> int:
    """Points of this member that expire in the next ``within_days`` days (default 30)."""
    now = now or utc_now()
    horizon = now + timedelta(days=within_days or PROGRAMME.expiring_soon_days)
    rows = await PointLot.select(PointLot.points_left).where(
        (PointLot.member == member_id)
        & (PointLot.points_left > 0)
        & (PointLot.expires_at > now)
        & (PointLot.expires_at <= horizon)
    )
    return sum(r["points_left"] for r in rows)


@job("points.expire", every=timedelta(minutes=10))
async def expire_points(now: datetime) -> int:
    return await expire_due(now=now)
