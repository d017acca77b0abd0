"""The dashboard's figures over a programme small enough to add up by hand (tests/support/dashboard.py)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from loyalty import db, reports
from loyalty.privacy import erase_member
from loyalty.reports import BadPeriod, Grain, Period, PointsFlow
from tests.support.dashboard import NOVEMBER, seed_november


async def test_november_adds_up_by_hand() -> None:
    now = datetime.now(UTC)
    await seed_november(now)
    d = await reports.dashboard(NOVEMBER, now)
    # 1000 + 500 + 200 issued (the 300 of 1 December 00:30 in Vietnam is not November's).
    assert d.points.total == PointsFlow(issued=1700, redeemed=400, expired=100, adjusted=20, reversed=0)
    assert d.points.total.breakage_permille == 58  # 100 / 1700
    assert d.points.total.redemption_permille == 235  # 400 / 1700
    m = d.members
    assert (m.total, m.new, m.active_30d, m.active_90d) == (4, 2, 1, 2)
    assert m.points_owed == 770 + 400 + 350
    assert m.liability_vnd == 1520 * 100  # POINT_COST_VND's default
    assert [(t.name, t.members) for t in m.tiers] == [("Chưa có hạng", 3), ("Thành viên", 0), ("Bạc", 1), ("Vàng", 0)]
    # Weeks start on Monday: 1 November 2026 is a Sunday, so its week began on 26 October.
    assert [(b.isoformat(), f.issued, f.redeemed, f.expired, f.adjusted) for b, f in d.points.by_bucket] == [
        ("2026-10-26", 1000, 0, 0, 0),
        ("2026-11-02", 0, 0, 0, 20),
        ("2026-11-09", 500, 400, 0, 0),
        ("2026-11-16", 0, 0, 100, 0),
        ("2026-11-23", 0, 0, 0, 0),
        ("2026-11-30", 200, 0, 0, 0),
    ]
    assert [(s.code, s.flow.issued, s.flow.redeemed, s.flow.expired, s.flow.adjusted) for s in d.points.by_store] == [
        ("Q1", 1000, 0, 0, -30),
        ("", 500, 400, 100, 50),
        ("Q3", 200, 0, 0, 0),
    ]
    assert [(b.isoformat(), n) for b, n in m.new_by_bucket if n] == [("2026-11-02", 1), ("2026-11-09", 1)]
    assert [(r.name, r.vouchers, r.redeemed, r.points) for r in d.rewards] == [("Cà phê sữa đá", 1, 0, 400)]
    assert d.campaigns == []
    c = d.complaints
    assert (c.open, c.overdue, c.opened, c.breach_permille) == (1, 0, 0, None)  # logged today, not in November


@pytest.mark.parametrize("grain", list(Grain))
async def test_every_grain_gives_the_same_totals(grain: Grain) -> None:
    now = datetime.now(UTC)
    await seed_november(now)
    d = await reports.dashboard(replace(NOVEMBER, grain=grain), now)
    assert sum(f.issued for _, f in d.points.by_bucket) == 1700
    assert len(d.points.by_bucket) == {"day": 30, "week": 6, "month": 1}[grain.value]
    if grain is Grain.DAY:
        days = dict(d.points.by_bucket)
        assert (days[date(2026, 11, 1)].issued, days[date(2026, 11, 30)].issued) == (1000, 200)


async def test_a_store_narrows_the_points_and_the_complaints_not_the_members() -> None:
    now = datetime.now(UTC)
    seeded = await seed_november(now)
    d = await reports.dashboard(replace(NOVEMBER, store_id=seeded.q1), now)
    assert d.points.total == PointsFlow(issued=1000, adjusted=-30)
    assert d.points.total.breakage_permille == 0
    assert d.members.total == 4 and d.complaints.open == 1
    other = await reports.dashboard(replace(NOVEMBER, store_id=seeded.q3), now)
    assert other.points.total == PointsFlow(issued=200) and other.complaints.open == 0


async def test_an_empty_period_has_no_rates() -> None:
    d = await reports.dashboard(Period(date(2026, 1, 1), date(2026, 1, 7)), datetime.now(UTC))
    assert d.points.total == PointsFlow() and d.points.total.breakage_permille is None
    assert d.points.by_store == [] and len(d.points.by_bucket) == 7


@pytest.mark.parametrize(
    ("first", "last"),
    [
        (date(2026, 11, 30), date(2026, 11, 1)),  # backwards
        (date(2020, 1, 1), date(2026, 1, 1)),  # more than two years
        (date(1, 1, 1), date(1, 1, 2)),  # before any programme: no UTC bound even exists
    ],
)
def test_a_period_that_cannot_be_reported_on_is_refused(first: date, last: date) -> None:
    with pytest.raises(BadPeriod):
        Period(first, last)


async def test_the_figures_are_the_same_before_and_after_the_worker_summarises_the_days() -> None:
    now = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)  # 13:00 on 1 December in Vietnam
    seeded = await seed_november(now)
    periods = [
        NOVEMBER,
        replace(NOVEMBER, grain=Grain.DAY, store_id=seeded.q1),
        Period(date(2026, 11, 20), date(2026, 12, 1)),
    ]
    before = [await reports.dashboard(p, now) for p in periods]
    assert await reports.refreshed_through() is None
    assert await reports.refresh_summary(now) > 0
    # Closed days only: 30 November is the last; 1 December (the 300 points at 00:30) stays live.
    assert await reports.refreshed_through() == date(2026, 11, 30)
    after = [await reports.dashboard(p, now) for p in periods]
    assert [(d.points, d.members) for d in after] == [(d.points, d.members) for d in before]
    assert after[2].points.total.issued == 200 + 300 and after[0].members.points_owed == 1520
    rows = await db.fetch("SELECT day, kind, points, entries FROM ledger_day WHERE day = '2026-11-01'")
    assert [(r["kind"], r["points"], r["entries"]) for r in rows] == [("earn", 1000, 1)]  # 17:30 UTC on 31 October
    # Again, and later: the last day is written again, nothing counted twice.
    await reports.refresh_summary(now)
    await reports.refresh_summary(now + timedelta(days=3))
    assert await reports.dashboard(NOVEMBER, now) == replace(after[0], at=now)
    total = await db.fetchrow("SELECT SUM(points) AS s, SUM(entries) AS n FROM ledger_day")
    assert total is not None and (int(total["s"]), int(total["n"])) == (1520, 8)
    joined = await db.fetch("SELECT day, joined FROM member_day ORDER BY day")
    days = [(r["day"], r["joined"]) for r in joined]
    assert days[:3] == [("2026-10-15", 1), ("2026-11-02", 1), ("2026-11-10", 1)]  # and Lan, who joined today


async def test_an_empty_ledger_needs_no_summary() -> None:
    assert await reports.refresh_summary(datetime.now(UTC)) == 0
    assert await reports.refreshed_through() is None


async def test_an_erased_member_is_counted_no_more_but_its_points_still_are() -> None:
    now = datetime.now(UTC)
    seeded = await seed_november(now)
    await erase_member(seeded.a)
    m = (await reports.dashboard(NOVEMBER, now)).members
    assert (m.total, m.new) == (3, 1)
    await reports.refresh_summary(now)
    assert (await reports.dashboard(NOVEMBER, now)).members == m
    assert [(t.name, t.members) for t in m.tiers] == [("Chưa có hạng", 3), ("Thành viên", 0), ("Bạc", 0), ("Vàng", 0)]
    assert m.points_owed == 1520  # the books are kept
