"""Brand-name SMS through a Vietnamese gateway's HTTP API, modelled on eSMS.vn.

Rules:

* One request per message: ``POST {SMS_URL}`` (eSMS's ``…/MainService.svc/json/
  SendMultipleMessage_V4_post_json/``) with JSON ``{ApiKey, SecretKey, Phone, Content, Brandname,
  SmsType: "2" (customer care), IsUnicode, RequestId, CallbackUrl}``; the gateway answers
  ``{"CodeResult": "100", "SMSID": …}``. ``SMSID`` is the provider id of the delivery report;
  ``RequestId`` is our delivery id, so a message sent again after a worker died is refused by
  the gateway as a duplicate (124) and counted as sent, not sent twice.
* Codes, per eSMS's "Table of error codes" (developers.esms.vn/en/esms-api/table-of-error-codes):
  100 accepted → sent; 99 number blocked, 108 number malformed → invalid_address; 103 balance too
  low → over_quota; 104 brand name unknown, 146 wrong customer-care template, 177 network not
  registered for the brand name → rejected; 101 wrong ApiKey/SecretKey, 102, 118, 140 (IP not
  whitelisted) and the rest → failed; HTTP 429/5xx and network trouble → retry.
* The text is the kind's SMS template (``templates``), without diacritics unless
  ``SMS_UNICODE=true``; its part count is known before sending (``sms_text``) and is what the
  message costs: parts × ``SMS_COST_PER_PART_VND``. A text over ``SMS_MAX_PARTS`` is rejected
  here, without a request.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import httpx

from notifications.channels.base import Channel, Outgoing, SendStatus, Sent
from notifications.channels.sms_text import Parts, TooLong, prepare
from notifications.channels.templates import sms_text
from notifications.config import NotifySettings

DUPLICATE = "124"
STATUS = {
    "99": SendStatus.INVALID_ADDRESS,
    "108": SendStatus.INVALID_ADDRESS,
    "103": SendStatus.OVER_QUOTA,
    "104": SendStatus.REJECTED,
    "146": SendStatus.REJECTED,
    "177": SendStatus.REJECTED,
}


def sms_phone(address: str) -> str:
    """eSMS takes the national form: +84912345678 → 0912345678."""
    digits = "".join(ch for ch in address if ch.isdigit())
    return "0" + digits[2:] if digits.startswith("84") else digits


class SmsSender:
    channel = Channel.SMS

    def __init__(self, settings: NotifySettings, *, concurrency: int = 16, timeout_s: float = 10.0) -> None:
        if not (settings.sms_url and settings.sms_api_key and settings.sms_secret and settings.sms_brandname):
            raise ValueError("SMS needs SMS_URL, SMS_API_KEY, SMS_SECRET and SMS_BRANDNAME")
        self._settings = settings
        self._url = settings.sms_url
        self._client = httpx.AsyncClient(timeout=timeout_s)
        self._limit = asyncio.Semaphore(concurrency)

    def text(self, outgoing: Outgoing) -> tuple[str, Parts]:
        """What will be sent and its parts; raises ``TooLong``."""
        s = self._settings
        return prepare(sms_text(outgoing, s.sms_reply_to), unicode=s.sms_unicode, max_parts=s.sms_max_parts)

    def estimate_vnd(self, outgoing: Outgoing) -> int:
        try:
            return self.text(outgoing)[1].parts * self._settings.sms_cost_per_part_vnd
        except TooLong:
            return 0

    async def send(self, batch: Sequence[Outgoing]) -> list[Sent]:
        return list(await asyncio.gather(*(self._send_one(m) for m in batch)))

    async def _send_one(self, message: Outgoing) -> Sent:
        try:
            content, parts = self.text(message)
        except TooLong as exc:
            return Sent(message.delivery_id, SendStatus.REJECTED, error=str(exc))
        s = self._settings
        body: dict[str, Any] = {
            "ApiKey": s.sms_api_key,
            "SecretKey": s.sms_secret,
            "Phone": sms_phone(message.address),
            "Content": content,
            "Brandname": s.sms_brandname,
            "SmsType": "2",
            "IsUnicode": "1" if s.sms_unicode else "0",
            "RequestId": str(message.delivery_id),
        }
        if s.sms_callback_url:
            body["CallbackUrl"] = s.sms_callback_url
        try:
            async with self._limit:
                response = await self._client.post(self._url, json=body)
        except httpx.HTTPError as exc:
            return Sent(
                message.delivery_id,
                SendStatus.RETRY,
                parts=parts.parts,
                error=f"SMS gateway unreachable: {exc!r}"[:300],
            )
        if response.status_code == 429 or response.status_code >= 500:
            return Sent(message.delivery_id, SendStatus.RETRY, parts=parts.parts, error=f"HTTP {response.status_code}")
        try:
            answer: Any = response.json()
            code = str(answer.get("CodeResult", ""))
        except (ValueError, AttributeError):
            return Sent(
                message.delivery_id, SendStatus.RETRY, parts=parts.parts, error=f"HTTP {response.status_code}: not JSON"
            )
        if code in ("100", DUPLICATE):
            cost = parts.parts * s.sms_cost_per_part_vnd
            return Sent(message.delivery_id, SendStatus.SENT, str(answer.get("SMSID") or ""), cost, parts.parts)
        error = f"{code} {answer.get('ErrorMessage', '')}".strip()[:300]
        return Sent(message.delivery_id, STATUS.get(code, SendStatus.FAILED), parts=parts.parts, error=error)

    async def aclose(self) -> None:
        await self._client.aclose()
