"""Points ledger.

Design overview. Every change to a member's points is one ``LedgerEntry`` (append-only) written
in one write transaction together with the member's cached ``points_balance`` and the lots:

* Points arrive in a ``PointLot`` with an expiry date; spending draws from the lots that expire
  soonest (FIFO), and each draw is a ``LotDraw`` row, so a refund or a cancelled redemption can
  take back or give back exactly those points and expiry removes exactly what is left of a lot.
* Invariants (re-checked by ``piccolo loyalty check_ledger``): balance = Σ deltas = Σ points left
  in the member's lots; 0 ≤ points_left ≤ points; balance ≥ 0 (a CHECK in the database).
* Each entry's ``entry_hash`` covers the previous entry's hash and its own content, and the
  member's ``ledger_head`` is the newest hash: any edit of history breaks the chain.
* ``reference`` is unique: the same reference again returns the first posting (idempotency).
* The member row is locked first (FOR UPDATE on PostgreSQL; SQLite's IMMEDIATE transaction
  already serialises writers), and the balance UPDATE is still guarded in SQL.
* The till earn uses :func:`credit_locked`: the same writes in fixed statements (one on
  PostgreSQL) for a member row its transaction already locked, relying on the unique
  reference instead of a replay lookup.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from dateutil.relativedelta import relativedelta

from loyalty import audit, db
from loyalty.audit import StaffActor
from loyalty.config import PROGRAMME
from loyalty.db import write_transaction
from loyalty.errors import Conflict, InvalidInput, NotFound
from loyalty.schema import LedgerEntry, LotDraw, Member, PointLot

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class Kind(StrEnum):
    EARN = "earn"
    REDEEM = "redeem"
    EXPIRE = "expire"
    ADJUST = "adjust"
    REVERSE = "reverse"
    GIFT = "gift"
    REFERRAL = "referral"
    COMPENSATION = "compensation"


class InsufficientPoints(Conflict):
    code = "insufficient_points"
    title = "Not enough points"


class ReferenceReused(Conflict):
    code = "reference_reused"
    title = "This reference was used for another change"


class LedgerBroken(RuntimeError):
    """The lots no longer cover the balance: a bug or tampering, never a user error.

    Carries the member when known, so the alert staff get names whose points to check.
    """

    def __init__(self, detail: str, *, member_id: int | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.member_id = member_id


@dataclass(frozen=True)
class Origin:
    """Who caused a change: a till (store + terminal), a staff user, or the system."""

    store_id: int | None = None
    terminal_id: int | None = None
    staff_id: int | None = None
    description: str = ""


SYSTEM = Origin()


@dataclass(frozen=True)
class Posting:
    entry_id: int
    member_id: int
    delta: int
    balance_after: int
    shortfall: int
    replayed: bool  # True when the reference existed: nothing new was written


def entry_hash(
    prev_hash: str,
    member_id: int,
    delta: int,
    kind: str,
    reference: str,
    balance_after: int,
    shortfall: int,
    created_at: datetime,
) -> str:
    return _digest(prev_hash, member_id, delta, kind, reference, balance_after, shortfall, _micros(created_at))


def gift_hashes(chains: Sequence[tuple[int, str, str, int]], delta: int, kind: str, created_at: datetime) -> list[str]:
    """``entry_hash`` of many entries written at one moment, each (member, prev_hash, reference,
    balance_after) with no shortfall; the moment is converted once."""
    micros = _micros(created_at)
    return [
        _digest(prev, member, delta, kind, reference, after, 0, micros) for member, prev, reference, after in chains
    ]


def _micros(created_at: datetime) -> int:
    return (created_at.astimezone(UTC) - EPOCH) // timedelta(microseconds=1)


def _digest(
    prev_hash: str,
    member_id: int,
    delta: int,
    kind: str,
    reference: str,
    balance_after: int,
    shortfall: int,
    micros: int,
) -> str:
    """The hashed text of an entry: one definition, which ``check_ledger`` recomputes."""
    content = f"{prev_hash}|{member_id}|{delta}|{kind}|{reference}|{balance_after}|{shortfall}|{micros}"
    return hashlib.sha256(content.encode()).hexdigest()


def default_expiry(now: datetime) -> datetime:
    expiry: datetime = now + relativedelta(months=PROGRAMME.points_expiry_months)
    return expiry


# --- business changes -------------------------------------------------------------------


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
    _require_positive(points)
    async with write_transaction():
        member = await lock_member(member_id)
        replay = await _replay(reference, member_id, points)
        if replay:
            return replay
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
    _require_positive(points)
    now = now or _now()
    async with write_transaction():
        member = await lock_member(member_id)
        replay = await _replay(reference, member_id, -points)
        if replay:
            return replay
        if member["points_balance"] < points:
            raise InsufficientPoints(
                f"{points} points needed, {member['points_balance']} available",
                balance=member["points_balance"],
                wanted=points,
            )
        posting = await _append(member, -points, kind, reference, origin, now)
        await _draw(member_id, points, posting.entry_id, first_lot=None)
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
    _require_positive(points)
    now = now or _now()
    async with write_transaction():
        member = await lock_member(member_id)
        replay = await _replay(reference, member_id, None)
        if replay:
            return replay
        taken = min(points, member["points_balance"])
        posting = await _append(member, -taken, Kind.REVERSE, reference, origin, now, shortfall=points - taken)
        if taken:
            own_lot = await PointLot.select(PointLot.id).where(PointLot.entry == from_entry_id).first()
            await _draw(member_id, taken, posting.entry_id, first_lot=own_lot["id"] if own_lot else None)
        return posting


async def give_back(
    debit_entry_id: int,
    *,
    reference: str,
    origin: Origin = SYSTEM,
    now: datetime | None = None,
) -> Posting:
    """Undo a debit exactly: the same points return to the same lots (a cancelled redemption)."""
    now = now or _now()
    async with write_transaction():
        spent = (
            await LedgerEntry.select(LedgerEntry.member, LedgerEntry.delta)
            .where(LedgerEntry.id == debit_entry_id)
            .first()
        )
        if spent is None or spent["delta"] >= 0:
            raise NotFound(f"no debit entry {debit_entry_id} to give back")
        member = await lock_member(spent["member"])
        replay = await _replay(reference, spent["member"], -spent["delta"])
        if replay:
            return replay
        draws = await LotDraw.select(LotDraw.lot, LotDraw.points).where(LotDraw.entry == debit_entry_id)
        amount = sum(d["points"] for d in draws)
        posting = await _append(member, amount, Kind.REVERSE, reference, origin, now)
        for draw in draws:
            await PointLot.update({PointLot.points_left: PointLot.points_left + draw["points"]}).where(
                PointLot.id == draw["lot"]
            )
            await LotDraw(entry=posting.entry_id, lot=draw["lot"], points=-draw["points"]).save()
        return posting


async def expire_lot(lot_id: int, *, now: datetime | None = None) -> Posting | None:
    """Remove what is left of an expired lot with an ``expire`` entry; None if nothing to do."""
    now = now or _now()
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
        replay = await _replay(reference, lot["member"], -left)
        if replay:
            return replay
        posting = await _append(member, -left, Kind.EXPIRE, reference, Origin(description="points expired"), now)
        changed = (
            await PointLot.update({PointLot.points_left: 0})
            .where((PointLot.id == lot_id) & (PointLot.points_left == left))
            .returning(PointLot.id)
        )
        if not changed:
            raise LedgerBroken(f"lot {lot_id} changed under an expiry", member_id=lot["member"])
        await LotDraw(entry=posting.entry_id, lot=lot_id, points=left).save()
        return posting


async def expire_due(*, now: datetime | None = None, batch: int = 500, actor: StaffActor | None = None) -> int:
    """Expire every lot past its date (a worker job, or staff asking for it now: then the run is
    audit-logged). Returns the number of lots expired."""
    expired = await _expire_due(now or _now(), batch)
    if actor:
        async with write_transaction():
            await audit.record(actor, "points.expire_due", "point_lot", "*", lots=expired)
    return expired


async def _expire_due(now: datetime, batch: int) -> int:
    from loyalty.events import EventKind, emit

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
    now = now or _now()
    horizon = now + timedelta(days=within_days or PROGRAMME.expiring_soon_days)
    rows = await PointLot.select(PointLot.points_left).where(
        (PointLot.member == member_id)
        & (PointLot.points_left > 0)
        & (PointLot.expires_at > now)
        & (PointLot.expires_at <= horizon)
    )
    return sum(r["points_left"] for r in rows)


# --- the till earn's fast credit ---------------------------------------------------------

# The columns of a member row locked for a change (see lock_member / cards.use_code).
LOCKED_MEMBER_COLUMNS = "id, public_id, name, tier, points_balance, ledger_head"
LOCK_MEMBER_SQL = f"SELECT {LOCKED_MEMBER_COLUMNS} FROM member WHERE id = $1"
# PostgreSQL: entry, lot and guarded balance in one statement (data-modifying CTEs). The balance
# is NULL when the guard refused (the row moved under a lock that should have prevented it).
CREDIT_SQL_PG = (
    "WITH e AS (INSERT INTO ledger_entry (member, delta, kind, reference, balance_after, shortfall, description, "
    "store, terminal, staff, created_at, prev_hash, entry_hash) "
    "VALUES ($1, $2, $3, $4, $5, 0, $6, $7, $8, $9, $10, $11, $12) RETURNING id), "
    "l AS (INSERT INTO point_lot (member, entry, points, points_left, expires_at, created_at) "
    "SELECT $1, e.id, $2, $2, $13::timestamptz, $10 FROM e), "
    "u AS (UPDATE member SET points_balance = points_balance + $2, ledger_head = $12, updated_at = $10 "
    "WHERE id = $1 AND points_balance = $14 RETURNING points_balance) "
    "SELECT e.id AS entry, (SELECT points_balance FROM u) AS balance FROM e"
)
# SQLite: the same three writes as three statements (no DML in CTEs), numbered alike.
CREDIT_SQL_SQLITE = (
    "INSERT INTO ledger_entry (member, delta, kind, reference, balance_after, shortfall, description, store, "
    "terminal, staff, created_at, prev_hash, entry_hash) "
    "VALUES ($1, $2, $3, $4, $5, 0, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
    "UPDATE member SET points_balance = points_balance + $2, ledger_head = $3, updated_at = $4 "
    "WHERE id = $1 AND points_balance = $5 RETURNING points_balance",
    "INSERT INTO point_lot (member, entry, points, points_left, expires_at, created_at) "
    "VALUES ($1, $2, $3, $3, $4, $5)",
)


async def lock_member(member_id: int) -> dict[str, Any]:
    """The member row (``LOCKED_MEMBER_COLUMNS``) locked to the end of the write transaction."""
    row = await db.fetchrow(LOCK_MEMBER_SQL + ("" if db.is_sqlite() else " FOR UPDATE"), member_id)
    if row is None:
        raise NotFound(f"member {member_id} not found")
    return dict(row)


async def credit_locked(
    member: dict[str, Any],
    points: int,
    *,
    kind: Kind,
    reference: str,
    origin: Origin = SYSTEM,
    expires_at: datetime | None = None,
    now: datetime | None = None,
) -> Posting:
    """:func:`credit` for a member row this transaction already holds locked (from
    :func:`lock_member`, or an ``UPDATE … RETURNING`` of the row, which locks it as well on
    PostgreSQL; SQLite's IMMEDIATE transaction holds every row).

    Same entry, lot, hash chain and guarded balance as :func:`credit`, in fixed statements.
    No replay lookup: a reference used before makes the INSERT fail with a unique violation,
    which aborts the transaction; callers that may repeat catch it and answer from what was
    stored (``earning.earn_at_till`` does). ``member`` is updated in place like ``_append``.
    """
    _require_positive(points)
    if not reference or len(reference) > 255:
        raise InvalidInput("a ledger reference is 1-255 characters", field="reference")
    now = now or _now()
    expires_at = expires_at or default_expiry(now)
    before = int(member["points_balance"])
    after = before + points
    prev = member["ledger_head"]
    digest = entry_hash(prev, member["id"], points, kind.value, reference, after, 0, now)
    entry_args = (
        member["id"],
        points,
        kind.value,
        reference,
        after,
        origin.description[:500],
        origin.store_id,
        origin.terminal_id,
        origin.staff_id,
        now,
        prev,
        digest,
    )
    if db.is_sqlite():
        insert_entry, update_balance, insert_lot = CREDIT_SQL_SQLITE
        entry = await db.fetchrow(insert_entry, *entry_args)
        assert entry is not None
        entry_id = int(entry["id"])
        updated = await db.fetchrow(update_balance, member["id"], points, digest, now, before)
        balance = updated["points_balance"] if updated else None
        await db.fetch(insert_lot, member["id"], entry_id, points, expires_at, now)
    else:
        row = await db.fetchrow(CREDIT_SQL_PG, *entry_args, expires_at, before)
        assert row is not None
        entry_id, balance = int(row["entry"]), row["balance"]
    if balance is None:
        raise LedgerBroken(f"member {member['id']}: balance moved under a locked credit", member_id=member["id"])
    member["points_balance"] = after
    member["ledger_head"] = digest
    return Posting(entry_id, member["id"], points, after, 0, replayed=False)


# --- internals --------------------------------------------------------------------------


def _now() -> datetime:
    return datetime.now(UTC)


def _require_positive(points: int) -> None:
    if not isinstance(points, int) or isinstance(points, bool) or points <= 0:
        raise InvalidInput(f"points must be a positive whole number, not {points!r}", field="points")


async def _replay(reference: str, member_id: int, delta: int | None) -> Posting | None:
    if not reference or len(reference) > 255:
        raise InvalidInput("a ledger reference is 1-255 characters", field="reference")
    found = (
        await LedgerEntry.select(
            LedgerEntry.id, LedgerEntry.member, LedgerEntry.delta, LedgerEntry.balance_after, LedgerEntry.shortfall
        )
        .where(LedgerEntry.reference == reference)
        .first()
    )
    if found is None:
        return None
    if found["member"] != member_id or (delta is not None and found["delta"] != delta):
        raise ReferenceReused(f"reference {reference!r} was already used for another change", reference=reference)
    return Posting(found["id"], member_id, found["delta"], found["balance_after"], found["shortfall"], replayed=True)


async def _append(
    member: dict[str, Any],
    delta: int,
    kind: Kind,
    reference: str,
    origin: Origin,
    now: datetime,
    *,
    shortfall: int = 0,
) -> Posting:
    before = member["points_balance"]
    balance_after = before + delta
    digest = entry_hash(
        member["ledger_head"], member["id"], delta, kind.value, reference, balance_after, shortfall, now
    )
    entry = LedgerEntry(
        member=member["id"],
        delta=delta,
        kind=kind.value,
        reference=reference,
        balance_after=balance_after,
        shortfall=shortfall,
        description=origin.description[:500],
        store=origin.store_id,
        terminal=origin.terminal_id,
        staff=origin.staff_id,
        created_at=now,
        prev_hash=member["ledger_head"],
        entry_hash=digest,
    )
    await entry.save()
    updated = (
        await Member.update(
            {Member.points_balance: Member.points_balance + delta, Member.ledger_head: digest, Member.updated_at: now}
        )
        .where((Member.id == member["id"]) & (Member.points_balance == before) & (Member.points_balance >= -delta))
        .returning(Member.points_balance)
    )
    if not updated:
        raise InsufficientPoints(f"{-delta} points needed, {before} available", balance=before, wanted=-delta)
    member["points_balance"] = balance_after
    member["ledger_head"] = digest
    return Posting(entry.id, member["id"], delta, balance_after, shortfall, replayed=False)


async def _draw(member_id: int, points: int, entry_id: int, *, first_lot: int | None) -> None:
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
        await LotDraw(entry=entry_id, lot=lot["id"], points=take).save()
        remaining -= take
    if remaining:
        raise LedgerBroken(f"member {member_id}: lots are {remaining} points short of the balance", member_id=member_id)


async def adjust(
    member_id: int,
    delta: int,
    *,
    reason: str,
    actor: StaffActor,
    reference: str | None = None,
) -> Posting:
    """A staff correction (±points) with a mandatory reason, audit-logged with the change."""
    from loyalty.events import EventKind, emit

    reason = reason.strip()
    if len(reason) < 3:
        raise InvalidInput("a reason of at least 3 characters is required", field="reason")
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
