"""The lanes of a points run: cut once, taken one worker at a time, ended together.

Rules and invariants:

* When a run starts, its members are cut once into *lanes* (:class:`~loyalty.schema.CampaignLane`):
  consecutive ranges of ``LANE_BATCHES × GIVE_BATCH`` member ids, the last one without an upper
  end (so a member who joins during the run is still in it). :func:`plan_lanes` does it under
  the run's lock; a second call finds the lanes made.
* A batch takes a lane nobody holds (:func:`take_lane`: ``FOR UPDATE SKIP LOCKED`` on
  PostgreSQL; SQLite's IMMEDIATE transaction serialises writers) and holds it until it commits.
* The run is done (``selected_at``) when its last lane is; lanes end under the run's lock
  (:func:`end_run_if_all_lanes_done`), so two lanes ending at once cannot both miss it.
* Once the budget is spent, :func:`refuse_the_rest` takes every lane (waiting for the batches in
  flight), records the rest of the audience ``over_budget`` set-wise, ends the run and finishes
  the campaign.
"""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from piccolo.query.functions.aggregate import Max, Min

from loyalty import db
from loyalty.campaigns.audience import Audience
from loyalty.campaigns.gifts import GiftSpec, budget_left
from loyalty.campaigns.lifecycle import finish_campaign
from loyalty.schema import CampaignLane, GiftStatus, Member

GIVE_BATCH = 20_000  # one write transaction: short enough not to hold SQLite's one write lock for long
LANE_BATCHES = 5  # a lane spans this many batches of member ids: enough lanes for workers to share


class Lane(NamedTuple):
    id: int
    campaign: int
    occurrence: str
    cursor: int
    high: int | None


async def plan_lanes(run_id: int, *, now: datetime) -> None:
    """Cut the run's members (after the run's cursor) into lanes of ``LANE_BATCHES × GIVE_BATCH``
    member ids, once. By id, not by audience: it costs two index lookups instead of a pass over
    the audience, and a lane holding little of the audience is quick to give."""
    async with db.write_transaction():
        run = await db.fetchrow(f"SELECT cursor, selected_at FROM campaign_run WHERE id = $1{db.for_update()}", run_id)
        if run is None or run["selected_at"] is not None:
            return
        if await CampaignLane.exists().where(CampaignLane.run == run_id):
            return
        cursor = int(run["cursor"])
        span = await Member.select(Min(Member.id, alias="low"), Max(Member.id, alias="high")).where(Member.id > cursor)
        low, high = span[0]["low"], span[0]["high"]
        start = cursor if low is None else int(low) - 1
        size = LANE_BATCHES * GIVE_BATCH
        bounds = list(range(start, cursor if high is None else int(high), size))
        firsts = bounds or [start]
        await CampaignLane.insert(
            *(
                CampaignLane(
                    run=run_id,
                    number=number,
                    cursor=first,
                    high=firsts[number + 1] if number + 1 < len(firsts) else None,
                    given=0,
                    done_at=None,
                    created_at=now,
                )
                for number, first in enumerate(firsts)
            )
        )


async def take_lane(run_id: int) -> Lane | None:
    """The run's first lane that is not done and that no other worker holds, locked until commit."""
    row = await db.fetchrow(
        "SELECT l.id, r.campaign, r.occurrence, l.cursor, l.high FROM campaign_lane l "
        "JOIN campaign_run r ON r.id = l.run WHERE l.run = $1 AND l.done_at IS NULL "
        f"ORDER BY l.number LIMIT 1{db.skip_locked('l')}",
        run_id,
    )
    if row is None:
        return None
    high = None if row["high"] is None else int(row["high"])
    return Lane(int(row["id"]), int(row["campaign"]), str(row["occurrence"]), int(row["cursor"]), high)


async def move_lane(lane: Lane, *, cursor: int, given: int, done: bool, now: datetime) -> None:
    """The lane's cursor after a batch, and its end when the batch reached it."""
    await CampaignLane.update(
        {
            CampaignLane.cursor: cursor,
            CampaignLane.given: CampaignLane.given + given,
            CampaignLane.done_at: now if done else None,
        }
    ).where(CampaignLane.id == lane.id)


async def end_run_if_all_lanes_done(run_id: int, now: datetime) -> None:
    """Called by a batch that ended its lane. The run's lock makes two lanes ending at once take
    turns, so the second sees the first's lane done and ends the run."""
    await db.fetch(f"SELECT id FROM campaign_run WHERE id = $1{db.for_update()}", run_id)
    await db.execute(
        "UPDATE campaign_run SET selected_at = $1, selected = (SELECT COALESCE(SUM(given), 0) FROM campaign_lane "
        "WHERE run = $2) WHERE id = $2 AND selected_at IS NULL AND NOT EXISTS "
        "(SELECT 1 FROM campaign_lane WHERE run = $2 AND done_at IS NULL)",
        now,
        run_id,
    )


async def refuse_the_rest(run_id: int, spec: GiftSpec, audience: Audience, *, now: datetime) -> None:
    """The budget is spent: once every lane is free (batches in flight finish first), the rest of
    the run's audience is recorded ``over_budget`` set-wise, the run ended and the campaign
    finished (nothing more can be given). Its own transaction, holding no campaign lock while it
    waits, so a batch in flight can still reach its budget check and end."""
    async with db.write_transaction():
        await db.fetch(f"SELECT id FROM campaign_lane WHERE run = $1 ORDER BY number{db.for_update()}", run_id)
        run = await db.fetchrow(
            f"SELECT occurrence, selected_at FROM campaign_run WHERE id = $1{db.for_update()}", run_id
        )
        if run is None or run["selected_at"] is not None:
            return
        if await budget_left(spec, 1):
            return  # the caps were raised meanwhile: the lanes carry on
        p = audience.params()
        campaign, occurrence, at = p.add(spec.campaign_id), p.add(str(run["occurrence"])), p.add(now)
        await db.execute(
            "INSERT INTO campaign_gift (campaign, occurrence, member, status, points, error, created_at) "
            f"SELECT {campaign}, {occurrence}, m.id, '{GiftStatus.OVER_BUDGET}', 0, '', {db.typed(at, 'timestamptz')} "
            f"FROM {audience.from_clause} WHERE ({audience.where}) "
            "ON CONFLICT (campaign, occurrence, member) DO NOTHING",
            *p.values,
        )
        await CampaignLane.update({CampaignLane.done_at: now}).where(
            (CampaignLane.run == run_id) & CampaignLane.done_at.is_null()
        )
        await end_run_if_all_lanes_done(run_id, now)
        await finish_campaign(spec.campaign_id, now)
