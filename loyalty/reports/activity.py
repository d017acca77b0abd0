"""What happened around the points in a period: the rewards taken most, the campaigns live now,
and the complaints desk.

Rules: a reward's count is the vouchers issued for it in the period (redemptions and gifts), and
how many of those were used; the top ``TOP_REWARDS`` are shown, most issued first. The campaigns
shown are those scheduled or running now, with their results so far (``campaigns.results``:
gifts issued, vouchers redeemed, revenue of the receipts that used them). Complaints: open and
overdue now, and of the cases opened in the period the share (per mille) that breached either
target. With a store chosen, complaints are that store's; rewards and campaigns stay
programme-wide.
"""

from __future__ import annotations

from dataclasses import dataclass

from loyalty import db
from loyalty.campaigns import Results, results
from loyalty.reports.period import Period
from loyalty.schema import Campaign, CampaignStatus

TOP_REWARDS = 10
LIVE_CAMPAIGNS = 20
OPEN = ("new", "acknowledged", "in_progress")


@dataclass(frozen=True, slots=True)
class RewardCount:
    reward_id: int
    name: str
    vouchers: int
    redeemed: int
    points: int


@dataclass(frozen=True, slots=True)
class ComplaintFigures:
    open: int
    overdue: int
    opened: int
    breached: int

    @property
    def breach_permille(self) -> int | None:
        return self.breached * 1000 // self.opened if self.opened else None


async def top_rewards(period: Period) -> list[RewardCount]:
    rows = await db.fetch(
        "SELECT v.reward, r.name_vi, COUNT(*) AS vouchers,"
        " COALESCE(SUM(CASE WHEN v.status = 'redeemed' THEN 1 ELSE 0 END), 0) AS redeemed,"
        " COALESCE(SUM(v.points_paid), 0) AS points"
        " FROM voucher v JOIN reward r ON r.id = v.reward"
        " WHERE v.issued_at >= $1 AND v.issued_at < $2"
        " GROUP BY v.reward, r.name_vi ORDER BY vouchers DESC, v.reward LIMIT $3",
        period.since,
        period.until,
        TOP_REWARDS,
    )
    return [
        RewardCount(int(r["reward"]), str(r["name_vi"]), int(r["vouchers"]), int(r["redeemed"]), int(r["points"]))
        for r in rows
    ]


async def live_campaigns() -> list[Results]:
    live = [CampaignStatus.SCHEDULED.value, CampaignStatus.RUNNING.value]
    rows = (
        await Campaign.select(Campaign.id)
        .where(Campaign.status.is_in(live))
        .order_by(Campaign.id, ascending=False)
        .limit(LIVE_CAMPAIGNS)
    )
    return [await results(int(row["id"])) for row in rows]


async def complaint_figures(period: Period) -> ComplaintFigures:
    store = " AND store = $4" if period.store_id is not None else ""
    args: list[object] = [period.since, period.until, db.listed(OPEN)]
    if period.store_id is not None:
        args.append(period.store_id)
    row = await db.fetchrow(
        "SELECT COALESCE(SUM(CASE WHEN " + db.one_of("status", "$3", "text") + " THEN 1 ELSE 0 END), 0) AS open,"
        " COALESCE(SUM(CASE WHEN overdue AND " + db.one_of("status", "$3", "text") + " THEN 1 ELSE 0 END), 0)"
        " AS overdue,"
        " COALESCE(SUM(CASE WHEN created_at >= $1 AND created_at < $2 THEN 1 ELSE 0 END), 0) AS opened,"
        " COALESCE(SUM(CASE WHEN created_at >= $1 AND created_at < $2"
        " AND (first_response_breached OR resolution_breached) THEN 1 ELSE 0 END), 0) AS breached"
        f" FROM complaint WHERE (created_at >= $1 OR {db.one_of('status', '$3', 'text')}){store}",
        *args,
    )
    assert row is not None
    return ComplaintFigures(int(row["open"]), int(row["overdue"]), int(row["opened"]), int(row["breached"]))
