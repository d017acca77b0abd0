"""msgspec shapes of earning: member card, ledger, till earn, receipt claims, refunds (CONTRACT.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec

from api.edge import SINGLE_LINE

# Integers are strict JSON integers at the edge (api.edge): "250000", 250000.0 and 1e5 are refused.
Amount = Annotated[int, msgspec.Meta(ge=1, le=1_000_000_000)]
ReceiptNo = Annotated[str, msgspec.Meta(min_length=1, max_length=64, pattern=SINGLE_LINE)]


class ItemIn(msgspec.Struct, forbid_unknown_fields=True):
    sku: Annotated[str, msgspec.Meta(min_length=1, max_length=64, pattern=SINGLE_LINE)]
    amount: Annotated[int, msgspec.Meta(ge=0, le=1_000_000_000)]
    quantity: Annotated[int, msgspec.Meta(ge=1, le=1_000_000)] = 1
    category: Annotated[str, msgspec.Meta(max_length=100, pattern=SINGLE_LINE)] | None = None


Items = Annotated[list[ItemIn], msgspec.Meta(max_length=500)]


Phone = Annotated[str, msgspec.Meta(min_length=1, max_length=32, pattern=SINGLE_LINE)]


class EarnIn(msgspec.Struct, forbid_unknown_fields=True):
    """The member by exactly one of ``member_code`` (the app's live QR) and ``phone``."""

    receipt_no: ReceiptNo
    amount: Amount
    member_code: Annotated[str, msgspec.Meta(min_length=1, max_length=64, pattern=SINGLE_LINE)] | None = None
    phone: Phone | None = None
    items: Items = []


class TillEnrolIn(msgspec.Struct, forbid_unknown_fields=True):
    phone: Phone
    name: Annotated[str, msgspec.Meta(max_length=200, pattern=SINGLE_LINE)] = ""


class TillMemberOut(msgspec.Struct):
    id: str
    name: str
    tier: str | None
    points_balance: int
    has_app: bool


class EarnMemberOut(msgspec.Struct):
    id: str
    name: str
    tier: str | None


class RuleAppliedOut(msgspec.Struct):
    kind: str
    name: str
    rule_id: int | None
    multiplier_pct: int
    bonus_points: int


class EarnOut(msgspec.Struct):
    member: EarnMemberOut
    points_earned: int
    points_balance: int
    rules_applied: list[RuleAppliedOut]
    receipt_no: str
    store: str


class ReceiptIn(msgspec.Struct, forbid_unknown_fields=True):
    receipt_no: ReceiptNo
    amount: Amount
    items: Items = []


class ReceiptClaimOut(msgspec.Struct):
    claim_code: str
    valid_until: datetime
    qr_svg_url: str


class ClaimIn(msgspec.Struct, forbid_unknown_fields=True):
    code: Annotated[str, msgspec.Meta(min_length=1, max_length=64, pattern=SINGLE_LINE)]


class ClaimOut(msgspec.Struct):
    points_earned: int
    points_balance: int
    receipt_no: str
    store: str


class RefundIn(msgspec.Struct, forbid_unknown_fields=True):
    receipt_no: ReceiptNo
    amount: Amount


class RefundOut(msgspec.Struct):
    points_reversed: int
    shortfall: int
    refunded_total: int


class CardOut(msgspec.Struct):
    code: str
    valid_until: datetime
    period_s: int


class LedgerEntryOut(msgspec.Struct):
    id: int
    delta: int
    kind: str
    balance_after: int
    created_at: datetime
    description: str
    reference: str
    shortfall: int


class LedgerPage(msgspec.Struct):
    items: list[LedgerEntryOut]
    next_cursor: str | None


class PublicKeyOut(msgspec.Struct):
    algorithm: str
    key_id: str
    public_key_pem: str


class ExpiringOut(msgspec.Struct):
    points: int
    within_days: int
