"""Issue #16's routing defects, each pinned: a message whose allowed channels are all off still
gets a delivery row (failed, with the reason); a fallback to a channel this worker has no sender
for is queued for a worker that has it, not dropped; the channel list is defined once."""

from __future__ import annotations

import ast
import dataclasses
from datetime import UTC, datetime
from pathlib import Path

from loyalty import campaigns
from loyalty.audit import StaffActor
from loyalty.events import EventKind
from loyalty.members import CHANNELS
from loyalty.schema import Member
from notifications import consent, dispatcher, routing
from notifications.channels.base import Channel, SendStatus
from notifications.config import NotifySettings
from notifications.senders import ConsoleSender
from notifications.tables import Delivery
from tests.support.channel_senders import ScriptedSender, senders
from tests.support.notifications import event, member_with_devices

ROOT = Path(__file__).resolve().parents[2]
MORNING = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)  # 10:00 in Hồ Chí Minh City
SETTINGS = dataclasses.replace(NotifySettings(), max_attempts=3)
PUSH = ConsoleSender()


async def _phone(member: int) -> str:
    row = await Member.select(Member.phone).where(Member.id == member).first()
    assert row is not None
    return str(row["phone"])


async def _deliveries(member: int) -> list[dict[str, object]]:
    return list(
        await Delivery.select(
            Delivery.id, Delivery.channel, Delivery.status, Delivery.address, Delivery.last_error, Delivery.fallback_of
        )
        .where(Delivery.member == member)
        .order_by(Delivery.id)
    )


async def test_a_message_whose_only_channel_is_switched_off_gets_a_failed_delivery_with_the_reason() -> None:
    member = await member_with_devices("off-app")
    sent = await campaigns.send_one_off(
        StaffActor(None, "mai"), channel="sms", offer=True, title="Ưu đãi", body="Giảm 20%", phone=await _phone(member)
    )
    assert sent == 1
    # SMS has no sender anywhere: the offer may take SMS alone.
    await dispatcher.drain(PUSH, SETTINGS, now=MORNING, senders=senders(ScriptedSender(Channel.ZALO)))
    rows = await _deliveries(member)
    assert [(r["channel"], r["status"], r["last_error"]) for r in rows] == [
        ("sms", "failed", "undeliverable: sms switched off")
    ]
    assert rows[0]["address"] == await _phone(member)


async def test_a_fallback_to_a_channel_this_worker_lacks_waits_for_a_worker_that_has_it() -> None:
    member = await member_with_devices()
    phone = await _phone(member)
    # The deployment sends SMS (another worker has its sender); this worker has Zalo only.
    deployment = dataclasses.replace(SETTINGS, channels_on=frozenset({"zalo", "sms"}))
    zalo = ScriptedSender(Channel.ZALO, {phone: SendStatus.INVALID_ADDRESS})
    await event(EventKind.POINTS_EARNED, member, points=5, balance=5)
    await dispatcher.drain(PUSH, deployment, now=MORNING, senders=senders(zalo))
    rows = await _deliveries(member)
    assert [(r["channel"], r["status"]) for r in rows] == [("zalo", "failed"), ("sms", "pending")]
    assert rows[1]["fallback_of"] == rows[0]["id"]
    # The SMS worker sends it.
    sms = ScriptedSender(Channel.SMS)
    await dispatcher.drain(PUSH, deployment, now=MORNING, senders=senders(sms))
    assert [(r["channel"], r["status"]) for r in await _deliveries(member)] == [("zalo", "failed"), ("sms", "sent")]
    assert [o.address for o in sms.sent] == [phone]


def test_the_channels_a_setting_names_must_exist() -> None:
    assert NotifySettings.from_env({"NOTIFY_CHANNELS_ON": "Zalo, sms"}).channels_on == {"zalo", "sms"}
    assert NotifySettings.from_env({"SMTP_HOST": "mx", "MAIL_FROM": "a@b.vn"}).deployment_channels() == {
        "push",
        "email",
    }
    assert NotifySettings(channels_console=True).deployment_channels() == set(CHANNELS)
    try:
        NotifySettings.from_env({"NOTIFY_CHANNELS_ON": "fax"})
    except ValueError as refused:
        assert "fax" in str(refused)
    else:
        raise AssertionError("an unknown channel was accepted")


def test_the_channel_list_is_defined_once() -> None:
    assert tuple(Channel) == tuple(Channel(c) for c in CHANNELS) == routing.ORDER
    defined = []
    for package in ("loyalty", "notifications", "api", "admin"):
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Assign) and isinstance(node.value, ast.Tuple | ast.List | ast.Set):
                    values = {getattr(e, "value", None) for e in node.value.elts}
                    if {"push", "zalo", "sms", "email"} <= values:
                        defined.append(str(path.relative_to(ROOT)))
    assert defined == ["loyalty/members/accounts.py"]


async def test_marketing_falls_back_only_to_a_consented_channel_and_a_staff_offer_stays_on_its_own() -> None:
    both, zalo_only = await member_with_devices(), await member_with_devices()
    await consent.set_marketing(both, {"zalo": True, "sms": True}, text_version="2026-11")
    await consent.set_marketing(zalo_only, {"zalo": True}, text_version="2026-11")
    refused = {await _phone(both): SendStatus.INVALID_ADDRESS, await _phone(zalo_only): SendStatus.INVALID_ADDRESS}
    channel_senders = senders(ScriptedSender(Channel.ZALO, refused), ScriptedSender(Channel.SMS))
    for member in (both, zalo_only):
        await event(EventKind.CAMPAIGN_GIFT, member, campaign_id=1)
    await dispatcher.drain(PUSH, SETTINGS, now=MORNING, senders=channel_senders)
    assert [(r["channel"], r["status"]) for r in await _deliveries(both)] == [("zalo", "failed"), ("sms", "sent")]
    assert [(r["channel"], r["status"]) for r in await _deliveries(zalo_only)] == [("zalo", "failed")]

    offered = await member_with_devices()
    await consent.set_marketing(offered, {"zalo": True, "sms": True}, text_version="2026-11")
    phone = await _phone(offered)
    mai = StaffActor(None, "mai")
    await campaigns.send_one_off(mai, channel="zalo", offer=True, title="Ưu đãi", body="-20%", phone=phone)
    refusing = ScriptedSender(Channel.ZALO, {phone: SendStatus.INVALID_ADDRESS})
    refused_offer = senders(refusing, ScriptedSender(Channel.SMS))
    await dispatcher.drain(PUSH, SETTINGS, now=MORNING, senders=refused_offer)
    assert [(r["channel"], r["status"]) for r in await _deliveries(offered)] == [("zalo", "failed")]
