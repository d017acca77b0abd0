"""A campaign's batch of points gifts becomes one message per member, under the consent rules."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from loyalty import campaigns
from loyalty.campaigns import lanes
from loyalty.schema import DomainEvent, Member
from notifications import consent, dispatcher, privacy
from notifications.config import NotifySettings
from notifications.senders import FcmSender
from notifications.tables import Delivery, InboxMessage
from tests.support.campaigns import launched_campaign
from tests.support.fake_fcm import FakeFcm
from tests.support.notifications import member_with_devices

MORNING = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)  # 10:00 in Hồ Chí Minh City


async def _named(name: str, *tokens: str, locale: str = "vi") -> int:
    member = await member_with_devices(*tokens, locale=locale)
    await Member.update({Member.name: name}).where(Member.id == member)
    return member


async def _gift_everyone(points: int) -> int:
    campaign_id = await launched_campaign(name="Tết", gift_points=points, run_at=MORNING - timedelta(minutes=1))
    return await campaigns.run_campaign(campaign_id, now=MORNING)


async def test_a_batch_of_gifts_reaches_each_member_in_their_language_under_consent(
    fake_fcm: FakeFcm, sender: FcmSender, settings: NotifySettings
) -> None:
    lan = await _named("Lan", "ok-lan")
    await consent.set_marketing(lan, {"push": True}, text_version="2026-11")
    tom = await _named("Tom", "ok-tom", locale="en")  # no marketing consent
    hoa = await _named("Hoa")  # no device: inbox only
    assert await _gift_everyone(1500) == 3
    small = dataclasses.replace(settings, event_batch=2)  # the batch's messages take two transactions
    with time_machine.travel(MORNING, tick=False):
        await dispatcher.drain(sender, small)
    rows = await InboxMessage.select(InboxMessage.member, InboxMessage.title, InboxMessage.body, InboxMessage.data)
    shown = {r["member"]: (r["title"], r["body"], json.loads(r["data"])) for r in rows}
    assert {m: s[:2] for m, s in shown.items()} == {
        lan: ("Quà cho Lan", "Tặng bạn 1.500 điểm"),
        tom: ("A gift for Tom", "Here are 1,500 points"),
        hoa: ("Quà cho Hoa", "Tặng bạn 1.500 điểm"),
    }
    assert shown[tom][2]["balance"] == "1,500" and shown[tom][2]["kind"] == "campaign_gift"
    deliveries = await Delivery.select(Delivery.member, Delivery.status, Delivery.last_error)
    assert {d["member"]: (d["status"], d["last_error"]) for d in deliveries} == {
        lan: ("sent", ""),
        tom: ("skipped", "no marketing consent"),
    }
    assert fake_fcm.tokens_sent() == ["ok-lan"]
    assert await DomainEvent.count().where(DomainEvent.processed_at.is_null()) == 0


async def test_a_gift_batch_seen_again_makes_no_second_message(settings: NotifySettings) -> None:
    for name in ("An", "Bình", "Chi"):
        await _named(name, f"ok-{name}")
    await _gift_everyone(10)
    small = dataclasses.replace(settings, event_batch=2)
    assert await dispatcher.materialize(small, now=MORNING) == 1  # two messages, one to come
    assert await InboxMessage.count() == 2
    assert await dispatcher.materialize(small, now=MORNING) == 1  # the last one; the batch is done
    # As if the commit marking it processed was lost: the batch comes round again.
    await DomainEvent.update({DomainEvent.processed_at: None}, force=True)
    assert await dispatcher.materialize(small, now=MORNING) == 1
    assert await InboxMessage.count() == 3
    assert await Delivery.count() == 3


async def test_a_member_erased_after_the_gift_gets_no_message(settings: NotifySettings) -> None:
    kept, gone = await _named("Lan", "ok-kept"), await _named("Hoa", "ok-gone")
    assert await _gift_everyone(10) == 2
    await privacy.erase(gone)
    assert await dispatcher.materialize(settings, now=MORNING) == 1
    rows = await InboxMessage.select(InboxMessage.member)
    assert [r["member"] for r in rows] == [kept]
    assert await DomainEvent.count().where(DomainEvent.processed_at.is_null()) == 0


async def test_gift_batches_whose_id_ranges_overlap_message_each_member_once(
    settings: NotifySettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On PostgreSQL two lanes' batches draw gift ids from one sequence at once, so their ranges of
    gift ids can overlap: each batch's member range keeps its messages to its own gifts."""
    monkeypatch.setattr(lanes, "GIVE_BATCH", 2)
    monkeypatch.setattr(lanes, "LANE_BATCHES", 1)
    for name in ("An", "Bình", "Chi", "Dũng"):
        await _named(name, f"ok-{name}")
    assert await _gift_everyone(10) == 4
    events = await DomainEvent.select(DomainEvent.id, DomainEvent.payload).order_by(DomainEvent.id)
    assert len(events) == 2
    payloads = [json.loads(e["payload"]) if isinstance(e["payload"], str) else e["payload"] for e in events]
    widest = (min(p["first_gift"] for p in payloads), max(p["last_gift"] for p in payloads))
    for event, payload in zip(events, payloads, strict=True):
        payload["first_gift"], payload["last_gift"] = widest  # as if their ids had interleaved
        await DomainEvent.update({DomainEvent.payload: json.dumps(payload)}).where(DomainEvent.id == event["id"])
    assert await dispatcher.materialize(settings, now=MORNING) == 2
    messages = await InboxMessage.select(InboxMessage.member, InboxMessage.event).order_by(InboxMessage.member)
    assert len(messages) == 4 and len({m["member"] for m in messages}) == 4
    for m in messages:
        payload = payloads[[e["id"] for e in events].index(m["event"])]
        assert payload["first_member"] <= m["member"] <= payload["last_member"]
