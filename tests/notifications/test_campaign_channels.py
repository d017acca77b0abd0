"""A campaign's channels and message budget: the estimate per channel before launch, a launch
over budget refused, sending stopped at the budget, and the results per channel."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import UTC, datetime, timedelta

import pytest

from loyalty import campaigns, db
from loyalty.campaigns.lifecycle import load_campaign
from loyalty.campaigns.message_cost import estimate
from loyalty.errors import InvalidInput
from loyalty.events import EventKind
from loyalty.schema import Campaign, Member
from loyalty.settings import MessagePrices
from notifications import consent, dispatcher, message_budget
from notifications.channels.base import Channel
from notifications.config import NotifySettings
from notifications.senders import ConsoleSender
from notifications.tables import Delivery
from tests.support.campaigns import campaign_values
from tests.support.channel_senders import ScriptedSender, senders
from tests.support.notifications import event, member_with_devices

MORNING = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)  # 10:00 in Hồ Chí Minh City
PRICES = MessagePrices(push_vnd=0, zalo_vnd=300, sms_per_part_vnd=800, email_vnd=0)
SETTINGS = dataclasses.replace(NotifySettings(), prices=PRICES, marketing_cap=10)


async def _members() -> dict[str, int]:
    """One member reachable by push, two by Zalo only, one by SMS only, one by nothing."""
    app = await member_with_devices("cc-app")
    await consent.set_marketing(app, {"push": True, "zalo": True}, text_version="2026-11")
    zalo = [await member_with_devices() for _ in range(2)]
    for member in zalo:
        await consent.set_marketing(member, {"zalo": True}, text_version="2026-11")
    sms = await member_with_devices()
    await consent.set_marketing(sms, {"sms": True}, text_version="2026-11")
    await Member.update({Member.preferred_channel: "sms"}).where(Member.id == sms)
    nobody = await member_with_devices()
    return {"app": app, "zalo_a": zalo[0], "zalo_b": zalo[1], "sms": sms, "nobody": nobody}


async def test_the_estimate_counts_each_member_on_the_channel_their_message_would_take() -> None:
    await _members()
    made = await campaigns.create_campaign(campaign_values(channels="sms, push ,zalo", message_budget_vnd=5000))
    stored = await load_campaign(made)
    assert stored.channels == "push,zalo,sms"  # kept in the routing order
    found = await estimate(stored, prices=PRICES)
    assert found.members == {"push": 1, "zalo": 2, "sms": 1}
    assert found.vnd == {"push": 0, "zalo": 600, "sms": 800} and found.total_vnd == 1400
    assert found.unreached == 1 and "total 1,400 đ" in found.line()
    push_only = await estimate(await load_campaign(await campaigns.create_campaign(campaign_values(name="P"))))
    assert push_only.members == {"push": 1} and push_only.unreached == 4


async def test_a_campaigns_channels_and_budget_are_checked() -> None:
    with pytest.raises(InvalidInput) as bad_channel:
        await campaigns.create_campaign(campaign_values(channels="push,fax"))
    assert bad_channel.value.data["field"] == "channels"
    with pytest.raises(InvalidInput) as bad_budget:
        await campaigns.create_campaign(campaign_values(message_budget_vnd=0))
    assert bad_budget.value.data["field"] == "message_budget_vnd"


async def test_a_launch_whose_estimate_is_over_the_message_budget_is_refused() -> None:
    await _members()
    made = await campaigns.create_campaign(campaign_values(channels="push,zalo,sms", message_budget_vnd=1000))
    with pytest.raises(InvalidInput) as refused:
        await campaigns.change_status(made, "launch", prices=PRICES)
    assert refused.value.data["field"] == "message_budget_vnd" and "1,400 đ" in str(refused.value)
    row = await Campaign.select(Campaign.status).where(Campaign.id == made).first()
    assert row is not None and row["status"] == "draft"
    await campaigns.update_campaign(made, {"message_budget_vnd": 1400})
    assert await campaigns.change_status(made, "launch", prices=PRICES) == "scheduled"


async def test_sending_stops_at_the_message_budget_and_results_show_each_channel() -> None:
    who = await _members()
    made = await campaigns.create_campaign(
        campaign_values(channels="push,zalo,sms", message_budget_vnd=1400, run_at=MORNING - timedelta(minutes=1))
    )
    assert await campaigns.change_status(made, "launch", prices=PRICES) == "scheduled"
    # After the launch the audience grew: one more Zalo member than the budget was set for.
    late = await member_with_devices()
    await consent.set_marketing(late, {"zalo": True}, text_version="2026-11")
    assert await campaigns.run_campaign(made, now=MORNING) == 6
    zalo = ScriptedSender(Channel.ZALO, cost_vnd=300)
    sms = ScriptedSender(Channel.SMS, cost_vnd=800)
    await dispatcher.drain(ConsoleSender(), SETTINGS, now=MORNING, senders=senders(zalo, sms))
    rows = await Delivery.select(Delivery.member, Delivery.channel, Delivery.status, Delivery.last_error)
    by_member = {r["member"]: (r["channel"], r["status"], r["last_error"]) for r in rows}
    skipped = [m for m, (_, status, error) in by_member.items() if error == "message budget"]
    assert len(skipped) == 1 and by_member[skipped[0]][0] == "zalo"
    assert by_member[who["app"]][:2] == ("push", "sent") and by_member[who["sms"]][:2] == ("sms", "sent")
    assert who["nobody"] not in by_member  # reachable on none of the campaign's channels
    spent = await Campaign.select(Campaign.message_cost_vnd).where(Campaign.id == made).first()
    assert spent is not None and spent["message_cost_vnd"] == 1400
    results = {r.channel: (r.deliveries, r.reached, r.cost_vnd) for r in await campaigns.channel_results(made)}
    assert results == {"push": (1, 1, 0), "zalo": (3, 2, 600), "sms": (1, 1, 800)}


async def test_a_campaign_without_push_never_pushes() -> None:
    app = await member_with_devices("cc-nopush")
    await consent.set_marketing(app, {"push": True}, text_version="2026-11")
    made = await campaigns.create_campaign(campaign_values(channels="zalo", run_at=MORNING - timedelta(minutes=1)))
    await campaigns.change_status(made, "launch")
    assert await campaigns.run_campaign(made, now=MORNING) == 1
    await dispatcher.drain(ConsoleSender(), SETTINGS, now=MORNING)
    # Zalo is off here: no push, and one failed Zalo row tells staff why nothing went.
    rows = await Delivery.select(Delivery.channel, Delivery.status, Delivery.last_error)
    assert rows == [{"channel": "zalo", "status": "failed", "last_error": "undeliverable: zalo switched off"}]


@pytest.mark.postgres_only
async def test_two_workers_counting_the_same_campaigns_in_opposite_orders_never_deadlock() -> None:
    first = await campaigns.create_campaign(campaign_values(name="A", message_budget_vnd=10_000))
    second = await campaigns.create_campaign(campaign_values(name="B", message_budget_vnd=10_000))
    # Deliveries of B, A, A, B: the first worker's batch meets B first, the second's A first.
    for campaign in (second, first, first, second):
        who = await member_with_devices(f"cc-lock-{campaign}-{await Delivery.count()}")
        await consent.set_marketing(who, {"push": True}, text_version="2026-11")
        await event(EventKind.CAMPAIGN_GIFT, who, campaign_id=campaign)
        await dispatcher.materialize(SETTINGS, now=MORNING)
    ids = [int(r["id"]) for r in await Delivery.select(Delivery.id).order_by(Delivery.id)]
    assert len(ids) == 4
    prices = dataclasses.replace(PRICES, push_vnd=100)
    locked, release = asyncio.Event(), asyncio.Event()

    async def hold_first() -> None:
        async with db.write_transaction():
            await db.fetch("SELECT id FROM campaign WHERE id = $1 FOR UPDATE", first)
            locked.set()
            await release.wait()

    async def count(batch: list[int]) -> list[int]:
        async with db.write_transaction():
            go, _ = await message_budget.within_budget(batch, prices)
            return go

    async def waiting(n: int) -> None:
        for _ in range(500):
            if (await db.fetch_tuples("SELECT COUNT(*) FROM pg_locks WHERE NOT granted"))[0][0] >= n:
                return
            await asyncio.sleep(0.01)
        raise AssertionError(f"fewer than {n} transactions waiting for a lock")

    holder = asyncio.create_task(hold_first())
    await locked.wait()
    a_first = asyncio.create_task(count(ids[2:]))  # waits for A
    await waiting(1)
    b_first = asyncio.create_task(count(ids[:2]))  # must not take B before A
    await waiting(2)
    release.set()
    await holder
    done = await asyncio.wait_for(asyncio.gather(a_first, b_first), 30)
    assert sorted(done[0] + done[1]) == ids
    spent = {r["id"]: r["message_cost_vnd"] for r in await Campaign.select(Campaign.id, Campaign.message_cost_vnd)}
    assert spent == {first: 200, second: 200}
