"""The codes some columns choose from, as enums: Piccolo Admin draws a select of them.

The columns keep their codes (``Varchar``): ``choices=`` changes nothing in the database, only
what the admin offers (its selects and filters; ``admin.choices_vi`` names each code in
Vietnamese). The capability packages that own the rules export these under their own names
(``loyalty.complaints.Channel`` is :class:`ComplaintChannel`).
"""

from __future__ import annotations

from enum import StrEnum


class AudienceKind(StrEnum):
    EVERYONE = "everyone"
    SEGMENT = "segment"
    VIP_GROUP = "vip_group"
    TIER = "tier"


class GiftKind(StrEnum):
    POINTS = "points"
    VOUCHER = "voucher"


class ScheduleKind(StrEnum):
    ONCE = "once"
    BIRTHDAY = "birthday"
    ANNIVERSARY = "anniversary"
    HOLIDAY = "holiday"
    LUNAR = "lunar"


class Priority(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


class ComplaintChannel(StrEnum):
    """How the complaint reached us."""

    APP = "app"
    PHONE = "phone"
    IN_PERSON = "in_person"
    WRITING = "writing"
    SOCIAL = "social"
    EMAIL = "email"


class Author(StrEnum):
    MEMBER = "member"
    STAFF = "staff"
    SYSTEM = "system"


class LineKind(StrEnum):
    CREATED = "created"
    ACKNOWLEDGED = "acknowledged"
    MESSAGE = "message"
    NOTE = "note"
    ASSIGNED = "assigned"
    RESOLVED = "resolved"
    CLOSED = "closed"
    REOPENED = "reopened"
    RATING = "rating"
    ESCALATED = "escalated"
    COMPENSATION_PROPOSED = "compensation_proposed"
    COMPENSATION_REJECTED = "compensation_rejected"
    COMPENSATION = "compensation"


class CompensationKind(StrEnum):
    POINTS = "points"
    VOUCHER = "voucher"


class PurchaseChannel(StrEnum):
    """How a purchase earned (``Purchase.channel``)."""

    TILL = "till"  # the till scanned the member's card
    CLAIM = "claim"  # the member claimed the receipt's code in the app


class RuleKind(StrEnum):
    """What a staff rule (``EarningRule.kind``) does."""

    CATEGORY = "category"  # a multiplier on the lines of one category
    STORE = "store"  # a multiplier in one store
    PERIOD = "period"  # a multiplier while it is valid (double points days)
    FIRST_PURCHASE = "first_purchase"  # fixed bonus points on a member's first purchase


class LedgerKind(StrEnum):
    EARN = "earn"
    REDEEM = "redeem"
    EXPIRE = "expire"
    ADJUST = "adjust"
    REVERSE = "reverse"
    GIFT = "gift"
    REFERRAL = "referral"
    COMPENSATION = "compensation"


class VoucherSource(StrEnum):
    """How a voucher came: bought with points, or given (a campaign, a complaint, a birthday)."""

    REDEMPTION = "redemption"
    CAMPAIGN = "campaign"
    COMPENSATION = "compensation"
    BIRTHDAY = "birthday"
    STAFF = "staff"  # given by staff from the member's page (``rewards.issuing.give_by_staff``)


class TierMetric(StrEnum):
    """What a tier's threshold counts (``Tier.metric``)."""

    POINTS = "points"  # points earned on purchases, net of refunds
    SPEND = "spend"  # đồng spent, net of refunds


class MessageChannel(StrEnum):
    """The channels a member's messages take (``Member.preferred_channel``)."""

    PUSH = "push"
    ZALO = "zalo"
    SMS = "sms"
    EMAIL = "email"
