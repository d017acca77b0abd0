"""Segments, VIP groups and gift campaigns.

``CampaignGift`` is the fan-out's work list and its record: UNIQUE (campaign, occurrence,
member) makes "one gift per member per occurrence" a database rule, and its status moves
pending → given | over_budget | failed in guarded UPDATEs. ``Campaign.gifts_issued`` and
``points_given`` are the budget counters, raised only by a conditional UPDATE that checks the caps.

Written by: ``loyalty.campaigns``.
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
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from loyalty.schema.base import RESTRICT, SET_NULL, BigKeyed, Keyed
from loyalty.schema.choices import AudienceKind, GiftKind, ScheduleKind
from loyalty.schema.members import Member
from loyalty.schema.points import LedgerEntry
from loyalty.schema.rewards import Reward, Voucher
from loyalty.schema.tiers import Tier


class Segment(Keyed, Table):
    """A saved, named filter (validated JSON, see loyalty.campaigns.segment_filters)."""

    name = Varchar(length=100, unique=True)
    description = Text(default="")
    definition = JSON(default="{}")
    builtin = Boolean(default=False)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class VipGroup(Keyed, Table):
    name = Varchar(length=100, unique=True)
    description = Text(default="")
    benefits_vi = Text(default="")
    benefits_en = Text(default="")
    created_at = Timestamptz(default=TimestamptzNow())


class VipMember(Keyed, Table):
    group = ForeignKey(VipGroup, on_delete=RESTRICT, index=True)
    member = ForeignKey(Member, on_delete=RESTRICT, index=True)
    added_at = Timestamptz(default=TimestamptzNow())


class CampaignStatus(StrEnum):
    DRAFT = "draft"
    SCHEDULED = "scheduled"
    RUNNING = "running"
    PAUSED = "paused"
    FINISHED = "finished"
    CANCELLED = "cancelled"


class GiftStatus(StrEnum):
    PENDING = "pending"
    GIVEN = "given"
    OVER_BUDGET = "over_budget"
    FAILED = "failed"


class Campaign(Keyed, Table):
    """Statuses: draft → scheduled → running → finished; paused ↔ running; cancelled at any time."""

    name = Varchar(length=200, unique=True)
    status = Varchar(length=16, default="draft", index=True, choices=CampaignStatus)
    # everyone | segment | vip_group | tier
    audience = Varchar(length=16, default="everyone", choices=AudienceKind)
    segment = ForeignKey(Segment, null=True, on_delete=RESTRICT, index=True)
    vip_group = ForeignKey(VipGroup, null=True, on_delete=RESTRICT, index=True)
    tier = ForeignKey(Tier, null=True, on_delete=RESTRICT, index=True)
    # points | voucher
    gift_kind = Varchar(length=8, default="points", choices=GiftKind)
    gift_points = BigInt(default=0)
    reward = ForeignKey(Reward, null=True, on_delete=RESTRICT, index=True)
    voucher_valid_days = Integer(null=True, default=None)
    title_vi = Varchar(length=200, default="")
    title_en = Varchar(length=200, default="")
    message_vi = Text(default="")
    message_en = Text(default="")
    # once | birthday | anniversary | holiday | lunar
    schedule = Varchar(length=12, default="once", choices=ScheduleKind)
    run_at = Timestamptz(null=True, default=None)
    days_before = Integer(default=0)
    holiday = Varchar(length=100, default="")
    lunar_month = Integer(null=True, default=None)
    lunar_day = Integer(null=True, default=None)
    starts_on = Date(null=True, default=None)
    ends_on = Date(null=True, default=None)
    max_gifts = BigInt(null=True, default=None)
    max_points = BigInt(null=True, default=None)
    gifts_issued = BigInt(default=0)
    points_given = BigInt(default=0)
    # The channels its messages may take (comma-separated: push,zalo,sms,email), a budget for
    # the messages in đồng (none: no limit), and what its messages were counted to cost so far.
    channels = Varchar(length=40, default="push")
    message_budget_vnd = BigInt(null=True, default=None)
    message_cost_vnd = BigInt(default=0)
    created_by = ForeignKey(BaseUser, null=True, on_delete=SET_NULL, index=True)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class CampaignRun(Keyed, Table):
    """Choosing the audience of one occurrence, in member-id batches (``cursor`` = last id done)."""

    campaign = ForeignKey(Campaign, on_delete=RESTRICT, index=True)
    key = Varchar(length=120)
    occurrence = Varchar(length=40)
    cursor = BigInt(default=0)
    selected = BigInt(default=0)
    selected_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())


class CampaignLane(Keyed, Table):
    """One member-id range of a points run, (``cursor``, ``high``], given batch by batch by one
    worker at a time; lanes let several workers give one run side by side (loyalty.campaigns.lanes).
    ``high`` NULL: no upper end (the run's last lane, which takes members who join meanwhile)."""

    run = ForeignKey(CampaignRun, on_delete=OnDelete.cascade, index=True)
    number = Integer()
    cursor = BigInt()
    high = BigInt(null=True, default=None)
    given = BigInt(default=0)
    done_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())


class CampaignGift(BigKeyed, Table):
    # Indexes: UNIQUE (campaign, occurrence, member) serves lookups by campaign; pending gifts,
    # ledger entries and vouchers have partial indexes (the baseline's rules migration), so a
    # points gift adds nothing to the voucher index and a pending row nothing to the entry one.
    campaign = ForeignKey(Campaign, on_delete=RESTRICT)
    occurrence = Varchar(length=40)
    member = ForeignKey(Member, on_delete=RESTRICT, index=True)
    status = Varchar(length=12, default="pending", choices=GiftStatus)
    points = BigInt(default=0)
    entry = ForeignKey(LedgerEntry, null=True, on_delete=RESTRICT)
    voucher = ForeignKey(Voucher, null=True, on_delete=RESTRICT)
    error = Varchar(length=500, default="")
    created_at = Timestamptz(default=TimestamptzNow())
    given_at = Timestamptz(null=True, default=None)
