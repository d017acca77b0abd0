"""Writing one entry: the replay of a reference used before, and the entry appended with its hash
and the member's guarded balance.

Call both inside the write transaction that holds the member's lock (:mod:`loyalty.points.locks`).
The balance UPDATE is guarded in SQL all the same (``points_balance = before AND points_balance >=
-delta``): the guard, not the lock alone, is what keeps a balance from going below zero.
"""

from __future__ import annotations

from datetime import datetime

from loyalty.points.chain import entry_hash
from loyalty.points.locks import LockedMember
from loyalty.points.terms import InsufficientPoints, Kind, Origin, Posting, ReferenceReused, require_reference
from loyalty.schema import LedgerEntry, Member


async def replay(reference: str, member_id: int, delta: int | None) -> Posting | None:
    """The posting already written under ``reference``, or None. The same reference for another
    member or another delta (``delta`` None: any) is :class:`ReferenceReused`."""
    require_reference(reference)
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


async def append(
    member: LockedMember,
    delta: int,
    kind: Kind,
    reference: str,
    origin: Origin,
    now: datetime,
    *,
    shortfall: int = 0,
) -> Posting:
    """The entry, chained on the member's head, and the balance and head moved (guarded)."""
    before = member.points_balance
    balance_after = before + delta
    digest = entry_hash(member.ledger_head, member.id, delta, kind.value, reference, balance_after, shortfall, now)
    entry = LedgerEntry(
        member=member.id,
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
        prev_hash=member.ledger_head,
        entry_hash=digest,
    )
    await entry.save()
    updated = (
        await Member.update(
            {Member.points_balance: Member.points_balance + delta, Member.ledger_head: digest, Member.updated_at: now}
        )
        .where((Member.id == member.id) & (Member.points_balance == before) & (Member.points_balance >= -delta))
        .returning(Member.points_balance)
    )
    if not updated:
        raise InsufficientPoints(f"{-delta} points needed, {before} available", balance=before, wanted=-delta)
    return Posting(entry.id, member.id, delta, balance_after, shortfall, replayed=False)
