"""Zalo ZNS: a registered template message to a phone number, through Zalo's Notification Service.

Rules:

* ``POST {ZALO_API_URL}/message/template`` with header ``access_token`` and JSON ``{phone
  (84… without +), template_id, template_data, tracking_id}``; Zalo answers ``{"error": 0,
  "message": "Success", "data": {"msg_id", "sent_time", "quota": {...}}}``. ``msg_id`` is the
  provider id the delivery webhook names; ``tracking_id`` is our delivery id.
* Error codes, per Zalo's table "Cách xử lý mã lỗi" (zalo.cloud/zns/guidelines/handle-error-code):
  -108 phone invalid, -118 Zalo account not existed, -119 account cannot receive ZNS, -139 user
  refused ZNS → invalid_address; -109 template id invalid, -111/-112 template data empty/invalid,
  -113 button invalid, -116 text invalid, -117 no permission for the template, -131 template not
  approved → rejected; -115 out of quota, -144 daily quota exceeded → over_quota; -100 unknown
  error, HTTP 429/5xx and network trouble → retry; -101…-107 (the app or OA misconfigured) and
  anything else → failed. -124 (access token invalid or expired): the token is refreshed once
  (``zalo_token``) and those messages sent again; refused again → retry later.
* Each message sent costs ``ZALO_COST_VND`` (Zalo bills ZNS per message); nothing else costs.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import httpx

from notifications.channels.base import Channel, Outgoing, SendStatus, Sent
from notifications.channels.templates import zns_data, zns_template_id
from notifications.channels.zalo_token import ZaloAuthError, ZaloTokens
from notifications.config import NotifySettings

TOKEN_EXPIRED = -124
INVALID_ADDRESS = {-108, -118, -119, -139}
REJECTED = {-109, -111, -112, -113, -116, -117, -131}
OVER_QUOTA = {-115, -144}
RETRYABLE = {-100}


def zalo_phone(address: str) -> str:
    digits = "".join(ch for ch in address if ch.isdigit())
    return "84" + digits[1:] if digits.startswith("0") else digits


class ZaloZnsSender:
    channel = Channel.ZALO

    def __init__(self, settings: NotifySettings, *, concurrency: int = 16, timeout_s: float = 10.0) -> None:
        if not (settings.zalo_app_id and settings.zalo_secret_key):
            raise ValueError("Zalo needs ZALO_APP_ID and ZALO_SECRET_KEY")
        self._settings = settings
        self._client = httpx.AsyncClient(timeout=timeout_s)
        self._url = f"{settings.zalo_api_url}/message/template"
        self._limit = asyncio.Semaphore(concurrency)
        self.tokens = ZaloTokens(
            path=settings.zalo_token_file,
            app_id=settings.zalo_app_id,
            secret_key=settings.zalo_secret_key,
            refresh_token=settings.zalo_refresh_token,
            oauth_url=settings.zalo_oauth_url,
            client=self._client,
        )

    def estimate_vnd(self, outgoing: Outgoing) -> int:
        return self._settings.zalo_cost_vnd

    async def send(self, batch: Sequence[Outgoing]) -> list[Sent]:
        try:
            token = await self.tokens.access_token()
        except ZaloAuthError as exc:
            return [Sent(m.delivery_id, SendStatus.RETRY, retry_after_s=300.0, error=str(exc)) for m in batch]
        first = await asyncio.gather(*(self._send_one(m, token) for m in batch))
        done = {m.delivery_id: r for m, r in zip(batch, first, strict=True) if r is not None}
        expired = [m for m, r in zip(batch, first, strict=True) if r is None]
        if expired:
            try:
                token = await self.tokens.refresh(stale=token)
            except ZaloAuthError as exc:
                for m in expired:
                    done[m.delivery_id] = Sent(m.delivery_id, SendStatus.RETRY, retry_after_s=300.0, error=str(exc))
            else:
                again = await asyncio.gather(*(self._send_one(m, token) for m in expired))
                for m, r in zip(expired, again, strict=True):
                    done[m.delivery_id] = r or Sent(
                        m.delivery_id, SendStatus.RETRY, retry_after_s=300.0, error="Zalo refused a fresh access token"
                    )
        return [done[m.delivery_id] for m in batch]

    async def _send_one(self, message: Outgoing, token: str) -> Sent | None:
        """The outcome, or None when Zalo says the access token is invalid or expired."""
        body = {
            "phone": zalo_phone(message.address),
            "template_id": zns_template_id(message.kind, self._settings.zalo_templates),
            "template_data": zns_data(message),
            "tracking_id": str(message.delivery_id),
        }
        try:
            async with self._limit:
                response = await self._client.post(self._url, headers={"access_token": token}, json=body)
        except httpx.HTTPError as exc:
            return Sent(message.delivery_id, SendStatus.RETRY, error=f"Zalo unreachable: {exc!r}"[:300])
        if response.status_code == 429 or response.status_code >= 500:
            return Sent(
                message.delivery_id,
                SendStatus.RETRY,
                retry_after_s=_retry_after(response),
                error=f"HTTP {response.status_code}",
            )
        try:
            answer: Any = response.json()
            code = int(answer.get("error", -100))
        except (ValueError, AttributeError, TypeError):
            return Sent(message.delivery_id, SendStatus.RETRY, error=f"HTTP {response.status_code}: not JSON")
        if code == TOKEN_EXPIRED:
            return None
        text = f"{code} {answer.get('message', '')}".strip()
        if code == 0:
            data = answer.get("data") or {}
            return Sent(message.delivery_id, SendStatus.SENT, str(data.get("msg_id", "")), self._settings.zalo_cost_vnd)
        return Sent(message.delivery_id, _status(code), error=text[:300])

    async def aclose(self) -> None:
        await self._client.aclose()


def _status(code: int) -> SendStatus:
    if code in INVALID_ADDRESS:
        return SendStatus.INVALID_ADDRESS
    if code in REJECTED:
        return SendStatus.REJECTED
    if code in OVER_QUOTA:
        return SendStatus.OVER_QUOTA
    if code in RETRYABLE:
        return SendStatus.RETRY
    return SendStatus.FAILED


def _retry_after(response: httpx.Response) -> float | None:
    try:
        return float(response.headers.get("Retry-After", ""))
    except ValueError:
        return None
