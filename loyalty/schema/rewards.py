"""The reward catalogue and the vouchers members hold; a voucher's status moves only forward,
each move one guarded UPDATE in ``loyalty.rewards``.

Written by: ``loyalty.rewards`` (the catalogue: staff in the admin).
"""

from __future__ import annotations

from enum import StrEnum

from piccolo.columns import (
    BigInt,
    Boolean,
    ForeignKey,
    Integer,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.readable import Readable
from piccolo.table import Table

from loyalty.schema.base import RESTRICT, BigKeyed, Keyed
from loyalty.schema.choices import VoucherSource
from loyalty.schema.members import Member, Store, Terminal
from loyalty.schema.points import LedgerEntry
from loyalty.schema.tiers import Tier


class Reward(Keyed, Table):
    name_vi = Varchar(length=200)
    name_en = Varchar(length=200)
    description_vi = Text(default="")
    description_en = Text(default="")
    points_cost = BigInt()
    # None: unlimited. Decremented by a guarded UPDATE, never below zero.
    stock_left = Integer(null=True, default=None)
    per_member_limit = Integer(null=True, default=None)
    valid_from = Timestamptz(default=TimestamptzNow())
    valid_until = Timestamptz(null=True, default=None)
    min_tier = ForeignKey(Tier, null=True, on_delete=RESTRICT, index=True)
    store = ForeignKey(Store, null=True, on_delete=RESTRICT, index=True)
    image = Varchar(length=255, default="")
    voucher_valid_days = Integer(default=30)
    active = Boolean(default=True)
    created_at = Timestamptz(default=TimestamptzNow())

    @classmethod
    def get_readable(cls) -> Readable:
        return Readable(template="%s", columns=[cls.name_vi])


class TierBirthdayGift(Keyed, Table):
    """The reward a tier's members get as a voucher on their birthday (optional, one per tier)."""

    tier = ForeignKey(Tier, on_delete=RESTRICT, index=True, unique=True)
    reward = ForeignKey(Reward, on_delete=RESTRICT, index=True)


class VoucherStatus(StrEnum):
    ISSUED = "issued"
    REDEEMED = "redeemed"
    EXPIRED = "expired"
    CANCELLED = "cancelled"


class Voucher(BigKeyed, Table):
    """Statuses: issued → redeemed | expired | cancelled; each move is one guarded UPDATE."""

    code = Varchar(length=24, unique=True)
    member = ForeignKey(Member, on_delete=RESTRICT, index=True)
    reward = ForeignKey(Reward, on_delete=RESTRICT, index=True)
    # Idempotency of the change that issued it (redemption key, campaign occurrence, case…).
    reference = Varchar(length=255, unique=True)
    status = Varchar(length=16, default="issued", index=True, choices=VoucherStatus)
    # How it came: redemption, campaign, compensation, birthday.
    source = Varchar(length=16, default="redemption", choices=VoucherSource)
    points_paid = BigInt(default=0)
    spend_entry = ForeignKey(LedgerEntry, null=True, on_delete=RESTRICT, index=True)
    issued_at = Timestamptz(default=TimestamptzNow(), index=True)
    valid_until = Timestamptz()
    redeemed_at = Timestamptz(null=True, default=None)
    redeemed_store = ForeignKey(Store, null=True, on_delete=RESTRICT, index=True)
    redeemed_terminal = ForeignKey(Terminal, null=True, on_delete=RESTRICT, index=True)
    receipt_no = Varchar(length=64, null=True, default=None)
    cancelled_reason = Text(default="")
    # When the member was told this voucher expires soon (once per voucher).
    reminded_at = Timestamptz(null=True, default=None)
