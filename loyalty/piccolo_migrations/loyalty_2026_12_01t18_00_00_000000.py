"""The columns that take one of a few codes name them (``choices``), so the admin offers a select.

Nothing changes in the database: ``choices`` is Piccolo's knowledge of the columns (what the admin
draws, what the next automatic migration compares against), recorded here so that it matches the
Table classes. The enums are written out, not imported: a migration keeps doing what it did when
it landed.
"""

from enum import Enum

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Varchar

ID = "2026-12-01T18:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "choices for the columns of codes"

# (table class, table, column, enum, its values by member name)
CHOICES: list[tuple[str, str, str, str, dict[str, str]]] = [
    ("Tier", "tier", "metric", "TierMetric", {"POINTS": "points", "SPEND": "spend"}),
    (
        "Member",
        "member",
        "preferred_channel",
        "MessageChannel",
        {"PUSH": "push", "ZALO": "zalo", "SMS": "sms", "EMAIL": "email"},
    ),
    (
        "LedgerEntry",
        "ledger_entry",
        "kind",
        "LedgerKind",
        {
            "EARN": "earn",
            "REDEEM": "redeem",
            "EXPIRE": "expire",
            "ADJUST": "adjust",
            "REVERSE": "reverse",
            "GIFT": "gift",
            "REFERRAL": "referral",
            "COMPENSATION": "compensation",
        },
    ),
    (
        "EarningRule",
        "earning_rule",
        "kind",
        "RuleKind",
        {"CATEGORY": "category", "STORE": "store", "PERIOD": "period", "FIRST_PURCHASE": "first_purchase"},
    ),
    ("Purchase", "purchase", "channel", "PurchaseChannel", {"TILL": "till", "CLAIM": "claim"}),
    (
        "Voucher",
        "voucher",
        "status",
        "VoucherStatus",
        {"ISSUED": "issued", "REDEEMED": "redeemed", "EXPIRED": "expired", "CANCELLED": "cancelled"},
    ),
    (
        "Voucher",
        "voucher",
        "source",
        "VoucherSource",
        {
            "REDEMPTION": "redemption",
            "CAMPAIGN": "campaign",
            "COMPENSATION": "compensation",
            "BIRTHDAY": "birthday",
            "STAFF": "staff",
        },
    ),
    (
        "Campaign",
        "campaign",
        "status",
        "CampaignStatus",
        {
            "DRAFT": "draft",
            "SCHEDULED": "scheduled",
            "RUNNING": "running",
            "PAUSED": "paused",
            "FINISHED": "finished",
            "CANCELLED": "cancelled",
        },
    ),
    (
        "Campaign",
        "campaign",
        "audience",
        "AudienceKind",
        {"EVERYONE": "everyone", "SEGMENT": "segment", "VIP_GROUP": "vip_group", "TIER": "tier"},
    ),
    ("Campaign", "campaign", "gift_kind", "GiftKind", {"POINTS": "points", "VOUCHER": "voucher"}),
    (
        "Campaign",
        "campaign",
        "schedule",
        "ScheduleKind",
        {"ONCE": "once", "BIRTHDAY": "birthday", "ANNIVERSARY": "anniversary", "HOLIDAY": "holiday", "LUNAR": "lunar"},
    ),
    (
        "CampaignGift",
        "campaign_gift",
        "status",
        "GiftStatus",
        {"PENDING": "pending", "GIVEN": "given", "OVER_BUDGET": "over_budget", "FAILED": "failed"},
    ),
    (
        "Complaint",
        "complaint",
        "priority",
        "Priority",
        {"LOW": "low", "NORMAL": "normal", "HIGH": "high", "URGENT": "urgent"},
    ),
    (
        "Complaint",
        "complaint",
        "channel",
        "ComplaintChannel",
        {
            "APP": "app",
            "PHONE": "phone",
            "IN_PERSON": "in_person",
            "WRITING": "writing",
            "SOCIAL": "social",
            "EMAIL": "email",
        },
    ),
    (
        "Complaint",
        "complaint",
        "status",
        "Status",
        {
            "NEW": "new",
            "ACKNOWLEDGED": "acknowledged",
            "IN_PROGRESS": "in_progress",
            "RESOLVED": "resolved",
            "CLOSED": "closed",
        },
    ),
    (
        "ComplaintCompensation",
        "complaint_compensation",
        "kind",
        "CompensationKind",
        {"POINTS": "points", "VOUCHER": "voucher"},
    ),
    (
        "ComplaintCompensation",
        "complaint_compensation",
        "status",
        "CompensationStatus",
        {"PROPOSED": "proposed", "GRANTED": "granted", "REJECTED": "rejected"},
    ),
    (
        "ComplaintEvent",
        "complaint_event",
        "kind",
        "LineKind",
        {
            "CREATED": "created",
            "ACKNOWLEDGED": "acknowledged",
            "MESSAGE": "message",
            "NOTE": "note",
            "ASSIGNED": "assigned",
            "RESOLVED": "resolved",
            "CLOSED": "closed",
            "REOPENED": "reopened",
            "RATING": "rating",
            "ESCALATED": "escalated",
            "COMPENSATION_PROPOSED": "compensation_proposed",
            "COMPENSATION_REJECTED": "compensation_rejected",
            "COMPENSATION": "compensation",
        },
    ),
    (
        "ComplaintEvent",
        "complaint_event",
        "author_kind",
        "Author",
        {"MEMBER": "member", "STAFF": "staff", "SYSTEM": "system"},
    ),
    (
        "ComplaintSla",
        "complaint_sla",
        "priority",
        "Priority",
        {"LOW": "low", "NORMAL": "normal", "HIGH": "high", "URGENT": "urgent"},
    ),
]


async def forwards() -> MigrationManager:
    # Backwards, Piccolo puts each column's old params (no choices) back.
    manager = MigrationManager(migration_id=ID, app_name="loyalty", description=DESCRIPTION)
    for class_name, table, column, enum_name, values in CHOICES:
        manager.alter_column(
            table_class_name=class_name,
            tablename=table,
            column_name=column,
            db_column_name=column,
            params={"choices": Enum(enum_name, values)},
            old_params={"choices": None},
            column_class=Varchar,
            old_column_class=Varchar,
            schema=None,
        )
    return manager
