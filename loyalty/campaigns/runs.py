"""The job that gives: each live campaign's due occurrences, run in bounded batches.

Rules:

* Every 5 minutes (``campaigns.run``) each scheduled or running campaign gives what is due now:
  one ``campaign_run`` per occurrence (UNIQUE (campaign, key): started once, resumed after),
  points by lanes (:mod:`loyalty.campaigns.gift_points`), vouchers chosen then issued
  (:mod:`loyalty.campaigns.gift_vouchers`); a job does at most ``MAX_BATCHES_PER_JOB`` batches
  and the next one carries on.
* A campaign past its end date, or a ``once`` campaign whose run is wholly given, is finished.
* The gift is given even when the push is held back: the event carries it, and the
  notifications side applies consent, quiet hours and the cap.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from loyalty import db
from loyalty.campaigns import schedule
from loyalty.campaigns.audience import Audience, audience_of, due_runs
from loyalty.campaigns.fields import GiftKind, ScheduleKind
from loyalty.campaigns.gift_points import gift_points_batch
from loyalty.campaigns.gift_vouchers import choose_batch, give_batch
from loyalty.campaigns.gifts import GiftSpec, spec_of
from loyalty.campaigns.lanes import plan_lanes, refuse_the_rest
from loyalty.campaigns.lifecycle import LIVE, finish_campaign, load_campaign
from loyalty.config import PROGRAMME
from loyalty.jobs import job
from loyalty.schema import Campaign, CampaignRun, GiftStatus

MAX_BATCHES_PER_JOB = 400


async def run_campaign(campaign_id: int, *, now: datetime | None = None, max_batches: int = MAX_BATCHES_PER_JOB) -> int:
    """Choose and give what is due for one campaign, in bounded batches; returns gifts given."""
    now = now or datetime.now(UTC)
    campaign = await load_campaign(campaign_id)
    if campaign.status not in LIVE:
        return 0
    today = schedule.local_today(now, PROGRAMME.timezone)
    if campaign.ends_on and today > campaign.ends_on + timedelta(days=1):
        await finish_campaign(campaign_id, now)
        return 0
    audience = await audience_of(campaign, now=now)
    spec = await spec_of(campaign)
    batches = 0
    given = 0
    for due in await due_runs(campaign, audience, now):
        await CampaignRun.insert(
            CampaignRun(
                campaign=campaign_id, key=due.key, occurrence=due.occurrence, cursor=0, selected=0, created_at=now
            )
        ).on_conflict(target=(CampaignRun.campaign, CampaignRun.key), action="DO NOTHING")
        run = (
            await CampaignRun.select(CampaignRun.id)
            .where((CampaignRun.campaign == campaign_id) & (CampaignRun.key == due.key))
            .first()
        )
        assert run is not None
        if spec.gift_kind == GiftKind.POINTS:
            # One pass: each batch chooses, credits and records its gifts (no pending rows),
            # on lanes of member ids that several workers give side by side.
            await plan_lanes(run["id"], now=now)
            points_given, count = await _give_points(run["id"], spec, due.audience, now, max_batches - batches)
            batches += count
            given += points_given
            continue
        while batches < max_batches and await choose_batch(run["id"], due.audience, now=now):
            batches += 1
    while spec.gift_kind != GiftKind.POINTS and batches < max_batches:
        batches += 1
        done = await give_batch(spec, now=now)
        if done is None:
            break
        given += done
    if campaign.schedule == ScheduleKind.ONCE and batches < max_batches and await _wholly_given(campaign_id):
        await finish_campaign(campaign_id, now)
    return given


async def _wholly_given(campaign_id: int) -> bool:
    """The campaign's runs exist, every one is chosen, and no gift of it waits."""
    if not await CampaignRun.exists().where(CampaignRun.campaign == campaign_id):
        return False
    if await CampaignRun.exists().where((CampaignRun.campaign == campaign_id) & CampaignRun.selected_at.is_null()):
        return False
    # The status is written out: the partial index of pending gifts matches the literal only.
    waiting = await db.fetchrow(
        f"SELECT 1 AS waiting FROM campaign_gift WHERE campaign = $1 AND status = '{GiftStatus.PENDING}' LIMIT 1",
        campaign_id,
    )
    return waiting is None


async def _give_points(
    run_id: int, spec: GiftSpec, audience: Audience, now: datetime, max_batches: int
) -> tuple[int, int]:
    """Points batches of one run by ``PROGRAMME.fanout_workers`` workers at once (one on SQLite,
    whose single writer gains nothing from more); each takes a free lane per batch and stops when
    none is left. Returns (gifts given, batches run)."""
    given = 0
    batches = 0
    failed: list[Exception] = []

    async def worker() -> None:
        nonlocal given, batches
        while batches < max_batches and not failed:
            batches += 1
            try:
                outcome = await gift_points_batch(run_id, spec, audience, now=now)
            except Exception as exc:
                failed.append(exc)
                return
            if outcome is None:
                batches -= 1
                return
            given += outcome.given
            if outcome.budget_spent:
                await refuse_the_rest(run_id, spec, audience, now=now)
                return

    # When one worker fails, the others end the batch they are in and stop, rather than being
    # cancelled halfway through one.
    await asyncio.gather(*(worker() for _ in range(1 if db.is_sqlite() else PROGRAMME.fanout_workers)))
    if failed:
        raise failed[0]
    return given, batches


@job("campaigns.run", every=timedelta(minutes=5))
async def run_due_campaigns(now: datetime) -> int:
    live = await Campaign.select(Campaign.id).where(Campaign.status.is_in(list(LIVE)))
    given = 0
    for row in live:
        given += await run_campaign(row["id"], now=now)
    return given
