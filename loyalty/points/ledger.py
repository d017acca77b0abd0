"""The ledger's postings: every business change of a member's points, one function each.

Each opens (or joins) one write transaction, locks the member first (:func:`lock_member`),
answers a reference used before with its first posting (idempotency), then appends the entry
with the guarded balance and moves the lots: a credit makes one lot, a debit draws from the lots
that expire soonest, a reversal takes back from the credit's own lot first, and a cancelled
debit puts back exactly what it drew. Staff corrections (:func:`adjust`) write their audit row
inside the same transaction.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from loyalty import audit
from loyalty.audit import StaffActor
from loyalty.db import write_transaction
from loyalty.errors import InvalidInput, NotFound
from loyalty.events import EventKind, emit
from loyalty.points.entries import append, replay
from loyalty.points.fast_credit import credit_locked
from loyalty.points.locks import lock_member
from loyalty.points.lots import draw, drawn_by, own_lot, put_back
from loyalty.points.terms import SYSTEM, InsufficientPoints, Kind, Origin, Posting, require_positive, utc_now
from loyalty.schema import LedgerEntry


async def credit(
    member_id: int,
    points: int,
    *,
    kind: Kind,
    reference: str,
    origin: Origin = SYSTEM,
    expires_at: datetime | None = None,
    now: datetime | None = None,
) -> Posting:
    """Add ``points`` in a new lot (earn, gift, referral, compensation, positive adjust)."""
    require_positive(points)
    async with write_transaction():
        member = await lock_member(member_id)
        found = await replay(reference, member_id, points)
        if found:
            return found
        return await credit_locked(
            member, points, kind=kind, reference=reference, origin=origin, expires_at=expires_at, now=now
        )


async def debit(
    member_id: int,
    points: int,
    *,
    kind: Kind,
    reference: str,
    origin: Origin = SYSTEM,
    now: datetime | None = None,
) -> Posting:
    """Spend ``points`` from the soonest-expiring lots, or raise :class:`InsufficientPoints`."""
    require_positive(points)
    now = now or utc_now()
    async with write_transaction():
        member = await lock_member(member_id)
        found = await replay(reference, member_id, -points)
        if found:
            return found
        if member.points_balance < points:
            raise InsufficientPoints(
                f"{points} points needed, {member.points_balance} available",
                balance=member.points_balance,
                wanted=points,
            )
        posting = await append(member, -points, kind, reference, origin, now)
        await draw(member_id, points, posting.entry_id, first_lot=None)
        return posting


async def take_back(
    member_id: int,
    points: int,
    *,
    from_entry_id: int,
    reference: str,
    origin: Origin = SYSTEM,
    now: datetime | None = None,
) -> Posting:
    """Reverse (part of) a credit: from its own lot first, then others, never below zero.

    What cannot be taken back is recorded as the entry's ``shortfall``.
    """
    require_positive(points)
    now = now or utc_now()
    async with write_transaction():
        member = await lock_member(member_id)
        found = await replay(reference, member_id, None)
        if found:
            return found
        taken = min(points, member.points_balance)
        posting = await append(member, -taken, Kind.REVERSE, reference, origin, now, shortfall=points - taken)
        if taken:
            await draw(member_id, taken, posting.entry_id, first_lot=await own_lot(from_entry_id))
        return posting


async def give_back(
    debit_entry_id: int,
    *,
    reference: str,
    origin: Origin = SYSTEM,
    now: datetime | None = None,
) -> Posting:
    """Undo a debit exactly: the same points return to the same lots (a cancelled redemption)."""
    now = now or utc_now()
    async with write_transaction():
        spent = (
            await LedgerEntry.select(LedgerEntry.member, LedgerEntry.delta)
            .where(LedgerEntry.id == debit_entry_id)
            .first()
        )
        if spent is None or spent["delta"] >= 0:
            raise NotFound(f"no debit entry {debit_entry_id} to give back")
        member = await lock_member(spent["member"])
        found = await replay(reference, spent["member"], -spent["delta"])
        if found:
            return found
        draws = await drawn_by(debit_entry_id)
        posting = await append(member, sum(points for _, points in draws), Kind.REVERSE, reference, origin, now)
        await put_back(draws, posting.entry_id, spent["member"])
        return posting


async def adjust(
    member_id: int,
    delta: int,
    *,
    reason: str,
    actor: StaffActor,
    reference: str | None = None,
) -> Posting:
    """A staff correction (±points) with a mandatory reason, audit-logged with the change."""
    reason = reason.strip()
    if len(reason) < 3:
        raise InvalidInput("a reason of at least 3 characters is required", field="reason")
    # One line of text: a NUL cannot be stored by PostgreSQL, and no control character belongs in it.
    if len(reason) > 500 or any(ord(ch) < 32 or ord(ch) == 127 for ch in reason):
        raise InvalidInput("the reason is one line of at most 500 characters", field="reason")
    if not isinstance(delta, int) or delta == 0:
        raise InvalidInput("the adjustment must be a non-zero whole number of points", field="delta")
    reference = reference or f"adjust:{uuid.uuid4()}"
    origin = Origin(staff_id=actor.user_id, description=reason)
    async with write_transaction():
        if delta > 0:
            posting = await credit(member_id, delta, kind=Kind.ADJUST, reference=reference, origin=origin)
        else:
            posting = await debit(member_id, -delta, kind=Kind.ADJUST, reference=reference, origin=origin)
        if not posting.replayed:
            await audit.record(
                actor, "points.adjust", "member", member_id, delta=delta, reason=reason, entry=posting.entry_id
            )
            await emit(EventKind.POINTS_ADJUSTED, member_id, delta=delta, balance=posting.balance_after, reason=reason)
        return posting
