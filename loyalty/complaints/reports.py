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
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from statistics import median_low
from zoneinfo import ZoneInfo

from loyalty.config import PROGRAMME
from loyalty.schema import Complaint

RECURRING_WEEKS = 3


@dataclass(frozen=True)
class Recurring:
    category: str
    weeks: int
    cases: int
    repeat_customers: int


@dataclass
class Report:
    weeks: list[date]
    categories: list[str]
    stores: list[str]
    by_category: dict[tuple[date, str], int] = field(default_factory=dict)
    by_store: dict[tuple[date, str], int] = field(default_factory=dict)
    cases: int = 0
    open_cases: int = 0
    median_first_response_minutes: int | None = None
    median_resolution_minutes: int | None = None
    breach_permille: int | None = None
    rated: int = 0
    satisfaction_tenths: int | None = None
    recurring: list[Recurring] = field(default_factory=list)


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
    report = Report(weeks=[first + timedelta(weeks=i) for i in range(weeks)], categories=[], stores=[])
    first_minutes: list[int] = []
    resolution_minutes: list[int] = []
    scores: list[int] = []
    breached = 0
    weeks_of: dict[str, set[date]] = defaultdict(set)
    per_customer: Counter[tuple[str, int]] = Counter()
    for row in rows:
        week = week_start(row["created_at"], zone)
        category = row["category.code"] or "?"
        store = row["store.code"] or "(none)"
        report.by_category[(week, category)] = report.by_category.get((week, category), 0) + 1
        report.by_store[(week, store)] = report.by_store.get((week, store), 0) + 1
        weeks_of[category].add(week)
        if row["member"] is not None:
            per_customer[(category, int(row["member"]))] += 1
        report.cases += 1
        if row["status"] in ("new", "acknowledged", "in_progress"):
            report.open_cases += 1
        if row["first_response_at"] is not None:
            first_minutes.append(_minutes(row["first_response_at"] - row["created_at"]))
        if row["resolved_at"] is not None:
            resolution_minutes.append(_minutes(row["resolved_at"] - row["created_at"]))
        if row["first_response_breached"] or row["resolution_breached"]:
            breached += 1
        if row["rating_score"] is not None:
            scores.append(int(row["rating_score"]))
    report.categories = sorted({c for _, c in report.by_category})
    report.stores = sorted({s for _, s in report.by_store})
    report.median_first_response_minutes = median_low(first_minutes) if first_minutes else None
    report.median_resolution_minutes = median_low(resolution_minutes) if resolution_minutes else None
    report.breach_permille = breached * 1000 // report.cases if report.cases else None
    report.rated = len(scores)
    report.satisfaction_tenths = sum(scores) * 10 // len(scores) if scores else None
    totals = Counter(c for (_, c), n in report.by_category.items() for _ in range(n))
    for category, seen in weeks_of.items():
        repeaters = sum(1 for (c, _), n in per_customer.items() if c == category and n > 1)
        if len(seen) >= RECURRING_WEEKS or repeaters:
            report.recurring.append(Recurring(category, len(seen), totals[category], repeaters))
    report.recurring.sort(key=lambda r: (-r.weeks, -r.cases, r.category))
    return report


def _minutes(delta: timedelta) -> int:
    return max(0, int(delta.total_seconds()) // 60)
