"""The providers' delivery receipts over HTTP, signed as the providers sign them: Zalo's
X-ZEvent-Signature (sha256 of app id + body + timestamp + OA secret) and the SMS gateway's
HMAC-SHA256; a bad signature is refused and changes nothing."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime

import httpx
import pytest

from api.controllers import callbacks
from loyalty.events import EventKind
from loyalty.schema import Member
from notifications import dispatcher
from notifications.channels.base import Channel
from notifications.channels.receipts import sign_sms_callback, sign_zalo_callback
from notifications.config import NotifySettings
from notifications.senders import ConsoleSender
from notifications.tables import Delivery
from tests.support.channel_senders import ScriptedSender, senders
from tests.support.notifications import event, member_with_devices

APP_ID, OA_SECRET, SMS_SECRET = "4321", "oa-secret", "sms-secret"
MORNING = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _receipt_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    configured = dataclasses.replace(
        callbacks.SETTINGS, zalo_app_id=APP_ID, zalo_oa_secret_key=OA_SECRET, sms_callback_secret=SMS_SECRET
    )
    monkeypatch.setattr(callbacks, "SETTINGS", configured)


async def _sent_on(channel: Channel) -> int:
    member = await member_with_devices()
    if channel is Channel.SMS:
        await Member.update({Member.preferred_channel: "sms"}).where(Member.id == member)
    await event(EventKind.POINTS_EARNED, member, points=5, balance=5)
    chosen = senders(ScriptedSender(Channel.ZALO), ScriptedSender(Channel.SMS))
    await dispatcher.drain(ConsoleSender(), NotifySettings(), now=MORNING, senders=chosen)
    row = await Delivery.select(Delivery.id, Delivery.channel).where(Delivery.member == member).first()
    assert row is not None and row["channel"] == channel.value
    return int(row["id"])


async def _status(delivery: int) -> str:
    row = await Delivery.select(Delivery.status).where(Delivery.id == delivery).first()
    assert row is not None
    return str(row["status"])


async def test_a_signed_zalo_receipt_marks_the_message_delivered(client: httpx.AsyncClient) -> None:
    delivery = await _sent_on(Channel.ZALO)
    timestamp = "1764550000000"
    body = json.dumps(
        {
            "app_id": APP_ID,
            "event_name": "user_received_message",
            "timestamp": timestamp,
            "message": {"msg_id": f"zalo-{delivery}", "delivery_time": timestamp},
        }
    ).encode()
    forged = await client.post(
        "/api/v1/callbacks/zalo",
        content=body,
        headers={"Content-Type": "application/json", "X-ZEvent-Signature": "mac=" + "0" * 64},
    )
    assert forged.status_code == 401 and await _status(delivery) == "sent"
    signature = sign_zalo_callback(body, APP_ID, timestamp, OA_SECRET)
    answer = await client.post(
        "/api/v1/callbacks/zalo",
        content=body,
        headers={"Content-Type": "application/json", "X-ZEvent-Signature": signature},
    )
    assert answer.status_code == 200 and answer.json() == {"applied": True}
    assert await _status(delivery) == "delivered"


async def test_a_signed_sms_report_of_failure_fails_the_delivery(client: httpx.AsyncClient) -> None:
    delivery = await _sent_on(Channel.SMS)
    body = json.dumps({"SMSID": f"sms-{delivery}", "SendStatus": "6", "ErrorInfo": "subscriber off"}).encode()
    bad = await client.post("/api/v1/callbacks/sms", content=body, headers={"X-Signature": "sha256=00"})
    assert bad.status_code == 401 and await _status(delivery) == "sent"
    signed = {"Content-Type": "application/json", "X-Signature": sign_sms_callback(body, SMS_SECRET)}
    answer = await client.post("/api/v1/callbacks/sms", content=body, headers=signed)
    assert answer.status_code == 200 and answer.json() == {"applied": True}
    assert await _status(delivery) == "failed"
    again = await client.post("/api/v1/callbacks/sms", content=body, headers=signed)
    assert again.json() == {"applied": False}  # already decided: nothing changes
