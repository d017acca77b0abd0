"""The programme's dashboard: every figure of one period read together, and each figure as a
table of plain values (what its CSV holds and what the page formats).

Rules: the figures are read outside any transaction, one statement each, set-wise; integers
only (amounts in đồng, rates per mille), the page formats them. A table's rows are the same
numbers the page shows, in the same order, so the CSV of a figure always matches the page.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from loyalty.campaigns import Results
from loyalty.errors import NotFound
from loyalty.reports.activity import ComplaintFigures, RewardCount, complaint_figures, live_campaigns, top_rewards
from loyalty.reports.ledger import LedgerFigures, ledger_figures
from loyalty.reports.members import MemberFigures, member_figures
from loyalty.reports.period import Period
from loyalty.schema import Store

Value = int | str | None


@dataclass(frozen=True, slots=True)
class Dashboard:
    period: Period
    at: datetime
    members: MemberFigures
    points: LedgerFigures
    rewards: list[RewardCount]
    campaigns: list[Results]
    complaints: ComplaintFigures


@dataclass(frozen=True, slots=True)
class Table:
    header: list[str]
    rows: list[list[Value]]


class UnknownFigure(NotFound):
    code = "unknown_figure"
    title = "No such figure on the dashboard"


@dataclass(frozen=True, slots=True)
class StoreChoice:
    store_id: int
    code: str
    name: str


async def store_choices() -> list[StoreChoice]:
    """The stores the dashboard can be narrowed to, by code."""
    rows = await Store.select(Store.id, Store.code, Store.name).order_by(Store.code)
    return [StoreChoice(int(r["id"]), str(r["code"]), str(r["name"])) for r in rows]


async def dashboard(period: Period, now: datetime) -> Dashboard:
    return Dashboard(
        period=period,
        at=now,
        members=await member_figures(period, now),
        points=await ledger_figures(period),
        rewards=await top_rewards(period),
        campaigns=await live_campaigns(),
        complaints=await complaint_figures(period),
    )


def _summary(d: Dashboard) -> Table:
    m, p, c = d.members, d.points.total, d.complaints
    rows: list[list[Value]] = [
        ["members_total", m.total],
        ["members_new", m.new],
        ["members_active_30d", m.active_30d],
        ["members_active_90d", m.active_90d],
        ["points_issued", p.issued],
        ["points_redeemed", p.redeemed],
        ["points_expired", p.expired],
        ["points_adjusted", p.adjusted],
        ["points_reversed", p.reversed],
        ["points_owed", m.points_owed],
        ["point_cost_vnd", m.point_cost_vnd],
        ["liability_vnd", m.liability_vnd],
        ["breakage_permille", p.breakage_permille],
        ["redemption_permille", p.redemption_permille],
        ["complaints_open", c.open],
        ["complaints_overdue", c.overdue],
        ["complaints_opened", c.opened],
        ["complaints_sla_breached", c.breached],
        ["complaints_breach_permille", c.breach_permille],
    ]
    return Table(["figure", "value"], rows)


FLOW = ["issued", "redeemed", "expired", "adjusted", "reversed"]


def _points(d: Dashboard) -> Table:
    rows: list[list[Value]] = [
        [b.isoformat(), f.issued, f.redeemed, f.expired, f.adjusted, f.reversed] for b, f in d.points.by_bucket
    ]
    return Table(["bucket", *FLOW], rows)


def _stores(d: Dashboard) -> Table:
    rows: list[list[Value]] = [
        [s.code, s.name, s.flow.issued, s.flow.redeemed, s.flow.expired, s.flow.adjusted, s.flow.reversed]
        for s in d.points.by_store
    ]
    return Table(["store", "name", *FLOW], rows)


def _members(d: Dashboard) -> Table:
    return Table(["bucket", "new_members"], [[b.isoformat(), n] for b, n in d.members.new_by_bucket])


def _tiers(d: Dashboard) -> Table:
    return Table(["tier", "members"], [[t.name, t.members] for t in d.members.tiers])


def _rewards(d: Dashboard) -> Table:
    rows: list[list[Value]] = [[r.name, r.vouchers, r.redeemed, r.points] for r in d.rewards]
    return Table(["reward", "vouchers_issued", "vouchers_redeemed", "points"], rows)


def _campaigns(d: Dashboard) -> Table:
    rows: list[list[Value]] = [
        [c.campaign_id, c.name, c.status.value, c.gifts_issued, c.vouchers_redeemed, c.revenue] for c in d.campaigns
    ]
    return Table(["campaign_id", "name", "status", "gifts_issued", "vouchers_redeemed", "revenue_vnd"], rows)


FIGURES: dict[str, Callable[[Dashboard], Table]] = {
    "summary": _summary,
    "points": _points,
    "stores": _stores,
    "members": _members,
    "tiers": _tiers,
    "rewards": _rewards,
    "campaigns": _campaigns,
}


def figure_table(d: Dashboard, figure: str) -> Table:
    """One figure of the dashboard as a table; an unknown name is :class:`UnknownFigure`."""
    make = FIGURES.get(figure)
    if make is None:
        raise UnknownFigure(f"no figure {figure[:40]!r}; the figures are {', '.join(FIGURES)}")
    return make(d)
