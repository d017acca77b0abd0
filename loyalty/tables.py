"""The loyalty programme's tables.

Rows that the ledger points at are never deleted: every foreign key to them is RESTRICT and
indexed. A member's ``points_balance`` is owned by ``loyalty.ledger`` alone; ``LedgerEntry``
rows are append-only. CHECK rules, multi-column UNIQUE rules and partial indexes are literal
SQL in the baseline's rules migration (``loyalty/piccolo_migrations/…_000001.py``): on SQLite,
which cannot add a constraint with ALTER TABLE, CHECK rules are triggers; on PostgreSQL real
constraints. ``tests/loyalty/test_guards.py`` lists them all and checks the database has them.
"""

from __future__ import annotations

from enum import StrEnum

from piccolo.apps.user.tables import BaseUser
from piccolo.columns import (
    JSON,
    BigInt,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    OnDelete,
    Serial,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.readable import Readable
from piccolo.table import Table

RESTRICT = OnDelete.restrict


class Keyed:
    """Mixin: the serial ``id`` Piccolo adds anyway, declared so type checkers see it."""

    id = Serial(primary_key=True)


class Store(Keyed, Table):
    code = Varchar(length=16, unique=True)
    name = Varchar(length=200)
    city = Varchar(length=100, default="")
    address = Text(default="")
    timezone = Varchar(length=64, default="Asia/Ho_Chi_Minh")
    active = Boolean(default=True)
    created_at = Timestamptz(default=TimestamptzNow())


class Terminal(Keyed, Table):
    """A till. Its key is shown once; only a SHA-256 of it is stored."""

    store = ForeignKey(Store, on_delete=RESTRICT, index=True)
    name = Varchar(length=100)
    key_hash = Varchar(length=64, unique=True, secret=True)
    key_prefix = Varchar(length=12)
    created_at = Timestamptz(default=TimestamptzNow())
    revoked_at = Timestamptz(null=True, default=None)


class Tier(Keyed, Table):
    code = Varchar(length=32, unique=True)
    name_vi = Varchar(length=100)
    name_en = Varchar(length=100)
    rank = Integer(unique=True)
    # "points": points earned over the rolling 12 months; "spend": đồng spent.
    metric = Varchar(length=16, default="points")
    threshold = BigInt(default=0)
    # Percent, so 150 means ×1.5: no floats near points.
    earn_multiplier_pct = Integer(default=100)
    benefits_vi = Text(default="")
    benefits_en = Text(default="")

    @classmethod
    def get_readable(cls) -> Readable:
        return Readable(template="%s", columns=[cls.code])


class Member(Keyed, Table):
    public_id = Varchar(length=20, unique=True)
    firebase_uid = Varchar(length=128, unique=True, null=True, default=None)
    phone = Varchar(length=20, unique=True, null=True, default=None)
    name = Varchar(length=200, default="")
    email = Varchar(length=254, null=True, default=None)
    birthday = Date(null=True, default=None)
    gender = Varchar(length=16, null=True, default=None)
    locale = Varchar(length=2, default="vi")
    address = Text(default="")
    city = Varchar(length=100, default="")
    timezone = Varchar(length=64, default="Asia/Ho_Chi_Minh")
    points_balance = BigInt(default=0)
    tier = ForeignKey(Tier, null=True, on_delete=RESTRICT, index=True)
    tier_since = Timestamptz(null=True, default=None)
    # TOTP secret (base32) for the rotating member card, and the last step accepted.
    card_secret = Varchar(length=64, secret=True)
    last_card_step = BigInt(default=0)
    # Hash of the member's newest ledger entry: the head of its tamper-evident chain.
    ledger_head = Varchar(length=64, default="")
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())
    erased_at = Timestamptz(null=True, default=None)

    @classmethod
    def get_readable(cls) -> Readable:
        # Staff find a member by phone in the admin's foreign-key filters (vouchers, ledger…).
        return Readable(template="%s", columns=[cls.phone])


class LedgerEntry(Keyed, Table):
    """Append-only. ``reference`` is the idempotency key of the change that wrote it."""

    member = ForeignKey(Member, on_delete=RESTRICT, index=True)
    delta = BigInt()
    kind = Varchar(length=16)
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


class PointLot(Keyed, Table):
    """Points earned together, expiring together; spends draw from the soonest first."""

    member = ForeignKey(Member, on_delete=RESTRICT, index=True)
    entry = ForeignKey(LedgerEntry, on_delete=RESTRICT, index=True)
    points = BigInt()
    points_left = BigInt()
    expires_at = Timestamptz(index=True)
    created_at = Timestamptz(default=TimestamptzNow())
    # When the member was told these points expire soon (once per lot).
    reminded_at = Timestamptz(null=True, default=None)


