"""The period a report covers: whole local days in the programme's zone, a grain, maybe one store.

Rules: ``first`` and ``last`` are local dates, both included; ``first`` may not come after
``last``, both lie in 2000–2999, and a period holds at most ``MAX_DAYS`` days (two years, so a chart never has more than
731 points and no statement reads the whole ledger by accident). Buckets are labelled by the
local date they start on: the day, the Monday of the week, the first of the month.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from loyalty.config import PROGRAMME
from loyalty.errors import InvalidInput

MAX_DAYS = 731
# Dates a programme can have figures for; outside them the UTC bounds would not even exist.
EARLIEST = date(2000, 1, 1)
LATEST = date(2999, 12, 31)


class Grain(StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"


class BadPeriod(InvalidInput):
    code = "bad_period"
    title = "The period cannot be reported on"


@dataclass(frozen=True, slots=True)
class Period:
    first: date
    last: date
    grain: Grain = Grain.DAY
    store_id: int | None = None

    def __post_init__(self) -> None:
        if self.first > self.last:
            raise BadPeriod(f"the period starts ({self.first:%d/%m/%Y}) after it ends ({self.last:%d/%m/%Y})")
        if self.first < EARLIEST or self.last > LATEST:
            raise BadPeriod(f"dates must lie between {EARLIEST:%d/%m/%Y} and {LATEST:%d/%m/%Y}")
        if self.days > MAX_DAYS:
            raise BadPeriod(f"a period holds at most {MAX_DAYS} days, not {self.days}")

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(PROGRAMME.timezone)

    @property
    def since(self) -> datetime:
        """The period's first instant, in UTC."""
        return datetime.combine(self.first, time(0), tzinfo=self.zone).astimezone(UTC)

    @property
    def until(self) -> datetime:
        """The instant after the period's last local day, in UTC (excluded)."""
        return datetime.combine(self.last + timedelta(days=1), time(0), tzinfo=self.zone).astimezone(UTC)

    @property
    def offset_minutes(self) -> int:
        """The zone's offset from UTC in the period, in minutes; Vietnam keeps +07:00 all year."""
        offset = datetime.combine(self.last, time(12), tzinfo=self.zone).utcoffset()
        return int(offset.total_seconds() // 60) if offset is not None else 0

    def bucket_of(self, day: date) -> date:
        if self.grain is Grain.WEEK:
            return day - timedelta(days=day.weekday())
        if self.grain is Grain.MONTH:
            return day.replace(day=1)
        return day

    def buckets(self) -> list[date]:
        """Every bucket the period touches, in order, each labelled by its first day."""
        found: list[date] = []
        day = self.first
        while day <= self.last:
            bucket = self.bucket_of(day)
            if not found or found[-1] != bucket:
                found.append(bucket)
            day += timedelta(days=1)
        return found


def local_today(now: datetime) -> date:
    """The programme's date at ``now``."""
    return now.astimezone(ZoneInfo(PROGRAMME.timezone)).date()


def last_days(today: date, days: int, grain: Grain = Grain.DAY, store_id: int | None = None) -> Period:
    """The ``days`` local days that end today."""
    return Period(today - timedelta(days=days - 1), today, grain, store_id)


def this_month(today: date, grain: Grain = Grain.DAY, store_id: int | None = None) -> Period:
    return Period(today.replace(day=1), today, grain, store_id)
