"""Which channel a message takes: preferred or first usable channel, fallback once per channel,
marketing only where consented, the cap and quiet hours across channels, receipts, costs, and a
worker killed mid-batch on a channel other than push."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import UTC, datetime, timedelta

from loyalty.events import EventKind
from loyalty.schema import Member
from notifications import channel_sending, consent, dispatcher, routing
from notifications.channels.base import Channel, SendStatus
from notifications.config import NotifySettings
from notifications.receipts_apply import apply_receipt
from notifications.senders import ConsoleSender
from notifications.tables import Delivery, DeliveryStatus, Device
from tests.support.channel_senders import ScriptedSender, senders
from tests.support.notifications import event, member_with_devices

MORNING = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)  # 10:00 in Hồ Chí Minh City
EVENING = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)  # 22:00
EIGHT = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)
SETTINGS = dataclasses.replace(NotifySettings(), max_attempts=3, backoff_base_s=1.0, fallback_after_s=600.0)
PUSH = ConsoleSender()


async def phone_of(member: int) -> str:
    row = await Member.select(Member.phone).where(Member.id == member).first()
    assert row is not None
    return str(row["phone"])


async def deliveries(member: int) -> list[dict[str, object]]:
    return list(
        await Delivery.select(
            Delivery.id,
            Delivery.channel,
            Delivery.status,
            Delivery.address,
            Delivery.cost_vnd,
            Delivery.parts,
            Delivery.fallback_of,
            Delivery.last_error,
        )
        .where(Delivery.member == member)
        .order_by(Delivery.id)
    )


def channels_and_statuses(rows: list[dict[str, object]]) -> list[tuple[object, object]]:
    return [(r["channel"], r["status"]) for r in rows]


async def test_a_transactional_message_takes_push_when_the_member_has_the_app() -> None:
    member = await member_with_devices("route-app")
    zalo = ScriptedSender(Channel.ZALO)
    await event(EventKind.POINTS_EARNED, member, points=5, balance=5)
    await dispatcher.drain(PUSH, SETTINGS, now=MORNING, senders=senders(zalo))
    assert channels_and_statuses(await deliveries(member)) == [("push", "sent")]
    assert zalo.sent == []


async def test_without_the_app_it_takes_the_first_usable_channel_and_records_its_cost() -> None:
    member = await member_with_devices()
    zalo = ScriptedSender(Channel.ZALO, cost_vnd=300)
    sms = ScriptedSender(Channel.SMS, cost_vnd=750)
    await event(EventKind.POINTS_EARNED, member, points=5, balance=5)
    await dispatcher.drain(PUSH, SETTINGS, now=MORNING, senders=senders(zalo, sms))
    rows = await deliveries(member)
    assert channels_and_statuses(rows) == [("zalo", "sent")]
    assert rows[0]["address"] == await phone_of(member) and rows[0]["cost_vnd"] == 300
    assert [o.address for o in zalo.sent] == [await phone_of(member)] and sms.sent == []


async def test_the_preferred_channel_comes_first_and_an_off_channel_is_passed_over() -> None:
    member = await member_with_devices("route-pref")
    await Member.update({Member.preferred_channel: "email", Member.email: "lan@example.vn"}).where(Member.id == member)
    sms = ScriptedSender(Channel.SMS, cost_vnd=750, parts=2)
    await event(EventKind.POINTS_EARNED, member, points=5, balance=5)
    # E-mail has no sender (off): the order goes on with push.
    await dispatcher.drain(PUSH, SETTINGS, now=MORNING, senders=senders(sms))
    assert channels_and_statuses(await deliveries(member)) == [("push", "sent")]

    other = await member_with_devices("route-pref-2")
    await Member.update({Member.preferred_channel: "sms"}).where(Member.id == other)
    email = ScriptedSender(Channel.EMAIL)
    await event(EventKind.POINTS_EARNED, other, points=5, balance=5)
    await dispatcher.drain(PUSH, SETTINGS, now=MORNING, senders=senders(sms, email))
    rows = await deliveries(other)
    assert channels_and_statuses(rows) == [("sms", "sent")]
    assert (rows[0]["cost_vnd"], rows[0]["parts"]) == (750, 2)


async def test_email_is_delivered_when_the_smtp_server_accepts_it() -> None:
    member = await member_with_devices()
    await Member.update({Member.preferred_channel: "email", Member.email: "minh@example.vn"}).where(Member.id == member)
    email = ScriptedSender(Channel.EMAIL)
    await event(EventKind.POINTS_EARNED, member, points=5, balance=5)
    await dispatcher.drain(PUSH, SETTINGS, now=MORNING, senders=senders(email))
    assert channels_and_statuses(await deliveries(member)) == [("email", "delivered")]
    assert [o.address for o in email.sent] == ["minh@example.vn"]


async def test_a_channel_that_fails_for_good_falls_back_to_the_next_once() -> None:
    member = await member_with_devices()
    phone = await phone_of(member)
    zalo = ScriptedSender(Channel.ZALO, {phone: SendStatus.INVALID_ADDRESS})
    sms = ScriptedSender(Channel.SMS, {phone: SendStatus.REJECTED})
    email = ScriptedSender(Channel.EMAIL)
    await event(EventKind.POINTS_EARNED, member, points=5, balance=5)
    await dispatcher.drain(PUSH, SETTINGS, now=MORNING, senders=senders(zalo, sms, email))
    rows = await deliveries(member)
    # No e-mail address: after SMS nothing is left, and nothing is tried twice.
    assert channels_and_statuses(rows) == [("zalo", "failed"), ("sms", "failed")]
    assert rows[1]["fallback_of"] == rows[0]["id"]
    assert len(zalo.sent) == 1 and len(sms.sent) == 1 and email.sent == []


async def test_push_falls_back_when_the_device_signs_out_before_it_is_sent() -> None:
    member = await member_with_devices("route-gone")
    zalo = ScriptedSender(Channel.ZALO)
    await event(EventKind.POINTS_EARNED, member, points=5, balance=5)
    await dispatcher.materialize(SETTINGS, now=MORNING, channels={Channel.PUSH, Channel.ZALO})
    await Device.update({Device.active: False}).where(Device.member == member)
    await dispatcher.drain(PUSH, SETTINGS, now=MORNING, senders=senders(zalo))
    rows = await deliveries(member)
    assert channels_and_statuses(rows) == [("push", "skipped"), ("zalo", "sent")]
    assert rows[1]["fallback_of"] == rows[0]["id"]


async def test_a_message_pushed_to_two_phones_falls_back_only_when_both_failed() -> None:
    member = await member_with_devices("route-a", "route-b")
    on = {Channel.PUSH, Channel.ZALO}
    await event(EventKind.POINTS_EARNED, member, points=5, balance=5)
    await dispatcher.materialize(SETTINGS, now=MORNING, channels=on)
    first, second = (r["id"] for r in await deliveries(member))
    await Delivery.update({Delivery.status: "failed"}).where(Delivery.id == first)
    assert await dispatcher.fall_back(SETTINGS, on, now=MORNING) == 0
    await Delivery.update({Delivery.status: "failed"}).where(Delivery.id == second)
    assert await dispatcher.fall_back(SETTINGS, on, now=MORNING) == 1
    assert [r["channel"] for r in await deliveries(member)] == ["push", "push", "zalo"]


async def test_two_workers_falling_back_at_once_make_one_delivery() -> None:
    member = await member_with_devices()
    on = {Channel.PUSH, Channel.ZALO, Channel.SMS}
    await event(EventKind.POINTS_EARNED, member, points=5, balance=5)
    await dispatcher.materialize(SETTINGS, now=MORNING, channels=on)
    await Delivery.update({Delivery.status: "failed"}).where(Delivery.member == member)
    made = await asyncio.gather(*(dispatcher.fall_back(SETTINGS, on, now=MORNING) for _ in range(2)))
    assert sorted(made) == [0, 1]
    assert channels_and_statuses(await deliveries(member)) == [("zalo", "failed"), ("sms", "pending")]
    assert await dispatcher.fall_back(SETTINGS, on, now=MORNING) == 0


async def test_zalo_or_sms_without_a_receipt_in_time_falls_back() -> None:
    member = await member_with_devices()
    zalo, sms = ScriptedSender(Channel.ZALO), ScriptedSender(Channel.SMS)
    await event(EventKind.POINTS_EARNED, member, points=5, balance=5)
    await dispatcher.drain(PUSH, SETTINGS, now=MORNING, senders=senders(zalo, sms))
    assert channels_and_statuses(await deliveries(member)) == [("zalo", "sent")]
    await dispatcher.drain(PUSH, SETTINGS, now=MORNING + timedelta(seconds=599), senders=senders(zalo, sms))
    assert sms.sent == []
    await dispatcher.drain(PUSH, SETTINGS, now=MORNING + timedelta(seconds=600), senders=senders(zalo, sms))
    assert channels_and_statuses(await deliveries(member)) == [("zalo", "sent"), ("sms", "sent")]


async def test_receipts_move_sent_to_delivered_or_failed_and_a_failed_one_falls_back() -> None:
    member = await member_with_devices()
    other = await member_with_devices()
    zalo, sms = ScriptedSender(Channel.ZALO), ScriptedSender(Channel.SMS)
    for who in (member, other):
        await event(EventKind.POINTS_EARNED, who, points=5, balance=5)
    await dispatcher.drain(PUSH, SETTINGS, now=MORNING, senders=senders(zalo, sms))
    ok, bad = [f"zalo-{(await deliveries(who))[0]['id']}" for who in (member, other)]
    on = {Channel.PUSH, Channel.ZALO, Channel.SMS}
    later = MORNING + timedelta(seconds=30)
    assert await apply_receipt(Channel.ZALO, ok, True, "", later, settings=SETTINGS, channels=on) is not None
    assert await apply_receipt(Channel.ZALO, ok, False, "late", later, settings=SETTINGS, channels=on) is None
    assert await apply_receipt(Channel.SMS, ok, True, "", later, settings=SETTINGS, channels=on) is None
    assert await apply_receipt(Channel.ZALO, bad, False, "user blocked OA", later, settings=SETTINGS, channels=on)
    assert channels_and_statuses(await deliveries(member)) == [("zalo", "delivered")]
    row = await Delivery.select(Delivery.delivered_at).where(Delivery.member == member).first()
    assert row is not None and row["delivered_at"] == later
    rows = await deliveries(other)
    assert channels_and_statuses(rows) == [("zalo", "failed"), ("sms", "pending")]
    assert rows[0]["last_error"] == "receipt: user blocked OA"


async def test_marketing_goes_only_where_that_channels_consent_was_given() -> None:
    member = await member_with_devices("route-mkt")
    await consent.set_marketing(member, {"push": False, "sms": True}, text_version="2026-11")
    zalo, sms = ScriptedSender(Channel.ZALO), ScriptedSender(Channel.SMS)
    await event(EventKind.CAMPAIGN_GIFT, member, campaign_id=1)
    await dispatcher.drain(PUSH, SETTINGS, now=MORNING, senders=senders(zalo, sms))
    assert channels_and_statuses(await deliveries(member)) == [("sms", "sent")]
    assert zalo.sent == []

    nobody = await member_with_devices("route-mkt-none")
    await event(EventKind.CAMPAIGN_GIFT, nobody, campaign_id=1)
    await dispatcher.drain(PUSH, SETTINGS, now=MORNING, senders=senders(zalo, sms))
    rows = await deliveries(nobody)
    assert channels_and_statuses(rows) == [("push", "skipped")] and rows[0]["last_error"] == "no marketing consent"


async def test_the_cap_and_quiet_hours_count_messages_across_channels() -> None:
    member = await member_with_devices("route-cap")
    await consent.set_marketing(member, {"push": True, "zalo": True, "sms": True}, text_version="2026-11")
    channel_senders = senders(ScriptedSender(Channel.ZALO), ScriptedSender(Channel.SMS))
    capped = dataclasses.replace(SETTINGS, marketing_cap=2)
    for n, preferred in enumerate(("push", "zalo", "sms")):
        await Member.update({Member.preferred_channel: preferred}).where(Member.id == member)
        await event(EventKind.CAMPAIGN_GIFT, member, campaign_id=n)
        await dispatcher.materialize(capped, now=EVENING, channels=set(channel_senders) | {Channel.PUSH})
    # 22:00: all three wait, whatever their channel.
    await dispatcher.drain(PUSH, capped, now=EVENING, senders=channel_senders)
    assert [r["status"] for r in await deliveries(member)] == ["held", "held", "held"]
    await dispatcher.drain(PUSH, capped, now=EIGHT, senders=channel_senders)
    rows = await deliveries(member)
    assert channels_and_statuses(rows) == [("push", "sent"), ("zalo", "sent"), ("sms", "skipped")]
    assert str(rows[2]["last_error"]).startswith("frequency cap: 2 marketing messages")


async def test_a_worker_killed_mid_batch_on_zalo_loses_nothing_and_repeats_at_most_that_batch() -> None:
    small = dataclasses.replace(SETTINGS, send_batch=2)
    members = [await member_with_devices() for _ in range(3)]
    for who in members:
        await event(EventKind.POINTS_EARNED, who, points=5, balance=5)
    await dispatcher.materialize(small, now=MORNING, channels={Channel.PUSH, Channel.ZALO})
    # The first worker claims a batch, sends it, and dies before writing the answers.
    dying = ScriptedSender(Channel.ZALO)
    claimed = await channel_sending.claim(Channel.ZALO, small, now=MORNING)
    await dying.send([c.outgoing for c in claimed])
    assert len(claimed) == 2
    # Another worker, once the lease is over, sends everything still pending.
    survivor = ScriptedSender(Channel.ZALO)
    after_lease = MORNING + timedelta(seconds=small.lease_s)
    await dispatcher.drain(PUSH, small, now=after_lease, senders=senders(survivor))
    statuses = [r["status"] for who in members for r in await deliveries(who)]
    assert statuses == ["sent", "sent", "sent"]
    sent_ids = [o.delivery_id for o in dying.sent + survivor.sent]
    assert set(sent_ids) == {r["id"] for who in members for r in await deliveries(who)}
    assert len(sent_ids) - len(set(sent_ids)) <= small.send_batch


async def test_a_batch_of_messages_off_push_gets_one_delivery_each_written_many_rows_a_statement() -> None:
    # More members than one INSERT takes (routing.ROWS_PER_INSERT): the rows go in chunks.
    members = [await member_with_devices() for _ in range(routing.ROWS_PER_INSERT + 20)]
    for member in members:
        await event(EventKind.POINTS_EARNED, member, points=5, balance=5)
    made = await dispatcher.materialize(SETTINGS, now=MORNING, channels={Channel.PUSH, Channel.ZALO})
    assert made == len(members)
    rows = await Delivery.select(Delivery.member, Delivery.channel, Delivery.status, Delivery.address, Delivery.message)
    assert sorted(r["member"] for r in rows) == sorted(members)
    assert {(r["channel"], r["status"]) for r in rows} == {("zalo", "pending")}
    assert [r["address"] for r in rows] == [await phone_of(r["member"]) for r in rows]
    # The same plans again (another worker, a retry) make nothing: one delivery per (message, channel).
    plans = [
        routing.Plan(r["message"], r["member"], "transactional", Channel.ZALO, r["address"], DeliveryStatus.PENDING)
        for r in rows
    ]
    assert await routing.insert(plans, MORNING) == 0
    assert await Delivery.count() == len(members)
