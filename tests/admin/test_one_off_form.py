"""The admin's "Send a message" form: it calls the domain function and answers in words."""

from __future__ import annotations

import httpx

from loyalty.events import EventKind
from loyalty.members import record_member
from loyalty.schema import AuditLog, DomainEvent
from tests.support.staff import sign_in

FORM = "/admin/api/forms/send-a-message/"


async def test_staff_send_a_notice_to_one_member_from_the_form(client: httpx.AsyncClient) -> None:
    await record_member("0907 222 333", "Chị Hà")
    headers = await sign_in(client)
    body = {"channel": "sms", "kind": "notice", "title": "Hàng đã về", "body": "Mời chị ghé Q1.", "phone": "0907222333"}
    sent = await client.post(FORM, headers=headers, json=body)
    assert sent.status_code == 200, sent.text
    assert "1 member" in sent.json()["custom_form_success"]
    assert await DomainEvent.count().where(DomainEvent.kind == EventKind.STAFF_NOTICE.value) == 1
    assert await AuditLog.count().where(AuditLog.action == "message.one_off") == 1

    unknown = await client.post(FORM, headers=headers, json={**body, "phone": "0907 000 444"})
    assert unknown.status_code == 422 and "phone" in unknown.json()["custom_form_error"]
    too_long = await client.post(FORM, headers=headers, json={**body, "body": "x" * 400})
    assert too_long.status_code == 422
    assert await DomainEvent.count().where(DomainEvent.kind == EventKind.STAFF_NOTICE.value) == 1
