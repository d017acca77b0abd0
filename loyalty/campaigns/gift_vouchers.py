"""Voucher gifts of a campaign run: the audience chosen as pending rows, then vouchers issued.

Rules:

* *Choose*: the run's audience is written as ``pending`` gift rows by ``INSERT … SELECT … ON
  CONFLICT DO NOTHING``, one member-id range of ``CHOOSE_BATCH`` at a time; the run's cursor moves
  by a conditional UPDATE, so two workers never choose the same range and a crash resumes where
  the cursor stands.
* *Give*: pending rows are taken ``VOUCHER_BATCH`` at a time (``FOR UPDATE SKIP LOCKED`` on
  PostgreSQL, so workers share them), the budget reserved for them (:mod:`loyalty.campaigns.gifts`),
  and each voucher issued through ``loyalty.rewards.issue_voucher`` (idempotent on the gift's
  reference); rows end ``given``, ``over_budget`` or ``failed`` (out of stock, its count given
  back). One ``campaign_gift`` event per voucher, carrying its code.
* Once nothing of the budget is left, every pending row is ``over_budget`` and the campaign is
  finished.
"""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from piccolo.query.functions.aggregate import Max

from loyalty import db
from loyalty.campaigns.audience import Audience
from loyalty.campaigns.gifts import REFERENCE_PREFIX, GiftSpec, give_back, reserve_budget
from loyalty.campaigns.lifecycle import LIVE, finish_campaign, mark_running
from loyalty.campaigns.messages import gift_texts
from loyalty.events import EventKind, emit
from loyalty.rewards import OutOfStock, issue_voucher
from loyalty.schema import Campaign, CampaignGift, CampaignRun, GiftStatus, Member

CHOOSE_BATCH = 50_000
VOUCHER_BATCH = 200


class PendingGift(NamedTuple):
    id: int
    member: int
    occurrence: str


async def choose_batch(run_id: int, audience: Audience, *, now: datetime) -> bool:
    """Choose the next id range of a run's audience; False once the whole audience is chosen."""
    async with db.write_transaction():
        run = await CampaignRun.select().where(CampaignRun.id == run_id).first()
        if run is None or run["selected_at"] is not None:
            return False
        top = await Member.select(Max(Member.id, alias="top")).first()
        highest = int((top or {}).get("top") or 0)
        low = int(run["cursor"]) + 1
        high = low + CHOOSE_BATCH - 1
        done = high >= highest
        claimed = (
            await CampaignRun.update({CampaignRun.cursor: high, CampaignRun.selected_at: now if done else None})
            .where((CampaignRun.id == run_id) & (CampaignRun.cursor == run["cursor"]))
            .returning(CampaignRun.id)
        )
        if not claimed:
            return True  # another worker took this range: look again
        p = audience.params()
        campaign, occurrence, at = p.add(run["campaign"]), p.add(run["occurrence"]), p.add(now)
        inserted = await db.execute(
            "INSERT INTO campaign_gift (campaign, occurrence, member, status, points, error, created_at) "
            f"SELECT {campaign}, {occurrence}, m.id, '{GiftStatus.PENDING}', 0, '', {db.typed(at, 'timestamptz')} "
            f"FROM {audience.from_clause} WHERE ({audience.where}) AND m.id BETWEEN {p.add(low)} AND {p.add(high)} "
            "ON CONFLICT (campaign, occurrence, member) DO NOTHING",
            *p.values,
        )
        if inserted:
            await CampaignRun.update({CampaignRun.selected: CampaignRun.selected + inserted}).where(
                CampaignRun.id == run_id
            )
        return not done


async def give_batch(spec: GiftSpec, *, now: datetime) -> int | None:
    """Give one batch of pending voucher gifts; returns how many were given (a gift that failed is
    not), None when nothing is pending. (Points gifts never wait as pending:
    :func:`loyalty.campaigns.gift_points.gift_points_batch` gives them at once.)"""
    async with db.write_transaction():
        campaign = await Campaign.select(Campaign.status).where(Campaign.id == spec.campaign_id).first()
        if campaign is None or campaign["status"] not in LIVE:
            return None
        # The status is written out: the partial index of pending gifts matches the literal only.
        rows = await db.fetch_tuples(
            f"SELECT id, member, occurrence FROM campaign_gift WHERE campaign = $1 AND status = '{GiftStatus.PENDING}' "
            f"ORDER BY id LIMIT {VOUCHER_BATCH}{db.skip_locked()}",
            spec.campaign_id,
        )
        pending = list(map(PendingGift._make, rows))
        if not pending:
            return None
        allowed = await reserve_budget(spec, len(pending))
        give, refuse = pending[:allowed], pending[allowed:]
        if refuse:
            await _mark_over_budget(spec.campaign_id, [g.id for g in refuse], everything_left=allowed == 0, now=now)
        given = await _give_vouchers(spec, give, now) if give else 0
        if given:
            await mark_running(spec.campaign_id, now)
        return given


async def _mark_over_budget(campaign_id: int, gift_ids: list[int], *, everything_left: bool, now: datetime) -> None:
    await CampaignGift.update({CampaignGift.status: GiftStatus.OVER_BUDGET}).where(
        (CampaignGift.status == GiftStatus.PENDING) & CampaignGift.id.is_in(gift_ids)
    )
    if everything_left:
        # The budget is spent: nothing pending can ever be given, and the campaign is over.
        # Rows another worker holds are skipped: that worker finds the budget spent and marks them.
        await db.execute(
            f"UPDATE campaign_gift SET status = '{GiftStatus.OVER_BUDGET}' WHERE id IN (SELECT id FROM campaign_gift "
            f"WHERE campaign = $1 AND status = '{GiftStatus.PENDING}'{db.skip_locked()})",
            campaign_id,
        )
        await finish_campaign(campaign_id, now)


async def _give_vouchers(spec: GiftSpec, gifts: list[PendingGift], now: datetime) -> int:
    """Vouchers go one by one through ``issue_voucher`` (idempotent on the gift's reference);
    returns how many were given (not those that failed)."""
    assert spec.reward_id is not None
    given = 0
    for gift in gifts:
        try:
            async with db.write_transaction():
                voucher = await issue_voucher(
                    gift.member,
                    spec.reward_id,
                    source="campaign",
                    reference=f"{REFERENCE_PREFIX}{gift.id}",
                    valid_days=spec.valid_days,
                )
        except OutOfStock:
            await CampaignGift.update(
                {CampaignGift.status: GiftStatus.FAILED, CampaignGift.error: "out of stock"}
            ).where(CampaignGift.id == gift.id)
            await give_back(spec)
            continue
        await CampaignGift.update(
            {CampaignGift.status: GiftStatus.GIVEN, CampaignGift.given_at: now, CampaignGift.voucher: voucher.id}
        ).where(CampaignGift.id == gift.id)
        member = await Member.select(Member.name).where(Member.id == gift.member).first()
        await emit(
            EventKind.CAMPAIGN_GIFT,
            gift.member,
            campaign_id=spec.campaign_id,
            campaign=spec.name,
            occurrence=gift.occurrence,
            gift_id=gift.id,
            voucher_id=voucher.id,
            code=voucher.code,
            **gift_texts(spec, member["name"] if member else None, voucher.code),
        )
        given += 1
    return given
