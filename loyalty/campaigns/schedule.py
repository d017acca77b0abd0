"""When a campaign's occurrences fall: birthdays, anniversaries, holidays and lunar dates.

Rules (pure functions, no database):

* Birthday: a member's gift day is the birthday minus ``days_before`` in the member's own time
  zone; the occurrence is the year of that birthday (one gift per member per year). People born
  on 29 February celebrate on 28 February in years without one.
* Membership anniversary: the local calendar day of joining, from the first anniversary on;
  29 February joiners likewise on 28 February in common years. Occurrence: the year.
* Holiday: a named public holiday of Vietnam from the ``holidays`` library (its English names,
  e.g. ``Lunar New Year`` is Tết, 1/1 of the lunar calendar), on that date in the programme's
  time zone. Occurrence: the date.
* Lunar date: a day of the lunar calendar (``lunardate``), e.g. 15/8 for Trung Thu, converted
  to the solar date each year. Occurrence: the date.
* A time staff type without an offset (a one-off campaign's ``run_at``) is a time in the
  programme's zone, not UTC; one with an offset keeps it. Stored in UTC either way.
"""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays
from dateutil.relativedelta import relativedelta
from lunardate import LunarDate

ANNIVERSARY_YEARS = 30
# A date-based occurrence is still given this many days late (a worker that was down).
CATCH_UP_DAYS = 2


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("Asia/Ho_Chi_Minh")


def staff_time(moment: datetime, timezone: str) -> datetime:
    """``moment`` in UTC, a naive one read as local time in ``timezone``."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        moment = moment.replace(tzinfo=zone(timezone))
    return moment.astimezone(UTC)


def local_today(now: datetime, timezone: str) -> date:
    return now.astimezone(zone(timezone)).date()


def birthday_match(today: date, days_before: int) -> tuple[str, list[str]]:
    """For a local ``today``: the occurrence (birthday year) and the birthdays (MM-DD) due."""
    target = today + timedelta(days=days_before)
    days = [target.strftime("%m-%d")]
    if target.month == 2 and target.day == 28 and not calendar.isleap(target.year):
        days.append("02-29")
    return str(target.year), days


def anniversary_windows(today: date, timezone: str) -> list[tuple[datetime, datetime]]:
    """UTC [start, end) windows of ``created_at`` whose local day is an anniversary of ``today``."""
    tz = zone(timezone)
    windows = []
    for years in range(1, ANNIVERSARY_YEARS + 1):
        day = today - relativedelta(years=years)
        length = 1
        if today.month == 2 and today.day == 28 and not calendar.isleap(today.year) and calendar.isleap(day.year):
            length = 2  # 28 and 29 February of that leap year
        start = datetime.combine(day, time(), tz).astimezone(UTC)
        end = datetime.combine(day + timedelta(days=length), time(), tz).astimezone(UTC)
        windows.append((start, end))
    return windows


def holiday_names(year: int = 2027) -> list[str]:
    """The names staff may choose (English, as the library spells them)."""
    return sorted(set(holidays.country_holidays("VN", years=year).values()))


def holiday_dates(name: str, year: int) -> list[date]:
    return sorted(d for d, n in holidays.country_holidays("VN", years=year).items() if n == name)


def lunar_to_solar(year: int, month: int, day: int) -> date | None:
    """The solar date of lunar ``day/month`` in lunar ``year``; None if that day does not exist."""
    try:
        solar: date = LunarDate(year, month, day).to_solar_date()
    except ValueError:
        return None
    return solar


def dated_occurrences(
    kind: str, today: date, *, holiday: str = "", lunar_month: int | None = None, lunar_day: int | None = None
) -> list[date]:
    """Holiday or lunar dates due on ``today`` (or up to ``CATCH_UP_DAYS`` earlier)."""
    due = []
    for year in {today.year - 1, today.year}:
        if kind == "holiday":
            dates = holiday_dates(holiday, year)
        elif kind == "lunar" and lunar_month and lunar_day:
            solar = lunar_to_solar(year, lunar_month, lunar_day)
            dates = [solar] if solar else []
        else:
            dates = []
        due += [d for d in dates if today - timedelta(days=CATCH_UP_DAYS) <= d <= today]
    return sorted(due)
