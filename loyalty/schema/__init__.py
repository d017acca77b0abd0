"""The tables, one module per capability, below every capability package.

Why one layer: foreign keys and reports cross capabilities in both directions (a purchase points at
its ledger entry, the tier review reads purchases, a voucher at the entry that paid for it), so the
tables sit under the packages whose rules own them and every package may read them without an
import cycle. Which package owns the writes of each table is said in each module; nothing outside
that package changes those rows.

Rules and invariants:

* Rows the ledger points at are never deleted: every foreign key to them is RESTRICT and indexed.
* CHECK rules, multi-column UNIQUE rules and partial indexes are literal SQL in the baseline's
  rules migration (CHECKs are triggers on SQLite); ``tests/loyalty/test_guards.py`` lists them
  and ``tests/test_migrations.py`` checks the migrations build exactly what these classes declare.
* Tables are imported from here: ``from loyalty.schema import Member``; so are the enums of the
  codes some columns choose from (``choices``: the admin's selects).
"""

from loyalty.schema.base import BigKeyed, Keyed
from loyalty.schema.campaigns import (
    Campaign,
    CampaignGift,
    CampaignLane,
    CampaignRun,
    CampaignStatus,
    GiftStatus,
    Segment,
    VipGroup,
    VipMember,
)
from loyalty.schema.choices import (
    AudienceKind,
    Author,
    CompensationKind,
    ComplaintChannel,
    GiftKind,
    LedgerKind,
    LineKind,
    MessageChannel,
    Priority,
    PurchaseChannel,
    RuleKind,
    ScheduleKind,
    TierMetric,
    VoucherSource,
)
from loyalty.schema.complaints import (
    CompensationStatus,
    Complaint,
    ComplaintCategory,
    ComplaintCompensation,
    ComplaintEvent,
    ComplaintPhoto,
    ComplaintSla,
    Status,
)
from loyalty.schema.earning import EarningRule, Purchase, ReceiptClaim
from loyalty.schema.members import Member, MemberStats, PhoneCode, Store, Terminal, TierChange
from loyalty.schema.points import LedgerDay, LedgerEntry, LotDraw, MemberDay, PointLot
from loyalty.schema.rewards import Reward, TierBirthdayGift, Voucher, VoucherStatus
from loyalty.schema.system import AuditLog, DomainEvent, IdempotencyRecord
from loyalty.schema.tiers import Tier

__all__ = [
    "AudienceKind",
    "AuditLog",
    "Author",
    "BigKeyed",
    "Campaign",
    "CampaignGift",
    "CampaignLane",
    "CampaignRun",
    "CampaignStatus",
    "CompensationKind",
    "CompensationStatus",
    "Complaint",
    "ComplaintCategory",
    "ComplaintChannel",
    "ComplaintCompensation",
    "ComplaintEvent",
    "ComplaintPhoto",
    "ComplaintSla",
    "DomainEvent",
    "EarningRule",
    "GiftKind",
    "GiftStatus",
    "IdempotencyRecord",
    "Keyed",
    "LedgerDay",
    "LedgerEntry",
    "LedgerKind",
    "LineKind",
    "LotDraw",
    "Member",
    "MemberDay",
    "MemberStats",
    "MessageChannel",
    "PhoneCode",
    "PointLot",
    "Priority",
    "Purchase",
    "PurchaseChannel",
    "ReceiptClaim",
    "Reward",
    "RuleKind",
    "ScheduleKind",
    "Segment",
    "Status",
    "Store",
    "Terminal",
    "Tier",
    "TierBirthdayGift",
    "TierChange",
    "TierMetric",
    "VipGroup",
    "VipMember",
    "Voucher",
    "VoucherSource",
    "VoucherStatus",
]
