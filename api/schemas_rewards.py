"""msgspec shapes of the rewards catalogue, redemptions and vouchers (CONTRACT.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec

from api.edge import SINGLE_LINE
from loyalty.ids import ID_MAX, ID_MIN

ReceiptNo = Annotated[
    str, msgspec.Meta(min_length=1, max_length=64, pattern=r"^[\x21-\x7e]([\x20-\x7e]*[\x21-\x7e])?$")
]
VoucherCode = Annotated[str, msgspec.Meta(min_length=1, max_length=40, pattern=SINGLE_LINE)]


class RewardOut(msgspec.Struct):
    id: int
    name: str
    description: str
    points_cost: int
    stock_left: int | None
    min_tier: str | None
    valid_until: datetime | None
    image_url: str | None
    per_member_limit: int | None
    store: str | None
    eligible: bool


class RedemptionIn(msgspec.Struct, forbid_unknown_fields=True):
    reward_id: Annotated[int, msgspec.Meta(ge=ID_MIN, le=ID_MAX)]


class IssuedVoucherOut(msgspec.Struct):
    code: str
    reward_id: int
    status: str
    valid_until: datetime


class RedemptionOut(msgspec.Struct):
    voucher: IssuedVoucherOut
    points_balance: int


class VoucherOut(msgspec.Struct):
    code: str
    reward_id: int
    name: str
    status: str
    valid_until: datetime
    redeemed_at: datetime | None
    issued_at: datetime
    source: str


class TillRedeemIn(msgspec.Struct, forbid_unknown_fields=True):
    code: VoucherCode
    receipt_no: ReceiptNo | None = None


class RedeemedVoucherOut(msgspec.Struct):
    code: str
    name: str
    status: str


class VoucherMemberOut(msgspec.Struct):
    id: str
    name: str


class TillRedeemOut(msgspec.Struct):
    voucher: RedeemedVoucherOut
    member: VoucherMemberOut


class PhoneCodeIn(msgspec.Struct, forbid_unknown_fields=True):
    phone: Annotated[str, msgspec.Meta(min_length=1, max_length=32, pattern=SINGLE_LINE)]


class PhoneCodeOut(msgspec.Struct):
    sent_by: str  # zalo | sms
    valid_until: datetime


class PhoneRedemptionIn(msgspec.Struct, forbid_unknown_fields=True):
    phone: Annotated[str, msgspec.Meta(min_length=1, max_length=32, pattern=SINGLE_LINE)]
    phone_code: Annotated[str, msgspec.Meta(min_length=1, max_length=12, pattern=SINGLE_LINE)]
    reward_id: Annotated[int, msgspec.Meta(ge=ID_MIN, le=ID_MAX)]
    receipt_no: ReceiptNo | None = None


class PhoneRedemptionOut(msgspec.Struct):
    voucher: RedeemedVoucherOut
    member: VoucherMemberOut
    points_balance: int
