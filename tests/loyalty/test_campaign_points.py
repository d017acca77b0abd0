"""Points runs on lanes: cut once, given once, by several workers at once, resumable after a crash."""

from __future__ import annotations

import asyncio
import contextvars
from typing import Any

import pytest

from loyalty import campaigns, points
from loyalty.campaigns import gift_points as campaign_points
from loyalty.campaigns import lanes
from loyalty.db import fetch
from loyalty.db.engines import is_sqlite, write_transaction
from loyalty.points.check import check
from loyalty.schema import Campaign, CampaignGift, CampaignLane, CampaignRun, LedgerEntry, Member
from tests.support.campaigns import NOW, launched_campaign, ledger_holds, member


@pytest.fixture
def small_lanes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Batches of 2 members and lanes of 2 batches, so a handful of members makes several lanes."""
    monkeypatch.setattr(lanes, "GIVE_BATCH", 2)
    monkeypatch.setattr(lanes, "LANE_BATCHES", 2)


async def _lanes(campaign_id: int) -> list[dict[str, Any]]:
    return list(
        await CampaignLane.select(CampaignLane.number, CampaignLane.cursor, CampaignLane.high, CampaignLane.done_at)
        .where(CampaignLane.run.campaign == campaign_id)
        .order_by(CampaignLane.number)
    )


async def test_the_audience_is_cut_into_lanes_of_whole_batches_the_last_open_ended(small_lanes: None) -> None:
    people = [await member() for _ in range(9)]
    await member(name="gone", erased_at=NOW)
    campaign_id = await launched_campaign()
    assert await campaigns.run_campaign(campaign_id, now=NOW) == 9
    lanes = await _lanes(campaign_id)
    # Four audience members per lane: lanes end at the 4th and 8th member (the erased one is skipped).
    assert [(lane["cursor"], lane["high"]) for lane in lanes] == [
        (people[3], people[3]),
        (people[7], people[7]),
        (people[8], None),
    ]
    assert all(lane["done_at"] is not None for lane in lanes)
    run = await CampaignRun.select(CampaignRun.selected, CampaignRun.selected_at).first()
    assert run is not None and run["selected"] == 9 and run["selected_at"] is not None
    assert await LedgerEntry.count() == 9
    for m in people:
        await ledger_holds(m)


async def test_a_member_who_joins_during_the_run_is_in_the_last_lane(small_lanes: None) -> None:
    for _ in range(5):
        await member()
    campaign_id = await launched_campaign()
    assert await campaigns.run_campaign(campaign_id, now=NOW, max_batches=1) == 2
    late = await member(name="late")
    assert await campaigns.run_campaign(campaign_id, now=NOW) == 4
    assert await CampaignGift.count().where(CampaignGift.member == late) == 1


async def test_workers_on_lanes_give_everyone_exactly_once(small_lanes: None) -> None:
    people = [await member() for _ in range(15)]
    campaign_id = await launched_campaign()
    results = await asyncio.gather(*(campaigns.run_campaign(campaign_id, now=NOW) for _ in range(3)))
    assert sum(results) == 15
    gifts = await CampaignGift.select(CampaignGift.member).where(CampaignGift.status == "given")
    assert sorted(g["member"] for g in gifts) == people
    assert all(lane["done_at"] is not None for lane in await _lanes(campaign_id))
    campaign = await Campaign.select(Campaign.status, Campaign.gifts_issued).where(Campaign.id == campaign_id).first()
    assert campaign == {"status": "finished", "gifts_issued": 15}
    report = await check(progress=False)
    assert report.ok, report.breaches


async def test_a_batch_that_fails_leaves_its_lane_to_the_next_run(
    small_lanes: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    people = [await member() for _ in range(10)]
    campaign_id = await launched_campaign()
    real = campaign_points._record_given
    calls = 0

    async def dies_on_the_third_batch(*args: Any, **kwargs: Any) -> tuple[int, int]:
        nonlocal calls
        calls += 1
        if calls == 3:
            raise RuntimeError("worker killed")
        return await real(*args, **kwargs)

    monkeypatch.setattr(campaign_points, "_record_given", dies_on_the_third_batch)
    with pytest.raises(RuntimeError, match="worker killed"):
        await campaigns.run_campaign(campaign_id, now=NOW)
    given = await CampaignGift.count()
    # What landed before the failure stays (whole batches); the failed batch left nothing.
    assert given < 10 and given % 2 == 0 and await LedgerEntry.count() == given
    assert any(lane["done_at"] is None for lane in await _lanes(campaign_id))
    if not is_sqlite():
        # The other worker ended its batch and gave its connection back: none is left mid-transaction.
        stuck = await Member.raw(
            "SELECT COUNT(*) AS n FROM pg_stat_activity WHERE datname = current_database() "
            "AND state LIKE 'idle in transaction%' AND pid <> pg_backend_pid()"
        )
        assert stuck[0]["n"] == 0
    monkeypatch.setattr(campaign_points, "_record_given", real)
    assert await campaigns.run_campaign(campaign_id, now=NOW) == 10 - given
    gifts = await CampaignGift.select(CampaignGift.member)
    assert sorted(g["member"] for g in gifts) == people
    for m in people:
        await ledger_holds(m)


async def test_the_budget_running_out_mid_lane_refuses_the_rest_of_every_lane(small_lanes: None) -> None:
    people = [await member() for _ in range(12)]
    campaign_id = await launched_campaign(max_gifts=5)
    assert await campaigns.run_campaign(campaign_id, now=NOW) == 5
    given = await CampaignGift.select(CampaignGift.member).where(CampaignGift.status == "given")
    refused = await CampaignGift.select(CampaignGift.member).where(CampaignGift.status == "over_budget")
    assert len(given) == 5 and sorted(g["member"] for g in given + refused) == people
    assert all(lane["done_at"] is not None for lane in await _lanes(campaign_id))
    campaign = await Campaign.select(Campaign.status, Campaign.gifts_issued).where(Campaign.id == campaign_id).first()
    assert campaign == {"status": "finished", "gifts_issued": 5}
    for m in people:
        await ledger_holds(m)


@pytest.mark.postgres_only
async def test_a_lane_held_by_one_worker_does_not_hold_up_another(small_lanes: None) -> None:
    """While one worker's batch is in flight on a lane (its transaction open, the lane locked),
    another worker gives the next lane instead of waiting."""
    people = [await member() for _ in range(8)]
    campaign_id = await launched_campaign()
    assert await campaigns.run_campaign(campaign_id, now=NOW, max_batches=0) == 0  # lanes planned
    run = await CampaignRun.select(CampaignRun.id).where(CampaignRun.campaign == campaign_id).first()
    assert run is not None
    async with write_transaction():
        await fetch("SELECT id FROM campaign_lane WHERE run = $1 AND number = 0 FOR UPDATE", run["id"])
        # A fresh context: the other worker has its own transaction and connection.
        other = asyncio.create_task(
            campaigns.run_campaign(campaign_id, now=NOW, max_batches=1), context=contextvars.Context()
        )
        assert await asyncio.wait_for(other, timeout=30) == 2
    gifts = await CampaignGift.select(CampaignGift.member).order_by(CampaignGift.member)
    assert [g["member"] for g in gifts] == people[4:6]


@pytest.mark.postgres_only
async def test_members_changed_while_a_batch_waits_for_them_are_read_again(small_lanes: None) -> None:
    """A batch waits for the members another transaction holds. When that one commits, a member
    who earned meanwhile is credited from the new balance (the guarded balance move passes), and a
    member erased meanwhile is left out: the batch takes the next member of the lane instead."""
    people = [await member() for _ in range(4)]
    campaign_id = await launched_campaign()
    assert await campaigns.run_campaign(campaign_id, now=NOW, max_batches=0) == 0  # lanes planned
    async with write_transaction():
        await points.credit(people[0], 30, kind=points.Kind.EARN, reference="earn-while-gifting", now=NOW)
        await Member.update({Member.erased_at: NOW}).where(Member.id == people[1])
        batch = asyncio.create_task(
            campaigns.run_campaign(campaign_id, now=NOW, max_batches=1), context=contextvars.Context()
        )
        for _ in range(300):  # until the batch waits on a member this transaction holds
            if await fetch("SELECT 1 AS waiting FROM pg_locks WHERE NOT granted LIMIT 1") or batch.done():
                break
            await asyncio.sleep(0.01)
        assert not batch.done(), "the batch should wait for the members held here"
    assert await asyncio.wait_for(batch, timeout=30) == 2
    gifts = await CampaignGift.select(CampaignGift.member).order_by(CampaignGift.member)
    assert [g["member"] for g in gifts] == [people[0], people[2]]
    rows = await Member.select(Member.points_balance).where(Member.id.is_in(people)).order_by(Member.id)
    assert [r["points_balance"] for r in rows] == [30 + 50, 0, 50, 0]
    for m in people:
        await ledger_holds(m)
    report = await check(progress=False)
    assert report.ok, report.breaches
