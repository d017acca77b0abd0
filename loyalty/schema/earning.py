"""What earns points: purchases (one per store and receipt), receipt claim codes, bonus rules.

Written by: ``loyalty.earning`` (rules: staff in the admin); ``Purchase`` is also read by tiers
and statistics.
"""

from __future__ import annotations

from piccolo.columns import (
    JSON,
    BigInt,
    Boolean,
    ForeignKey,
    Integer,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from loyalty.schema.base import RESTRICT, BigKeyed, Keyed
from loyalty.schema.choices import PurchaseChannel, RuleKind
from loyalty.schema.members import Member, Store, Terminal
from loyalty.schema.points import LedgerEntry


class Purchase(BigKeyed, Table):
    """A receipt that earned points, by the till or by a claim; one per (store, receipt)."""

    store = ForeignKey(Store, on_delete=RESTRICT, index=True)
    receipt_no = Varchar(length=64)
    member = ForeignKey(Member, on_delete=RESTRICT, index=True)
    terminal = ForeignKey(Terminal, null=True, on_delete=RESTRICT, index=True)
    channel = Varchar(length=16, default="till", choices=PurchaseChannel)
    amount = BigInt()
    refunded_amount = BigInt(default=0)
    points_earned = BigInt(default=0)
    points_reversed = BigInt(default=0)
    earn_entry = ForeignKey(LedgerEntry, null=True, on_delete=RESTRICT, index=True)
    request_hash = Varchar(length=64, default="")
    answer = JSON(default="{}")
    created_at = Timestamptz(default=TimestamptzNow(), index=True)


class ReceiptClaim(BigKeyed, Table):
    """A one-time code printed on a receipt, for a customer who earns later in the app."""

    code = Varchar(length=32, unique=True)
    store = ForeignKey(Store, on_delete=RESTRICT, index=True)
    terminal = ForeignKey(Terminal, null=True, on_delete=RESTRICT, index=True)
    receipt_no = Varchar(length=64)
    amount = BigInt()
    items = JSON(default="[]")
    request_hash = Varchar(length=64, default="")
    expires_at = Timestamptz()
    claimed_by = ForeignKey(Member, null=True, on_delete=RESTRICT, index=True)
    claimed_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())


class EarningRule(Keyed, Table):
    """A bonus rule staff configure; kinds: category, store, period, first_purchase."""

    name = Varchar(length=200)
    kind = Varchar(length=24, choices=RuleKind)
    multiplier_pct = Integer(default=100)
    bonus_points = BigInt(default=0)
    category = Varchar(length=100, null=True, default=None)
    store = ForeignKey(Store, null=True, on_delete=RESTRICT, index=True)
    valid_from = Timestamptz(default=TimestamptzNow())
    valid_until = Timestamptz(null=True, default=None)
    active = Boolean(default=True)
    created_at = Timestamptz(default=TimestamptzNow())
