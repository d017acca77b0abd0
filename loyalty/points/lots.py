"""Lots and draws: a spend takes points from the lots that expire soonest, and a cancelled spend
puts exactly those points back.

Each move of points out of (or back into) a lot is a ``LotDraw`` row of the entry that moved
them, and the lot's ``points_left`` is changed by a guarded UPDATE, so 0 ≤ points_left ≤ points
holds and ``check_ledger`` can follow every point from the entry that earned it.
"""

from __future__ import annotations

from loyalty.points.terms import LedgerBroken
from loyalty.schema import LotDraw, PointLot


async def draw(member_id: int, points: int, entry_id: int, *, first_lot: int | None) -> None:
    """Take ``points`` from the member's open lots, soonest expiry first (``first_lot`` before
    all others, when given: a refund takes back from the purchase's own lot first)."""
    lots = (
        await PointLot.select(PointLot.id, PointLot.points_left)
        .where((PointLot.member == member_id) & (PointLot.points_left > 0))
        .order_by(PointLot.expires_at)
        .order_by(PointLot.id)
    )
    if first_lot is not None:
        lots.sort(key=lambda lot: lot["id"] != first_lot)
    remaining = points
    for lot in lots:
        if remaining == 0:
            break
        take = min(remaining, lot["points_left"])
        changed = (
            await PointLot.update({PointLot.points_left: PointLot.points_left - take})
            .where((PointLot.id == lot["id"]) & (PointLot.points_left >= take))
            .returning(PointLot.id)
        )
        if not changed:
            raise LedgerBroken(f"lot {lot['id']} changed under a draw", member_id=member_id)
        await LotDraw(entry=entry_id, member=member_id, lot=lot["id"], points=take).save()
        remaining -= take
    if remaining:
        raise LedgerBroken(f"member {member_id}: lots are {remaining} points short of the balance", member_id=member_id)


async def drawn_by(entry_id: int) -> list[tuple[int, int]]:
    """(lot, points) of every draw an entry made."""
    draws = await LotDraw.select(LotDraw.lot, LotDraw.points).where(LotDraw.entry == entry_id)
    return [(int(d["lot"]), int(d["points"])) for d in draws]


async def put_back(draws: list[tuple[int, int]], entry_id: int, member_id: int) -> None:
    """Return each (lot, points) drawn to its lot, recorded as negative draws of ``entry_id``."""
    for lot, points in draws:
        await PointLot.update({PointLot.points_left: PointLot.points_left + points}).where(PointLot.id == lot)
        await LotDraw(entry=entry_id, member=member_id, lot=lot, points=-points).save()


async def own_lot(entry_id: int) -> int | None:
    """The lot an entry credited, if it credited one."""
    found = await PointLot.select(PointLot.id).where(PointLot.entry == entry_id).first()
    return int(found["id"]) if found else None
