"""The points ledger: append-only entries chained by hash, the lots they earn and the draws
spends take from them (``loyalty.points`` owns every row).

Written by: ``loyalty.points`` alone; ``LedgerDay`` and ``MemberDay`` (summaries derived from the
entries and the members) by ``loyalty.reports``' refresh job alone.
"""

from __future__ import annotations

from piccolo.apps.user.tables import BaseUser
from piccolo.columns import (
    BigInt,
    ForeignKey,
    Integer,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from loyalty.schema.base import RESTRICT, BigKeyed, Keyed
from loyalty.schema.choices import LedgerKind
from loyalty.schema.members import Member, Store, Terminal


class LedgerEntry(BigKeyed, Table):
    """Append-only. ``reference`` is the idempotency key of the change that wrote it."""

    member = ForeignKey(Member, on_delete=RESTRICT, index=True)
    delta = BigInt()
    kind = Varchar(length=16, choices=LedgerKind)
    reference = Varchar(length=255, unique=True)
    balance_after = BigInt()
    shortfall = BigInt(default=0)
    description = Varchar(length=500, default="")
    # Mostly NULL (gifts, adjustments…): partial indexes on the set values only, installed by
    # the baseline's rules migration, so a million gifts add no entries to them.
    store = ForeignKey(Store, null=True, on_delete=RESTRICT)
    terminal = ForeignKey(Terminal, null=True, on_delete=RESTRICT)
    staff = ForeignKey(BaseUser, null=True, on_delete=RESTRICT)
    created_at = Timestamptz(default=TimestamptzNow(), index=True)
    prev_hash = Varchar(length=64, default="")
    entry_hash = Varchar(length=64, default="")


class PointLot(BigKeyed, Table):
    """Points earned together, expiring together; spends draw from the soonest first."""

    member = ForeignKey(Member, on_delete=RESTRICT, index=True)
    entry = ForeignKey(LedgerEntry, on_delete=RESTRICT, index=True)
    points = BigInt()
    points_left = BigInt()
    expires_at = Timestamptz(index=True)
    created_at = Timestamptz(default=TimestamptzNow())
    # When the member was told these points expire soon (once per lot).
    reminded_at = Timestamptz(null=True, default=None)


class LotDraw(BigKeyed, Table):
    """How many points a ledger entry took from (or gave back to) a lot.

    ``member`` is the entry's and the lot's member: every row of the ledger carries it, so the
    ledger could be spread over database servers by member and each check stay on one."""

    entry = ForeignKey(LedgerEntry, on_delete=RESTRICT, index=True)
    member = ForeignKey(Member, on_delete=RESTRICT, index=True)
    lot = ForeignKey(PointLot, on_delete=RESTRICT, index=True)
    points = BigInt()


class LedgerDay(Keyed, Table):
    """The points each kind of entry moved on one closed local day (``YYYY-MM-DD`` in the
    programme's zone) at one store (0: none), so the dashboard reads days, not entries."""

    day = Varchar(length=10, index=True)
    store = BigInt(default=0)
    kind = Varchar(length=16)
    points = BigInt(default=0)
    entries = Integer(default=0)


class MemberDay(Keyed, Table):
    """How many members joined on one closed local day (erased ones too: readers take those off)."""

    day = Varchar(length=10, index=True)
    joined = Integer(default=0)
