"""Delivery receipts: verified by their signature, refused without it."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from notifications.channels import Channel
from notifications.channels.receipts import (
    BadCallback,
    NotAReceipt,
    sign_sms_callback,
    sign_zalo_callback,
    verify_sms_callback,
    verify_zalo_callback,
)
from notifications.config import NotifySettings

SETTINGS = replace(
    NotifySettings(), zalo_app_id="app-1", zalo_oa_secret_key="oa-secret", sms_callback_secret="cb-secret"
)


def zalo_event(event_name: str = "user_received_message") -> bytes:
    return json.dumps(
        {
            "app_id": "app-1",
            "event_name": event_name,
            "timestamp": "1700000005000",
            "recipient": {"id": "246"},
            "message": {"msg_id": "zns-1", "delivery_time": "1700000004000"},
        }
    ).encode()


def test_a_signed_zalo_receipt_is_read() -> None:
    body = zalo_event()
    headers = {"X-ZEvent-Signature": sign_zalo_callback(body, "app-1", "1700000005000", "oa-secret")}
    receipt = verify_zalo_callback(headers, body, SETTINGS)
    assert (receipt.channel, receipt.provider_id, receipt.delivered) == (Channel.ZALO, "zns-1", True)
    assert receipt.at.timestamp() == 1700000004


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-ZEvent-Signature": "mac=00"},
        {"X-ZEvent-Signature": sign_zalo_callback(zalo_event(), "app-1", "1700000005000", "wrong")},
    ],
)
def test_a_zalo_webhook_without_the_right_signature_is_refused(headers: dict[str, str]) -> None:
    with pytest.raises(BadCallback):
        verify_zalo_callback(headers, zalo_event(), SETTINGS)


def test_a_tampered_zalo_body_is_refused_and_other_events_are_not_receipts() -> None:
    body = zalo_event()
    signature = sign_zalo_callback(body, "app-1", "1700000005000", "oa-secret")
    with pytest.raises(BadCallback):
        verify_zalo_callback({"x-zevent-signature": signature}, body.replace(b"zns-1", b"zns-2"), SETTINGS)
    follow = zalo_event("follow")
    with pytest.raises(NotAReceipt):
        verify_zalo_callback(
            {"x-zevent-signature": sign_zalo_callback(follow, "app-1", "1700000005000", "oa-secret")}, follow, SETTINGS
        )
    with pytest.raises(BadCallback):
        verify_zalo_callback({"x-zevent-signature": signature}, body, replace(SETTINGS, zalo_oa_secret_key=None))


def test_sms_reports_delivered_and_failed() -> None:
    ok = json.dumps({"SMSID": "sms-1", "SendStatus": 5}).encode()
    receipt = verify_sms_callback({"X-Signature": sign_sms_callback(ok, "cb-secret")}, ok, SETTINGS)
    assert (receipt.channel, receipt.provider_id, receipt.delivered, receipt.error) == (Channel.SMS, "sms-1", True, "")
    failed = json.dumps({"SMSID": "sms-2", "SendStatus": "3", "ErrorInfo": "Subscriber absent"}).encode()
    receipt = verify_sms_callback({"x-signature": sign_sms_callback(failed, "cb-secret")}, failed, SETTINGS)
    assert not receipt.delivered and receipt.error == "3 Subscriber absent"


@pytest.mark.parametrize("body", [b"not json", b"[]", json.dumps({"SendStatus": 5}).encode()])
def test_malformed_sms_reports_are_refused(body: bytes) -> None:
    with pytest.raises(BadCallback):
        verify_sms_callback({"X-Signature": sign_sms_callback(body, "cb-secret")}, body, SETTINGS)


def test_an_sms_report_with_a_bad_signature_is_refused() -> None:
    body = json.dumps({"SMSID": "sms-1", "SendStatus": 5}).encode()
    for headers in ({}, {"X-Signature": sign_sms_callback(body, "other")}):
        with pytest.raises(BadCallback):
            verify_sms_callback(headers, body, SETTINGS)
    with pytest.raises(BadCallback):
        verify_sms_callback(
            {"X-Signature": sign_sms_callback(body, "cb-secret")}, body, replace(SETTINGS, sms_callback_secret=None)
        )
