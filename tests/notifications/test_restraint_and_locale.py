"""Consent, quiet hours (frozen clock), the frequency cap, locale and safe rendering."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import time_machine

from loyalty.events import EventKind
from loyalty.schema import DomainEvent
from notifications import consent, dispatcher, messages
from notifications.config import NotifySettings
from notifications.senders import FcmSender
from notifications.tables import Delivery, InboxMessage
from tests.support.fake_fcm import FakeFcm
from tests.support.notifications import event, member_with_devices, statuses

# 22:00 and 07:59 / 08:00 / 10:00 in Hồ Chí Minh City (UTC+7).
EVENING = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
BEFORE_EIGHT = datetime(2026, 11, 24, 0, 59, tzinfo=UTC)
EIGHT = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)
MORNING = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)


async def _opt_in(member_id: int) -> None:
    await consent.set_marketing(member_id, {"push": True}, text_version="2026-11")


async def test_marketing_without_opt_in_stays_in_the_inbox_and_is_never_pushed(
    fake_fcm: FakeFcm, sender: FcmSender, settings: NotifySettings
) -> None:
    member = await member_with_devices("ok-silent")
    await event(EventKind.CAMPAIGN_GIFT, member, campaign_id=7)
    with time_machine.travel(MORNING, tick=False):
        await dispatcher.drain(sender, settings)
    assert await InboxMessage.count() == 1
    row = await Delivery.objects().first()
    assert row is not None and row.status == "skipped" and row.last_error == "no marketing consent"
    assert fake_fcm.sends == []


async def test_marketing_waits_out_quiet_hours_in_the_members_zone_and_transactional_does_not(
    fake_fcm: FakeFcm, sender: FcmSender, settings: NotifySettings
) -> None:
    member = await member_with_devices("ok-evening")
    await _opt_in(member)
    with time_machine.travel(EVENING, tick=False):
        await event(EventKind.POINTS_EXPIRING_SOON, member, points=300, expires_on="2026-12-01")
        await event(EventKind.POINTS_EARNED, member, points=5, balance=5)
        await dispatcher.drain(sender, settings)
    assert [r.message["data"]["kind"] for r in fake_fcm.sends] == ["points_earned"]
    assert await InboxMessage.count() == 2  # the held push's message is already in the inbox
    held = await Delivery.objects().where(Delivery.purpose == "marketing").first()
    assert held is not None and held.status == "held" and held.next_attempt_at == EIGHT
    with time_machine.travel(BEFORE_EIGHT, tick=False):
        await dispatcher.drain(sender, settings)
    assert len(fake_fcm.sends) == 1
    with time_machine.travel(EIGHT, tick=False):
        await dispatcher.drain(sender, settings)
    assert [r.message["data"]["kind"] for r in fake_fcm.sends] == ["points_earned", "points_expiring_soon"]
    assert fake_fcm.sends[1].message["notification"]["title"] == "300 điểm sắp hết hạn"


async def test_quiet_hours_follow_the_members_own_time_zone(settings: NotifySettings) -> None:
    # 15:00 UTC is 22:00 in Hồ Chí Minh City but 15:00 in London.
    assert consent.quiet_until(EVENING, "Asia/Ho_Chi_Minh", settings) == EIGHT
    assert consent.quiet_until(EVENING, "Europe/London", settings) is None
    assert consent.quiet_until(EVENING, "Not/AZone", settings) == EIGHT  # falls back to the default zone


async def test_frequency_cap_skips_the_fourth_marketing_push_in_seven_days(
    fake_fcm: FakeFcm, sender: FcmSender, settings: NotifySettings
) -> None:
    member = await member_with_devices("ok-capped-a", "ok-capped-b")
    await _opt_in(member)
    with time_machine.travel(MORNING, tick=False):
        for n in range(5):
            await event(EventKind.CAMPAIGN_GIFT, member, campaign_id=n)
        await dispatcher.drain(sender, settings)
    rows = await Delivery.select(Delivery.status, Delivery.last_error).order_by(Delivery.message, Delivery.id)
    assert [r["status"] for r in rows] == ["sent"] * 6 + ["skipped"] * 4  # 3 messages × 2 devices pass
    assert all(r["last_error"].startswith("frequency cap") for r in rows[6:])
    assert await InboxMessage.count() == 5
    with time_machine.travel(MORNING + timedelta(days=7, minutes=1), tick=False):
        await event(EventKind.CAMPAIGN_GIFT, member, campaign_id=99)
        await dispatcher.drain(sender, settings)
    assert len(fake_fcm.tokens_sent()) == 8


async def test_messages_speak_the_members_language(sender: FcmSender, settings: NotifySettings) -> None:
    vi = await member_with_devices("ok-vi")
    en = await member_with_devices("ok-en", locale="en")
    for member in (vi, en):
        await event(EventKind.TIER_CHANGED, member, to_tier="Vàng", direction="up")
    await dispatcher.drain(sender, settings)
    titles = {r["member"]: r["title"] for r in await InboxMessage.select(InboxMessage.member, InboxMessage.title)}
    assert titles == {vi: "Hạng thành viên mới: Vàng", en: "Your new tier: Vàng"}


def test_rendering_is_safe_clipped_and_falls_back_when_values_are_missing() -> None:
    sneaky = messages.render("tier_changed", {"to_tier": "{x.__class__} $balance", "balance": 5}, "en")
    assert sneaky is not None and sneaky.title == "Your new tier: {x.__class__} $balance"
    missing = messages.render("points_earned", {}, "vi")
    assert missing is not None and missing.title == "Bạn vừa nhận điểm thưởng"
    huge = messages.render("campaign_gift", {"title_en": "Gift", "body_en": "x" * 10_000}, "en")
    assert huge is not None and messages.push_size(huge.title, huge.body, huge.data) <= 4096
    assert messages.render("no_such_kind", {}, "vi") is None
    assert messages.TEMPLATES["points_earned"].purpose == messages.TRANSACTIONAL
    assert messages.TEMPLATES["campaign_gift"].purpose == messages.MARKETING


async def test_an_event_seen_twice_makes_one_message_and_one_delivery(settings: NotifySettings) -> None:
    member = await member_with_devices("ok-once")
    await event(EventKind.POINTS_EARNED, member, points=1, balance=1)
    assert await dispatcher.materialize(settings) == 1
    # As if a worker crashed after its commit was lost: the event comes round again.
    await DomainEvent.update({DomainEvent.processed_at: None}, force=True)
    assert await dispatcher.materialize(settings) == 1
    assert await InboxMessage.count() == 1
    assert await statuses() == {"ok-once": "pending"}
    row = await InboxMessage.select(InboxMessage.data).first()
    assert row is not None and json.loads(row["data"])["kind"] == "points_earned"


def test_tier_change_names_the_tier_in_the_members_language() -> None:
    payload = {"to_tier": "gold", "to_tier_name_vi": "Vàng", "to_tier_name_en": "Gold", "direction": "up"}
    vi = messages.render("tier_changed", payload, "vi")
    en = messages.render("tier_changed", payload, "en")
    assert vi is not None and vi.title == "Hạng thành viên mới: Vàng"
    assert en is not None and en.title == "Your new tier: Gold"
