"""Members, the stores and tills they buy at, their purchase statistics and tier history.

A member's ``points_balance`` and ``ledger_head`` are owned by ``loyalty.points`` alone;
``MemberStats`` is derived data (one row per member, rebuilt set-wise by
the statistics jobs of ``loyalty.members``). A till's key is stored only as a SHA-256.

Written by: ``loyalty.members`` (members, stores, tills, statistics), ``loyalty.points``
(balance and ledger head) and ``loyalty.tiers`` (tier and ``TierChange``).
"""

from __future__ import annotations

from piccolo.columns import (
    BigInt,
    Boolean,
    Date,
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
from loyalty.schema.choices import MessageChannel
from loyalty.schema.tiers import Tier


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


class Member(Keyed, Table):
    public_id = Varchar(length=20, unique=True)
    firebase_uid = Varchar(length=128, unique=True, null=True, default=None)
    phone = Varchar(length=20, unique=True, null=True, default=None)
    name = Varchar(length=200, default="")
    email = Varchar(length=254, null=True, default=None)
    birthday = Date(null=True, default=None)
    gender = Varchar(length=16, null=True, default=None)
    locale = Varchar(length=2, default="vi")
    # push | zalo | sms | email: the channel a message tries first (notifications.routing).
    preferred_channel = Varchar(length=8, default="push", choices=MessageChannel)
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
    created_at = Timestamptz(default=TimestamptzNow(), index=True)
    updated_at = Timestamptz(default=TimestamptzNow())
    erased_at = Timestamptz(null=True, default=None)

    @classmethod
    def get_readable(cls) -> Readable:
        # Staff find a member by phone in the admin's foreign-key filters (vouchers, ledger…).
        return Readable(template="%s", columns=[cls.phone])


class PhoneCode(BigKeyed, Table):
    """A one-time code sent to a member's phone to prove, at a till, that the customer holds it.

    Only a keyed hash of the code is kept; the code itself exists in the message alone."""

    member = ForeignKey(Member, on_delete=RESTRICT, index=True)
    terminal = ForeignKey(Terminal, on_delete=RESTRICT, index=True)
    code_hash = Varchar(length=96, secret=True)  # "<salt>:<sha256 of salt and code>"
    channel = Varchar(length=8, default="")
    attempts = Integer(default=0)
    cost_vnd = Integer(default=0)  # what sending it cost, on ``channel``
    created_at = Timestamptz(default=TimestamptzNow())
    expires_at = Timestamptz()
    used_at = Timestamptz(null=True, default=None)


class MemberStats(Keyed, Table):
    """A member's purchase statistics as of ``refreshed_at`` (counts and đồng net of refunds)."""

    member = ForeignKey(Member, on_delete=RESTRICT, index=True, unique=True)
    first_purchase_at = Timestamptz(null=True, default=None)
    last_purchase_at = Timestamptz(null=True, default=None, index=True)
    # Indexed: the built-in segments "regular", "occasional", "at risk" and "online" filter on them.
    visits_90d = Integer(default=0, index=True)
    spend_90d = BigInt(default=0)
    visits_12m = Integer(default=0, index=True)
    spend_12m = BigInt(default=0)
    visits_total = Integer(default=0)
    spend_total = BigInt(default=0)
    avg_basket = BigInt(default=0)
    # none | till | claim | both
    channel = Varchar(length=8, default="none", index=True)
    days_since_last_visit = Integer(null=True, default=None)
    # 1-5, NULL for a member who never bought (cut points in loyalty.members.statistics).
    recency_score = Integer(null=True, default=None)
    frequency_score = Integer(null=True, default=None)
    monetary_score = Integer(null=True, default=None)
    refreshed_at = Timestamptz(default=TimestamptzNow())


class TierChange(BigKeyed, Table):
    member = ForeignKey(Member, on_delete=RESTRICT, index=True)
    from_tier = ForeignKey(Tier, null=True, on_delete=RESTRICT, index=True)
    to_tier = ForeignKey(Tier, null=True, on_delete=RESTRICT, index=True)
    reason = Varchar(length=500)
    created_at = Timestamptz(default=TimestamptzNow(), index=True)
