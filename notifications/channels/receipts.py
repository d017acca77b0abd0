"""Delivery receipts: a Zalo webhook or an SMS delivery report, verified, as one :class:`Receipt`.

Rules:

* Zalo signs each webhook with ``X-ZEvent-Signature: mac=<hex sha256(app_id + body + timestamp +
  OA secret key)>`` (Zalo OA webhook documentation, "Xác thực webhook"): ``body`` is the raw
  request body as sent, ``timestamp`` the body's own ``timestamp`` field, the secret the OA's
  (``ZALO_OA_SECRET_KEY``). ZNS reports delivery as the event ``user_received_message`` with
  ``message.msg_id`` (our provider id) and ``message.delivery_time`` (ms).
* The SMS gateway's report is signed by the shared ``SMS_CALLBACK_SECRET``: header
  ``X-Signature: sha256=<hex HMAC-SHA256(body)>``. Its body carries eSMS's callback fields:
  ``SMSID`` (our provider id), ``SendStatus`` (5 delivered; any other final status failed) and
  ``ErrorInfo``.
* A customer's reply to the brand name (an inbound SMS, "MO") comes signed the same way as the
  SMS delivery report; its body names the sender (``Phone``) and the text (``Content``), with the
  gateway's id of it (``MoId``) when it gives one (:func:`verify_sms_inbound`).
* A bad or missing signature, a channel without its secret, or a body that is not the expected
  JSON raises :class:`BadCallback` (answer 4xx). A well-signed event that is not a delivery
  receipt (a follow, a user's reply) raises :class:`NotAReceipt` (a ``BadCallback``): answer 200
  so the provider stops retrying, and change nothing. Comparison is constant-time.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from notifications.channels.base import Channel
from notifications.config import NotifySettings

ZALO_SIGNATURE = "x-zevent-signature"
SMS_SIGNATURE = "x-signature"
ZALO_DELIVERED = "user_received_message"
SMS_DELIVERED = {"5"}


class BadCallback(ValueError):
    """A callback that is not from the provider, or not readable: refuse it."""


class NotAReceipt(BadCallback):
    """A genuine provider event that says nothing about a delivery: acknowledge and ignore it."""


@dataclass(frozen=True)
class Receipt:
    channel: Channel
    provider_id: str
    delivered: bool
    error: str
    at: datetime


def verify_zalo_callback(headers: Mapping[str, str], body: bytes, settings: NotifySettings) -> Receipt:
    if not (settings.zalo_app_id and settings.zalo_oa_secret_key):
        raise BadCallback("Zalo webhooks are not configured (ZALO_APP_ID, ZALO_OA_SECRET_KEY)")
    event = _json(body)
    timestamp = str(event.get("timestamp", ""))
    if str(event.get("app_id", "")) != settings.zalo_app_id or not timestamp:
        raise BadCallback("Zalo webhook for another app, or without a timestamp")
    signed = settings.zalo_app_id + body.decode("utf-8") + timestamp + settings.zalo_oa_secret_key
    expected = "mac=" + hashlib.sha256(signed.encode("utf-8")).hexdigest()
    given = _header(headers, ZALO_SIGNATURE)
    if not given.startswith("mac="):
        given = "mac=" + given
    if not hmac.compare_digest(given.lower(), expected):
        raise BadCallback("bad Zalo webhook signature")
    if event.get("event_name") != ZALO_DELIVERED:
        raise NotAReceipt(f"Zalo event {str(event.get('event_name'))[:60]!r} is not a delivery receipt")
    message = event.get("message")
    if not isinstance(message, dict) or not message.get("msg_id"):
        raise BadCallback("Zalo delivery receipt without message.msg_id")
    at = _millis(message.get("delivery_time")) or _millis(timestamp) or datetime.now(UTC)
    return Receipt(Channel.ZALO, str(message["msg_id"]), True, "", at)


def verify_sms_callback(headers: Mapping[str, str], body: bytes, settings: NotifySettings) -> Receipt:
    _check_sms_signature(headers, body, settings)
    report = _json(body)
    provider_id = str(report.get("SMSID") or "")
    status = str(report.get("SendStatus", ""))
    if not provider_id or not status:
        raise BadCallback("SMS delivery report without SMSID or SendStatus")
    delivered = status in SMS_DELIVERED
    error = "" if delivered else f"{status} {report.get('ErrorInfo') or ''}".strip()[:300]
    return Receipt(Channel.SMS, provider_id, delivered, error, datetime.now(UTC))


@dataclass(frozen=True)
class Inbound:
    """An SMS a customer sent to the brand name."""

    phone: str
    text: str
    provider_id: str


def verify_sms_inbound(headers: Mapping[str, str], body: bytes, settings: NotifySettings) -> Inbound:
    """A signed inbound SMS; :class:`BadCallback` when it does not verify, :class:`NotAnInbound`
    when it verifies but does not name a sender and a text."""
    _check_sms_signature(headers, body, settings)
    mo = _json(body)
    phone = str(mo.get("Phone") or mo.get("phone") or "").strip()
    text = mo.get("Content", mo.get("content"))
    if not phone or not isinstance(text, str):
        raise NotAnInbound("inbound SMS without Phone or Content")
    return Inbound(phone[:32], text[:1000], str(mo.get("MoId") or mo.get("RequestId") or "")[:100])


class NotAnInbound(ValueError):
    """A signed inbound SMS whose body lacks the sender or the text: refuse it as bad input."""


def _check_sms_signature(headers: Mapping[str, str], body: bytes, settings: NotifySettings) -> None:
    if not settings.sms_callback_secret:
        raise BadCallback("SMS callbacks are not configured (SMS_CALLBACK_SECRET)")
    expected = "sha256=" + hmac.new(settings.sms_callback_secret.encode(), body, hashlib.sha256).hexdigest()
    given = _header(headers, SMS_SIGNATURE)
    if not given.startswith("sha256="):
        given = "sha256=" + given
    if not hmac.compare_digest(given.lower(), expected):
        raise BadCallback("bad SMS callback signature")


def sign_sms_callback(body: bytes, secret: str) -> str:
    """The header value a gateway (or a test) sends: ``sha256=<hex>``."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def sign_zalo_callback(body: bytes, app_id: str, timestamp: str, oa_secret_key: str) -> str:
    return "mac=" + hashlib.sha256((app_id + body.decode("utf-8") + timestamp + oa_secret_key).encode()).hexdigest()


def _header(headers: Mapping[str, str], name: str) -> str:
    for key, value in headers.items():
        if key.lower() == name:
            return value.strip()
    raise BadCallback(f"missing {name} header")


def _json(body: bytes) -> dict[str, Any]:
    try:
        loaded = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise BadCallback(f"callback body is not JSON: {exc}") from exc
    if not isinstance(loaded, dict):
        raise BadCallback("callback body is not a JSON object")
    return loaded


def _millis(value: Any) -> datetime | None:
    try:
        return datetime.fromtimestamp(int(str(value)) / 1000, UTC)
    except (ValueError, OverflowError, OSError):
        return None
