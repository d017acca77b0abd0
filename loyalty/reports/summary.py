"""The daily summaries: the points each kind of entry moved per closed local day and store
(``ledger_day``) and the members who joined per closed day (``member_day``), so the dashboard
reads at most 731 days instead of millions of entries and a million members.

Rules: a day is closed once it has ended in the programme's zone; only closed days are written,
so a day's rows never change after the fact (the ledger is append-only). Each refresh writes
again the last day it had written and every closed day after it, a month per transaction (a day
whose entries committed just after the last run is counted in full), and starts from the first
entry when the table is empty. The summary is refreshed through ``refreshed_through``; readers
add the entries after it from the ledger itself (:func:`loyalty.reports.ledger.ledger_figures`),
so a figure is exact whether or not the worker has run. The job is safe to run twice at once:
both delete and write the same days, one after the other.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from loyalty import db
from loyalty.config import PROGRAMME
from loyalty.jobs import job

DAYS_PER_TRANSACTION = 31


def _zone() -> ZoneInfo:
    return ZoneInfo(PROGRAMME.timezone)


def start_of(day: date) -> datetime:
    """The first instant of a local day, in UTC."""
    return datetime.combine(day, time(0), tzinfo=_zone()).astimezone(UTC)


def _offset_minutes(day: date) -> int:
    offset = datetime.combine(day, time(12), tzinfo=_zone()).utcoffset()
    return int(offset.total_seconds() // 60) if offset is not None else 0


async def refreshed_through() -> date | None:
    """The last day the summaries hold, or None before the first refresh. Both tables are written
    in the same transactions, day ranges in order, so both are whole up to the later of their
    last days (a day with no entries or no joins has no row)."""
    row = await db.fetchrow(
        "SELECT MAX(day) AS day FROM (SELECT MAX(day) AS day FROM ledger_day"
        " UNION ALL SELECT MAX(day) AS day FROM member_day) AS last_days"
    )
    return date.fromisoformat(str(row["day"])) if row is not None and row["day"] else None


def local_day(moment: object) -> date:
    """The local day of a timestamp as either engine returns it."""
    at = moment if isinstance(moment, datetime) else datetime.fromisoformat(str(moment))
    return at.astimezone(_zone()).date()


async def _first_day() -> date | None:
    """The local day of the first entry or member, where a first fill starts."""
    row = await db.fetchrow(
        "SELECT (SELECT MIN(created_at) FROM ledger_entry) AS entry, (SELECT MIN(created_at) FROM member) AS member"
    )
    found = [local_day(row[k]) for k in ("entry", "member") if row is not None and row[k] is not None]
    return min(found) if found else None


async def _write(first: date, last: date) -> int:
    """Write the days ``first`` … ``last`` again, in one transaction; how many rows."""
    day = db.local_bucket("created_at", "$3", "day")
    bounds = (start_of(first), start_of(last + timedelta(days=1)), _offset_minutes(last))
    async with db.write_transaction():
        for table in ("ledger_day", "member_day"):
            await db.execute(f"DELETE FROM {table} WHERE day >= $1 AND day <= $2", first.isoformat(), last.isoformat())
        await db.execute(
            f"INSERT INTO member_day (day, joined) SELECT {day}, COUNT(*) FROM member"
            " WHERE created_at >= $1 AND created_at < $2 GROUP BY 1",
            *bounds,
        )
        return await db.execute(
            "INSERT INTO ledger_day (day, store, kind, points, entries)"
            f" SELECT {day}, COALESCE(store, 0), kind, SUM(delta), COUNT(*) FROM ledger_entry"
            " WHERE created_at >= $1 AND created_at < $2 GROUP BY 1, 2, 3",
            *bounds,
        )


@job("reports.refresh", every=timedelta(minutes=10))
async def refresh_summary(now: datetime) -> int:
    """Bring the summary up to yesterday (local); returns how many day rows were written."""
    yesterday = now.astimezone(_zone()).date() - timedelta(days=1)
    done = await refreshed_through()
    first = done if done is not None else await _first_day()
    if first is None or first > yesterday:
        return 0
    written = 0
    while first <= yesterday:
        last = min(first + timedelta(days=DAYS_PER_TRANSACTION - 1), yesterday)
        written += await _write(first, last)
        first = last + timedelta(days=1)
    return written
