"""POST /api/v1/callbacks/zalo and /api/v1/callbacks/sms: the providers' delivery receipts;
POST /api/v1/callbacks/sms/inbound: a customer's SMS reply (an opt-out keyword stops SMS marketing).

Provider-facing, so outside the OpenAPI like /metrics, and without a member's or a till's
sign-in: each callback is verified by the provider's own signature or shared secret
(``notifications.channels.receipts``), refused with 401 when it does not verify, and applied
by ``notifications.receipts_apply``; a receipt for an unknown or already decided message, and a
genuine event that is not a receipt, are answered 200 all the same, so the provider does not
keep sending them. An inbound SMS is verified like the SMS receipt (``X-Signature``), and
answered 200 whatever it says (``notifications.sms_replies`` decides); one that verifies but
names no sender or text is 400.
"""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, post
from litestar.exceptions import NotFoundException
from litestar.params import PathParameter

from api.errors import ApiProblem
from notifications.channels import receipts
from notifications.channels.base import Channel
from notifications.config import NotifySettings
from notifications.receipts_apply import apply_receipt
from notifications.sms_replies import record_sms_reply

SETTINGS = NotifySettings.from_env()


@post("/api/v1/callbacks/sms/inbound", include_in_schema=False, status_code=200)
async def sms_inbound_callback(request: Request[Any, Any, Any]) -> dict[str, bool]:
    body = await request.body()
    try:
        inbound = receipts.verify_sms_inbound(dict(request.headers), body, SETTINGS)
    except receipts.BadCallback as exc:
        raise ApiProblem(401, "bad_callback", f"the inbound SMS did not verify: {exc}") from None
    except receipts.NotAnInbound as exc:
        raise ApiProblem(400, "bad_inbound_sms", str(exc)) from None
    reply = await record_sms_reply(inbound.phone, inbound.text, provider_id=inbound.provider_id)
    return {"member": reply.member is not None, "opted_out": reply.opted_out}


@post("/api/v1/callbacks/{channel:str}", include_in_schema=False, status_code=200)
async def delivery_callback(
    request: Request[Any, Any, Any], channel: Annotated[str, PathParameter(max_length=8)]
) -> dict[str, bool]:
    if channel not in (Channel.ZALO, Channel.SMS):
        raise NotFoundException(f"no callback for {channel!r}")
    verify = receipts.verify_zalo_callback if channel == Channel.ZALO else receipts.verify_sms_callback
    body = await request.body()
    try:
        receipt = verify(dict(request.headers), body, SETTINGS)
    except receipts.NotAReceipt:
        return {"applied": False}  # a genuine event that is not about a delivery
    except receipts.BadCallback as exc:
        raise ApiProblem(401, "bad_callback", f"the {channel} callback did not verify: {exc}") from None
    found = await apply_receipt(
        receipt.channel, receipt.provider_id, receipt.delivered, receipt.error, receipt.at, settings=SETTINGS
    )
    return {"applied": found is not None}
