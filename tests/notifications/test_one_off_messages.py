"""A one-off message staff send to a member or a VIP group, on the channel they chose."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import Any

import pytest

from loyalty import campaigns
from loyalty.audit import StaffActor
from loyalty.errors import InvalidInput, NotFound
from loyalty.schema import AuditLog, Member
from notifications import consent, dispatcher
from notifications.channels.base import Channel
from notifications.config import NotifySettings
from notifications.senders import ConsoleSender
from notifications.tables import Delivery, InboxMessage
from tests.support.channel_senders import ScriptedSender, senders
from tests.support.notifications import member_with_devices

MORNING = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)  # 10:00 in Hồ Chí Minh City
SETTINGS = dataclasses.replace(NotifySettings(), max_attempts=3)
MAI = StaffActor(None, "mai")


async def _phone(member: int) -> str:
    row = await Member.select(Member.phone).where(Member.id == member).first()
    assert row is not None
    return str(row["phone"])


async def _channels(member: int) -> list[tuple[str, str]]:
    rows = await Delivery.select(Delivery.channel, Delivery.status).where(Delivery.member == member)
    return [(str(r["channel"]), str(r["status"])) for r in rows]


async def test_a_notice_goes_on_the_chosen_channel_even_when_the_app_is_there() -> None:
    member = await member_with_devices("one-off-app")
    zalo, sms = ScriptedSender(Channel.ZALO), ScriptedSender(Channel.SMS)
    sent = await campaigns.send_one_off(
        MAI,
        channel="sms",
        offer=False,
        title="Hàng đã về",
        body="Đơn hàng của bạn đã về cửa hàng Q1.",
        phone=await _phone(member),
    )
    assert sent == 1
    await dispatcher.drain(ConsoleSender(), SETTINGS, now=MORNING, senders=senders(zalo, sms))
    assert await _channels(member) == [("sms", "sent")]
    assert [o.address for o in sms.sent] == [await _phone(member)] and zalo.sent == []
    assert "Đơn hàng của bạn đã về" in sms.sent[0].body
    inbox = await InboxMessage.select(InboxMessage.kind, InboxMessage.title).where(InboxMessage.member == member)
    assert inbox == [{"kind": "staff_notice", "title": "Hàng đã về"}]
    audit = await AuditLog.select(AuditLog.action, AuditLog.staff_username, AuditLog.target).first()
    assert audit == {"action": "message.one_off", "staff_username": "mai", "target": "member"}


async def test_an_offer_to_a_vip_group_reaches_only_those_who_agreed_on_that_channel() -> None:
    agreed, silent = await member_with_devices(), await member_with_devices()
    await consent.set_marketing(agreed, {"zalo": True}, text_version="2026-12")
    await consent.set_marketing(silent, {"sms": True}, text_version="2026-12")
    group = await campaigns.create_group("Khách thân", actor=MAI)
    await campaigns.add_phones(group, f"{await _phone(agreed)}\n{await _phone(silent)}", actor=MAI)
    zalo, sms = ScriptedSender(Channel.ZALO), ScriptedSender(Channel.SMS)
    sent = await campaigns.send_one_off(
        MAI, channel="zalo", offer=True, title="Giảm 20%", body="Cuối tuần này tại mọi cửa hàng.", vip_group=group
    )
    assert sent == 2
    await dispatcher.drain(ConsoleSender(), SETTINGS, now=MORNING, senders=senders(zalo, sms))
    assert await _channels(agreed) == [("zalo", "sent")]
    assert ("zalo", "sent") not in await _channels(silent) and sms.sent == []  # no Zalo consent: not on SMS either


async def test_bad_one_off_messages_are_refused_and_write_nothing() -> None:
    member = await member_with_devices()
    phone = await _phone(member)
    cases: list[dict[str, Any]] = [
        {"channel": "fax", "phone": phone},
        {"channel": "sms", "phone": phone, "vip_group": 1},
        {"channel": "sms"},
        {"channel": "sms", "phone": phone, "body": "x" * 400},
        {"channel": "push", "phone": phone, "title": "  "},
    ]
    for case in cases:
        values = {"offer": False, "title": "Tin", "body": "Nội dung", **case}
        with pytest.raises(InvalidInput):
            await campaigns.send_one_off(MAI, **values)
    with pytest.raises(NotFound):
        await campaigns.send_one_off(MAI, channel="push", offer=False, title="Tin", body="x", vip_group=999)
    assert await AuditLog.count() == 0
