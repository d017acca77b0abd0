"""Admin for tiers, rewards (with image upload) and vouchers, and the staff cancel form.

Reward images are uploaded through Piccolo Admin's media storage into ``$MEDIA_ROOT/rewards``
(default ``./media/rewards``) and served publicly by the API under ``/media/rewards/<file>``;
``Reward.image`` keeps only the file key. Vouchers and tier history are read-only: vouchers
change only through the domain (redeem at a till, the expiry job, the cancel form).
"""

from __future__ import annotations

from piccolo_admin.endpoints import FormConfig, TableConfig
from piccolo_api.media.local import LocalMediaStorage
from pydantic import Field
from starlette.requests import Request

from admin.forms import StaffForm, shows_domain_errors, staff_actor
from loyalty import rewards
from loyalty.schema import Reward, Tier, TierBirthdayGift, TierChange, Voucher
from loyalty.settings import ADMIN

MEDIA_ROOT = ADMIN.media_root
REWARD_IMAGE_DIR = MEDIA_ROOT / "rewards"
REWARD_IMAGE_URL = "/media/rewards/"
REWARD_IMAGE_DIR.mkdir(parents=True, exist_ok=True)

REWARD_IMAGES = LocalMediaStorage(
    column=Reward.image,
    media_path=str(REWARD_IMAGE_DIR),
    allowed_extensions=["jpg", "jpeg", "png", "webp", "gif"],
    # Served to the mobile app: readable by the web server, written only by us.
    file_permissions=0o644,
)

tiers = TableConfig(
    Tier, exclude_visible_columns=[Tier.id], menu_group="Programme", link_column=Tier.code, order_by=None
)
birthday_gifts = TableConfig(TierBirthdayGift, menu_group="Programme")
reward_grid = TableConfig(
    Reward,
    media_storage=[REWARD_IMAGES],
    visible_columns=[
        Reward.name_vi,
        Reward.points_cost,
        Reward.stock_left,
        Reward.per_member_limit,
        Reward.min_tier,
        Reward.store,
        Reward.valid_from,
        Reward.valid_until,
        Reward.active,
        Reward.image,
    ],
    visible_filters=[
        Reward.name_vi,
        Reward.name_en,
        Reward.active,
        Reward.min_tier,
        Reward.store,
        Reward.points_cost,
        Reward.valid_until,
    ],
    menu_group="Programme",
    link_column=Reward.name_vi,
)
voucher_grid = TableConfig(
    Voucher,
    visible_columns=[
        Voucher.code,
        Voucher.member,
        Voucher.reward,
        Voucher.status,
        Voucher.source,
        Voucher.points_paid,
        Voucher.issued_at,
        Voucher.valid_until,
        Voucher.redeemed_at,
        Voucher.redeemed_store,
        Voucher.receipt_no,
    ],
    visible_filters=[
        Voucher.code,
        Voucher.member,
        Voucher.reward,
        Voucher.status,
        Voucher.source,
        Voucher.redeemed_store,
        Voucher.issued_at,
    ],
    menu_group="Programme",
    link_column=Voucher.code,
)
tier_history = TableConfig(TierChange, menu_group="Programme")

TABLES = [tiers, birthday_gifts, reward_grid, voucher_grid, tier_history]


class CancelVoucher(StaffForm):
    code: str = Field(min_length=10, max_length=40, description="The voucher code (see Vouchers)")
    reason: str = Field(min_length=3, max_length=500, description="Why: kept in the audit log")


@shows_domain_errors
async def cancel_voucher(request: Request, data: CancelVoucher) -> str:
    voucher = await rewards.cancel(data.code, reason=data.reason, actor=staff_actor(request))
    back = f"; {voucher.points_paid} points returned" if voucher.points_paid else ""
    return f"Voucher {voucher.code} cancelled{back}."


class ChangeStock(StaffForm):
    reward_id: int = Field(ge=1, le=2**31 - 1, description="The reward (see Rewards)")
    units: int = Field(ge=-1_000_000, le=1_000_000, description="Units to add (positive) or withdraw (negative)")
    reason: str = Field(min_length=3, max_length=500, description="Why: kept in the audit log")


@shows_domain_errors
async def change_stock(request: Request, data: ChangeStock) -> str:
    left = await rewards.change_stock(data.reward_id, data.units, reason=data.reason, actor=staff_actor(request))
    return f"Reward {data.reward_id}: {left} units left."


FORMS = [
    FormConfig(
        name="Cancel a voucher",
        pydantic_model=CancelVoucher,
        endpoint=cancel_voucher,
        description="Only an unredeemed voucher; its points go back to the member, stock is restored.",
        form_group="Programme",
    ),
    FormConfig(
        name="Change reward stock",
        pydantic_model=ChangeStock,
        endpoint=change_stock,
        description="Adds or withdraws units of a limited reward; the tills' redemptions in between are kept.",
        form_group="Programme",
    ),
]
