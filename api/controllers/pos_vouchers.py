"""/api/v1/pos/vouchers/redeem: a till redeems a voucher once, for its own store."""

from __future__ import annotations

from litestar import Controller, post
from litestar.params import JSONBody

from api.auth import CallingTill
from api.schemas_rewards import RedeemedVoucherOut, TillRedeemIn, TillRedeemOut, VoucherMemberOut
from loyalty import rewards
from loyalty.schema import VoucherStatus


class PosVoucherController(Controller):
    path = "/pos/vouchers"
    tags = ["till"]

    @post("/redeem", summary="Redeem a scanned voucher code (once)", status_code=200)
    async def redeem(self, terminal: CallingTill, data: JSONBody[TillRedeemIn]) -> TillRedeemOut:
        done = await rewards.redeem_at_till(data.code, terminal, receipt_no=data.receipt_no)
        return TillRedeemOut(
            RedeemedVoucherOut(done.code, done.reward_name_vi, VoucherStatus.REDEEMED),
            VoucherMemberOut(done.member_public_id, done.member_name),
        )