class LotDraw(Keyed, Table):
    """How many points a ledger entry took from (or gave back to) a lot."""

    entry = ForeignKey(LedgerEntry, on_delete=RESTRICT, index=True)
    lot = ForeignKey(PointLot, on_delete=RESTRICT, index=True)
    points = BigInt()


class Purchase(Keyed, Table):
    """A receipt that earned points, by the till or by a claim; one per (store, receipt)."""

    store = ForeignKey(Store, on_delete=RESTRICT, index=True)
    receipt_no = Varchar(length=64)
    member = ForeignKey(Member, on_delete=RESTRICT, index=True)
    terminal = ForeignKey(Terminal, null=True, on_delete=RESTRICT, index=True)
    channel = Varchar(length=16, default="till")
    amount = BigInt()
    refunded_amount = BigInt(default=0)
    points_earned = BigInt(default=0)
    points_reversed = BigInt(default=0)
    earn_entry = ForeignKey(LedgerEntry, null=True, on_delete=RESTRICT, index=True)
    request_hash = Varchar(length=64, default="")
    answer = JSON(default="{}")
    created_at = Timestamptz(default=TimestamptzNow(), index=True)


class ReceiptClaim(Keyed, Table):
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
    kind = Varchar(length=24)
    multiplier_pct = Integer(default=100)
    bonus_points = BigInt(default=0)
    category = Varchar(length=100, null=True, default=None)
    store = ForeignKey(Store, null=True, on_delete=RESTRICT, index=True)
    valid_from = Timestamptz(default=TimestamptzNow())
    valid_until = Timestamptz(null=True, default=None)
    active = Boolean(default=True)
    created_at = Timestamptz(default=TimestamptzNow())


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


class Voucher(Keyed, Table):
    """Statuses: issued → redeemed | expired | cancelled; each move is one guarded UPDATE."""

    code = Varchar(length=24, unique=True)
    member = ForeignKey(Member, on_delete=RESTRICT, index=True)
    reward = ForeignKey(Reward, on_delete=RESTRICT, index=True)
    # Idempotency of the change that issued it (redemption key, campaign occurrence, case…).
    reference = Varchar(length=255, unique=True)
    status = Varchar(length=16, default="issued", index=True)
    # How it came: redemption, campaign, compensation, birthday.
    source = Varchar(length=16, default="redemption")
    points_paid = BigInt(default=0)
    spend_entry = ForeignKey(LedgerEntry, null=True, on_delete=RESTRICT, index=True)
    issued_at = Timestamptz(default=TimestamptzNow())
    valid_until = Timestamptz()
    redeemed_at = Timestamptz(null=True, default=None)
    redeemed_store = ForeignKey(Store, null=True, on_delete=RESTRICT, index=True)
    redeemed_terminal = ForeignKey(Terminal, null=True, on_delete=RESTRICT, index=True)
    receipt_no = Varchar(length=64, null=True, default=None)
    cancelled_reason = Text(default="")
    # When the member was told this voucher expires soon (once per voucher).
    reminded_at = Timestamptz(null=True, default=None)


class TierChange(Keyed, Table):
    member = ForeignKey(Member, on_delete=RESTRICT, index=True)
    from_tier = ForeignKey(Tier, null=True, on_delete=RESTRICT, index=True)
    to_tier = ForeignKey(Tier, null=True, on_delete=RESTRICT, index=True)
    reason = Varchar(length=500)
    created_at = Timestamptz(default=TimestamptzNow(), index=True)


class IdempotencyRecord(Keyed, Table):
    """The first answer to a keyed write, replayed for the same key and the same body."""

    scope = Varchar(length=64)
    key = Varchar(length=255)
    request_hash = Varchar(length=64)
    status_code = Integer()
    answer = JSON(default="{}")
    created_at = Timestamptz(default=TimestamptzNow())


class DomainEvent(Keyed, Table):
    """Something a member may hear about, written in the transaction of the change."""

    kind = Varchar(length=40, index=True)
    member = ForeignKey(Member, null=True, on_delete=RESTRICT, index=True)
    payload = JSON(default="{}")
    created_at = Timestamptz(default=TimestamptzNow(), index=True)
    # Set once the notifications side has turned the event into messages.
    processed_at = Timestamptz(null=True, default=None, index=True)


class AuditLog(Keyed, Table):
    staff = ForeignKey(BaseUser, null=True, on_delete=RESTRICT, index=True)
    staff_username = Varchar(length=100, default="")
    action = Varchar(length=64, index=True)
    target = Varchar(length=64, default="")
    target_id = Varchar(length=64, default="")
    detail = JSON(default="{}")
    created_at = Timestamptz(default=TimestamptzNow(), index=True)
