"""Complaint figures for the staff report page.

Rules: the report covers the cases opened in the last ``weeks`` whole-or-current weeks (weeks
start on Monday in the programme's time zone). Times are whole minutes; medians are the lower
median; the breach rate is per mille of the cases in the window with either target breached;
satisfaction is the mean score in tenths over the rated cases. A category "keeps coming back"
when it had cases in at least ``RECURRING_WEEKS`` different weeks of the window, or when one
customer complained about it more than once. Integers only: the page formats them.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from statistics import median_low
from zoneinfo import ZoneInfo

from loyalty.complaints.sla import OPEN_STATUSES
from loyalty.config import PROGRAMME
from loyalty.schema import Complaint

RECURRING_WEEKS = 3


@dataclass(frozen=True, slots=True)
class Recurring:
    category: str
    weeks: int
    cases: int
    repeat_customers: int


@dataclass(frozen=True, slots=True)
class Report:
    weeks: list[date]
    categories: list[str]
    stores: list[str]
    by_category: dict[tuple[date, str], int]
    by_store: dict[tuple[date, str], int]
    cases: int
    open_cases: int
    median_first_response_minutes: int | None
    median_resolution_minutes: int | None
    breach_permille: int | None
    rated: int
    satisfaction_tenths: int | None
    recurring: list[Recurring]


def week_start(moment: datetime, zone: ZoneInfo) -> date:
    local = moment.astimezone(zone).date()
    return local - timedelta(days=local.weekday())


async def complaint_report(now: datetime, *, weeks: int = 8) -> Report:
    zone = ZoneInfo(PROGRAMME.timezone)
    last = week_start(now, zone)
    first = last - timedelta(weeks=weeks - 1)
    since = datetime.combine(first, time(0), tzinfo=zone)
    rows = await Complaint.select(
        Complaint.created_at,
        Complaint.member,
        Complaint.category.code,
        Complaint.store.code,
        Complaint.status,
        Complaint.first_response_at,
        Complaint.resolved_at,
        Complaint.first_response_breached,
        Complaint.resolution_breached,
        Complaint.rating_score,
    ).where(Complaint.created_at >= since)
    weeks_shown = [first + timedelta(weeks=i) for i in range(weeks)]
    by_category: dict[tuple[date, str], int] = {}
    by_store: dict[tuple[date, str], int] = {}
    cases = still_open = breached = 0
    first_minutes: list[int] = []
    resolution_minutes: list[int] = []
    scores: list[int] = []
    weeks_of: dict[str, set[date]] = defaultdict(set)
    per_customer: Counter[tuple[str, int]] = Counter()
    for row in rows:
        week = week_start(row["created_at"], zone)
        category = row["category.code"] or "?"
        store = row["store.code"] or "(none)"
        by_category[(week, category)] = by_category.get((week, category), 0) + 1
        by_store[(week, store)] = by_store.get((week, store), 0) + 1
        weeks_of[category].add(week)
        if row["member"] is not None:
            per_customer[(category, int(row["member"]))] += 1
        cases += 1
        if row["status"] in OPEN_STATUSES:
            still_open += 1
        if row["first_response_at"] is not None:
            first_minutes.append(_minutes(row["first_response_at"] - row["created_at"]))
        if row["resolved_at"] is not None:
            resolution_minutes.append(_minutes(row["resolved_at"] - row["created_at"]))
        if row["first_response_breached"] or row["resolution_breached"]:
            breached += 1
        if row["rating_score"] is not None:
            scores.append(int(row["rating_score"]))
    totals = Counter(c for (_, c), n in by_category.items() for _ in range(n))
    recurring = []
    for category, seen in weeks_of.items():
        repeaters = sum(1 for (c, _), n in per_customer.items() if c == category and n > 1)
        if len(seen) >= RECURRING_WEEKS or repeaters:
            recurring.append(Recurring(category, len(seen), totals[category], repeaters))
    recurring.sort(key=lambda r: (-r.weeks, -r.cases, r.category))
    return Report(
        weeks=weeks_shown,
        categories=sorted({c for _, c in by_category}),
        stores=sorted({s for _, s in by_store}),
        by_category=by_category,
        by_store=by_store,
        cases=cases,
        open_cases=still_open,
        median_first_response_minutes=median_low(first_minutes) if first_minutes else None,
        median_resolution_minutes=median_low(resolution_minutes) if resolution_minutes else None,
        breach_permille=breached * 1000 // cases if cases else None,
        rated=len(scores),
        satisfaction_tenths=sum(scores) * 10 // len(scores) if scores else None,
        recurring=recurring,
    )


def _minutes(delta: timedelta) -> int:
    return max(0, int(delta.total_seconds()) // 60)
