"""/api/v1/pos for customers without the app: a one-time code to their phone, and spending with it."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, post, put
from litestar.params import JSONBody

from api.auth import CallingTill
from api.controllers.notifications import consents_out
from api.idempotency import run_once
from api.schemas_notifications import ConsentsOut, TillConsentsIn
from api.schemas_rewards import (
    PhoneCodeIn,
    PhoneCodeOut,
    PhoneRedemptionIn,
    PhoneRedemptionOut,
    RedeemedVoucherOut,
    VoucherMemberOut,
)
from loyalty import members, rewards
from loyalty.schema import VoucherStatus
from notifications import consent
from notifications.channels import Channel, ChannelSender
from notifications.phone_codes import send_phone_code


def channels(request: Request[Any, Any, Any]) -> dict[Channel, ChannelSender]:
    senders: dict[Channel, ChannelSender] = request.app.state.channels
    return senders


class PosPhoneController(Controller):
    path = "/pos"
    tags = ["till"]

    @post(
        "/members/code",
        status_code=202,
        summary="Send a one-time code to the phone of a customer without the app (Zalo, else SMS)",
    )
    async def send_code(
        self, request: Request[Any, Any, Any], terminal: CallingTill, data: JSONBody[PhoneCodeIn]
    ) -> PhoneCodeOut:
        issued = await members.issue_phone_code(data.phone, terminal_id=terminal.id)
        sent_by = await send_phone_code(channels(request), issued)
        return PhoneCodeOut(sent_by.value, issued.valid_until)

    @post(
        "/redemptions",
        status_code=201,
        summary="A customer named by phone spends points on a reward with the code their phone received",
        description="Honours Idempotency-Key. The reward is redeemed and used at this till at once.",
    )
    async def redeem(
        self, request: Request[Any, Any, Any], terminal: CallingTill, data: JSONBody[PhoneRedemptionIn]
    ) -> Response[PhoneRedemptionOut]:
        async def change(key: str | None) -> PhoneRedemptionOut:
            reference = f"{terminal.id}:{key}" if key else rewards.fresh_reference(str(terminal.id))
            done = await rewards.spend_by_phone(
                data.phone, data.phone_code, data.reward_id, terminal, reference=reference, receipt_no=data.receipt_no
            )
            used = done.redeemed
            return PhoneRedemptionOut(
                RedeemedVoucherOut(used.code, used.reward_name_vi, VoucherStatus.REDEEMED),
                VoucherMemberOut(used.member_public_id, used.member_name),
                done.points_balance,
            )

        return await run_once(request, f"pos.phone-redemptions:{terminal.id}", data, change)

    @put(
        "/members/consents",
        summary="Record a customer's marketing answers at the counter, with the consent text read to them",
    )
    async def consents(self, terminal: CallingTill, data: JSONBody[TillConsentsIn]) -> ConsentsOut:
        member = await members.member_by_phone(data.phone)
        answers = {"zalo": data.zalo_marketing, "sms": data.sms_marketing, "email": data.email_marketing}
        found = await consent.record_at_till(
            member.id,
            {channel: answer for channel, answer in answers.items() if answer is not None},
            text_version=data.text_version,
            text_read=data.text_read,
            terminal_id=terminal.id,
        )
        return consents_out(found)
