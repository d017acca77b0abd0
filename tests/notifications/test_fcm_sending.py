"""Pushes through firebase-admin's real HTTP path against the local fake FCM server."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from loyalty.events import EventKind
from notifications import dispatcher
from notifications.config import NotifySettings
from notifications.senders import FcmSender
from notifications.tables import Delivery, Device
from tests.support.fake_fcm import FakeFcm
from tests.support.notifications import event, member_with_devices, statuses

T0 = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)  # 10:00 in Hồ Chí Minh City


async def test_points_earned_reaches_fcm_with_an_access_token_from_the_service_account(
    fake_fcm: FakeFcm, sender: FcmSender, settings: NotifySettings
) -> None:
    member = await member_with_devices("ok-phone-1")
    await event(EventKind.POINTS_EARNED, member, points=1200, balance=3400)
    await dispatcher.drain(sender, settings, now=T0)
    [sent] = fake_fcm.sends
    assert sent.status == 200 and sent.token == "ok-phone-1"
    assert sent.message["notification"] == {
        "title": "Bạn vừa nhận 1.200 điểm",
        "body": "Số dư hiện tại: 3.400 điểm. Cảm ơn bạn đã mua sắm!",
    }
    assert sent.message["data"]["kind"] == "points_earned"
    assert fake_fcm.token_requests >= 1
    assert await statuses() == {"ok-phone-1": "sent"}


async def test_unregistered_token_is_deactivated_and_gets_nothing_more(
    fake_fcm: FakeFcm, sender: FcmSender, settings: NotifySettings
) -> None:
    member = await member_with_devices("unregistered-1", "ok-2")
    await event(EventKind.POINTS_EARNED, member, points=10, balance=10)
    await dispatcher.drain(sender, settings, now=T0)
    assert await statuses() == {"unregistered-1": "failed", "ok-2": "sent"}
    device = await Device.objects().get(Device.token == "unregistered-1")
    assert device is not None and not device.active and device.deactivated_reason == "unregistered"
    await event(EventKind.POINTS_EARNED, member, points=5, balance=15)
    await dispatcher.drain(sender, settings, now=T0)
    assert fake_fcm.tokens_sent(404) == ["unregistered-1"]
    assert fake_fcm.tokens_sent(200) == ["ok-2", "ok-2"]


async def test_invalid_argument_fails_the_delivery_and_keeps_the_token_unless_the_payload_proved_good(
    fake_fcm: FakeFcm, sender: FcmSender, settings: NotifySettings
) -> None:
    alone = await member_with_devices("invalid-alone")
    paired = await member_with_devices("invalid-paired", "ok-paired")
    await event(EventKind.POINTS_EARNED, alone, points=1, balance=1)
    await event(EventKind.POINTS_EARNED, paired, points=1, balance=1)
    await dispatcher.drain(sender, settings, now=T0)
    assert await statuses() == {"invalid-alone": "failed", "invalid-paired": "failed", "ok-paired": "sent"}
    failed = await Delivery.select(Delivery.last_error).where(Delivery.status == "failed")
    assert all("INVALID_ARGUMENT" in r["last_error"] for r in failed)
    active = {r["token"]: r["active"] for r in await Device.select(Device.token, Device.active)}
    assert active == {"invalid-alone": True, "invalid-paired": False, "ok-paired": True}


async def test_429_is_retried_no_sooner_than_retry_after_then_sent(
    fake_fcm: FakeFcm, sender: FcmSender, settings: NotifySettings
) -> None:
    member = await member_with_devices("quota-1")
    await event(EventKind.VOUCHER_ISSUED, member, code="ABC123", valid_until="2026-12-31T00:00:00+00:00")
    await dispatcher.drain(sender, settings, now=T0)
    row = await Delivery.objects().first()
    assert row is not None and row.status == "pending" and row.attempts == 1
    assert row.next_attempt_at >= T0 + timedelta(seconds=2)
    assert "RESOURCE_EXHAUSTED" in row.last_error
    await dispatcher.drain(sender, settings, now=T0 + timedelta(seconds=1))
    assert len(fake_fcm.sends) == 1  # not due yet
    await dispatcher.drain(sender, settings, now=row.next_attempt_at)
    assert await statuses() == {"quota-1": "sent"}
    assert [r.status for r in fake_fcm.sends] == [429, 200]


async def test_503_is_retried_with_backoff_then_fails_with_the_error_kept(
    fake_fcm: FakeFcm, sender: FcmSender, settings: NotifySettings
) -> None:
    member = await member_with_devices("unavailable-1")
    await event(EventKind.TIER_CHANGED, member, to_tier="gold", direction="up")
    waits = []
    now = T0
    for _ in range(settings.max_attempts):
        await dispatcher.drain(sender, settings, now=now)
        row = await Delivery.objects().first()
        assert row is not None
        waits.append(row.next_attempt_at - now)
        now = row.next_attempt_at
    assert row is not None and row.status == "failed" and row.attempts == settings.max_attempts
    assert "gave up after 3 attempts" in row.last_error and "UNAVAILABLE" in row.last_error
    assert [r.status for r in fake_fcm.sends] == [503, 503, 503]
    # Exponential: the second wait is longer than the first could ever be (jitter is ½–1×).
    assert timedelta(seconds=0.5) <= waits[0] <= timedelta(seconds=1) < waits[1] <= timedelta(seconds=2)
