"""Member figures: how many, how many joined in the period, how many bought lately, per tier,
and the points they are owed.

Rules: erased members are not counted. *Active* means a purchase in the last 30 or 90 days
before ``now`` (``member_stats.last_purchase_at``, kept at each earn), whatever the period. The
points owed (the liability) are every balance now, valued at ``PROGRAMME.point_cost_vnd`` đồng
a point. These figures are programme-wide: a store chosen on the dashboard does not narrow them,
since a member and its points belong to no one store.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from loyalty import db
from loyalty.config import PROGRAMME
from loyalty.reports.period import Period


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


async def member_figures(period: Period, now: datetime) -> MemberFigures:
    totals = await db.fetchrow(
        "SELECT COUNT(*) AS total, COALESCE(SUM(points_balance), 0) AS owed FROM member WHERE erased_at IS NULL"
    )
    active = await db.fetchrow(
        "SELECT COALESCE(SUM(CASE WHEN last_purchase_at >= $1 THEN 1 ELSE 0 END), 0) AS d30, COUNT(*) AS d90"
        " FROM member_stats WHERE last_purchase_at >= $2 AND last_purchase_at <= $3",
        now - timedelta(days=30),
        now - timedelta(days=90),
        now,
    )
    bucket = db.local_bucket("created_at", "$3", period.grain.value)
    joined = await db.fetch_tuples(
        f"SELECT {bucket} AS bucket, COUNT(*) FROM member"
        " WHERE created_at >= $1 AND created_at < $2 AND erased_at IS NULL GROUP BY 1",
        period.since,
        period.until,
        period.offset_minutes,
    )
    new_by_bucket = dict.fromkeys(period.buckets(), 0)
    for day, count in joined:
        new_by_bucket[date.fromisoformat(str(day))] = int(count)
    tiers = await db.fetch(
        "SELECT t.id, t.name_vi, t.rank, COUNT(m.id) AS members FROM tier t"
        " LEFT JOIN member m ON m.tier = t.id AND m.erased_at IS NULL GROUP BY t.id, t.name_vi, t.rank"
        " ORDER BY t.rank"
    )
    no_tier = await db.fetchrow("SELECT COUNT(*) AS n FROM member WHERE tier IS NULL AND erased_at IS NULL")
    counts = [TierCount(int(t["id"]), str(t["name_vi"]), int(t["members"])) for t in tiers]
    if no_tier is not None and int(no_tier["n"]):
        counts.insert(0, TierCount(None, "Chưa có hạng", int(no_tier["n"])))
    assert totals is not None and active is not None
    return MemberFigures(
        total=int(totals["total"]),
        new=sum(new_by_bucket.values()),
        active_30d=int(active["d30"]),
        active_90d=int(active["d90"]),
        points_owed=int(totals["owed"]),
        point_cost_vnd=PROGRAMME.point_cost_vnd,
        new_by_bucket=sorted(new_by_bucket.items()),
        tiers=counts,
    )
