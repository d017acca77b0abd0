"""The periodic tier review: the only place a member moves down a tier.

Rules:

* A member is reviewed only once its current tier is older than the grace period
  (``PROGRAMME.tier_review_grace_days``, counted from ``Member.tier_since``): a new tier is
  kept at least that long, whatever the member does.
* The review moves the member to the highest tier the last 12 months justify (points earned or
  đồng spent on purchases, net of refunds, per tier metric), never lower; with no tier reached,
  the lowest-ranked tier. A member whose purchases already justify a higher tier (earned
  through a path that did not upgrade) is moved up too.
* Set-based in batches: one keyset query picks a batch of members, one aggregate query over
  ``Purchase`` gives the batch's 12-month values; only members whose tier must change are
  touched, each through ``tiers.change_tier`` (guarded on the tier it had, so a second worker
  running the same review changes nothing), which writes ``TierChange`` and TIER_CHANGED.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from loyalty import db
from loyalty.config import PROGRAMME
from loyalty.db import write_transaction
from loyalty.jobs import job
from loyalty.schema import Member
from loyalty.tiers.upgrades import QUALIFYING_WINDOW, Qualifying, all_tiers, best_tier_for, change_tier

BATCH = 500


async def review_tiers(*, now: datetime | None = None, grace_days: int | None = None, batch: int = BATCH) -> int:
    """Review every member past its grace period; returns how many changed tier."""
    now = now or datetime.now(UTC)
    grace = timedelta(days=PROGRAMME.tier_review_grace_days if grace_days is None else grace_days)
    tiers = await all_tiers()
    if not tiers:
        return 0
    by_id = {t.id: t for t in tiers}
    lowest = tiers[0]
    changed, after = 0, 0
    while True:
        members = (
            await Member.select(Member.id, Member.tier)
            .where(
                (Member.id > after)
                & Member.tier.is_not_null()
                & (Member.tier_since.is_null() | (Member.tier_since <= now - grace))
            )
            .order_by(Member.id)
            .limit(batch)
        )
        if not members:
            return changed
        values = await _batch_values(members[0]["id"], members[-1]["id"], now)
        for row in members:
            current = by_id.get(row["tier"])
            if current is None:
                continue
            target = best_tier_for(tiers, values.get(row["id"], NOTHING)) or lowest
            if target.id == current.id:
                continue
            reason = "review: 12-month activity below the tier" if target.rank < current.rank else "review: qualified"
            async with write_transaction():
                if await change_tier(row["id"], current, target, reason=reason, now=now):
                    changed += 1
        if len(members) < batch:
            return changed
        after = members[-1]["id"]


# Points earned and đồng spent over 12 months, net of refunds, for a range of member ids.
BATCH_VALUES_SQL = (
    "SELECT member, COALESCE(SUM(points_earned - points_reversed), 0) AS points, "
    "COALESCE(SUM(amount - refunded_amount), 0) AS spend FROM purchase "
    "WHERE member >= $1 AND member <= $2 AND created_at > $3 GROUP BY member"
)
NOTHING = Qualifying(0, 0)  # a member without purchases in the window


async def _batch_values(first_id: int, last_id: int, now: datetime) -> dict[int, Qualifying]:
    """The qualifying values of members in [first, last] who bought in the window."""
    rows = await db.fetch_tuples(BATCH_VALUES_SQL, first_id, last_id, now - QUALIFYING_WINDOW)
    return {int(member): Qualifying(int(points), int(spend)) for member, points, spend in rows}


@job("tiers.review", every=timedelta(hours=6))
async def review_job(now: datetime) -> int:
    return await review_tiers(now=now)
