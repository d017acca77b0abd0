"""Member figures: how many, how many joined in the period, how many bought lately, per tier,
and the points they are owed.

Rules: erased members are not counted. *New* counts the members who joined in the period
(closed days from the worker's ``member_day``, the rest from the members). *Active* means a
purchase in the last 30 or 90 days before ``now`` (``member_stats.last_purchase_at``, kept at
each earn), whatever the period. The points owed (the liability) are every balance now (erased
members' too: their books are kept), read as the sum of the ledger (summary days plus the
entries after them), valued at ``PROGRAMME.point_cost_vnd`` đồng a point. These figures are
programme-wide: a store chosen on the dashboard does not narrow them, since a member and its
points belong to no one store.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from loyalty import db
from loyalty.config import PROGRAMME
from loyalty.reports.ledger import points_owed
from loyalty.reports.period import Period
from loyalty.reports.summary import local_day, refreshed_through, start_of
from loyalty.schema import Tier


@dataclass(frozen=True, slots=True)
class TierCount:
    tier_id: int | None
    name: str
    members: int


@dataclass(frozen=True, slots=True)
class MemberFigures:
    total: int
    new: int
    active_30d: int
    active_90d: int
    points_owed: int
    point_cost_vnd: int
    new_by_bucket: list[tuple[date, int]]
    tiers: list[TierCount]

    @property
    def liability_vnd(self) -> int:
        return self.points_owed * self.point_cost_vnd


async def _joined(period: Period) -> dict[date, int]:
    """Members who joined in each bucket: closed days from ``member_day``, later ones from the
    members (the created_at index), less the erased ones (their partial index: few rows)."""
    joined = dict.fromkeys(period.buckets(), 0)
    through = await refreshed_through()
    if through is not None and through >= period.first:
        bucket = db.day_bucket("day", period.grain.value)
        for day, count in await db.fetch_tuples(
            f"SELECT {bucket}, SUM(joined) FROM member_day WHERE day >= $1 AND day <= $2 GROUP BY 1",
            period.first.isoformat(),
            min(period.last, through).isoformat(),
        ):
            joined[date.fromisoformat(str(day))] += int(count)
    since = period.since if through is None else max(period.since, start_of(through + timedelta(days=1)))
    if since < period.until:
        bucket = db.local_bucket("created_at", "$3", period.grain.value)
        for day, count in await db.fetch_tuples(
            f"SELECT {bucket}, COUNT(*) FROM member WHERE created_at >= $1 AND created_at < $2 GROUP BY 1",
            since,
            period.until,
            period.offset_minutes,
        ):
            joined[date.fromisoformat(str(day))] += int(count)
    for (created,) in await db.fetch_tuples("SELECT created_at FROM member WHERE erased_at IS NOT NULL"):
        day = local_day(created)
        if period.first <= day <= period.last:
            joined[period.bucket_of(day)] -= 1
    return joined


async def member_figures(period: Period, now: datetime) -> MemberFigures:
    # Every member by the tier index, less the erased ones by their partial index: no row is read.
    counted: dict[int | None, int] = {}
    for tier, n in await db.fetch_tuples("SELECT tier, COUNT(*) FROM member GROUP BY tier"):
        counted[int(tier) if tier is not None else None] = int(n)
    erased = "SELECT tier, COUNT(*) FROM member WHERE erased_at IS NOT NULL GROUP BY tier"
    for tier, n in await db.fetch_tuples(erased):
        counted[int(tier) if tier is not None else None] -= int(n)
    active = await db.fetchrow(
        "SELECT COALESCE(SUM(CASE WHEN last_purchase_at >= $1 THEN 1 ELSE 0 END), 0) AS d30, COUNT(*) AS d90"
        " FROM member_stats WHERE last_purchase_at >= $2 AND last_purchase_at <= $3",
        now - timedelta(days=30),
        now - timedelta(days=90),
        now,
    )
    new_by_bucket = await _joined(period)
    tiers = await Tier.select(Tier.id, Tier.name_vi).order_by(Tier.rank)
    counts = [TierCount(int(t["id"]), str(t["name_vi"]), counted.get(int(t["id"]), 0)) for t in tiers]
    if counted.get(None):
        counts.insert(0, TierCount(None, "Chưa có hạng", counted[None]))
    assert active is not None
    return MemberFigures(
        total=sum(counted.values()),
        new=sum(new_by_bucket.values()),
        active_30d=int(active["d30"]),
        active_90d=int(active["d90"]),
        points_owed=await points_owed(),
        point_cost_vnd=PROGRAMME.point_cost_vnd,
        new_by_bucket=sorted(new_by_bucket.items()),
        tiers=counts,
    )
