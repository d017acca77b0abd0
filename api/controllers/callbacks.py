"""POST /api/v1/callbacks/zalo and /api/v1/callbacks/sms: the providers' delivery receipts.

Provider-facing, so outside the OpenAPI like /metrics, and without a member's or a till's
sign-in: each callback is verified by the provider's own signature or shared secret
(``notifications.channels.receipts``), refused with 401 when it does not verify, and applied
by ``notifications.receipts_apply``; a receipt for an unknown or already decided message, and a
genuine event that is not a receipt, are answered 200 all the same, so the provider does not
keep sending them.
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

SETTINGS = NotifySettings.from_env()


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
