"""What differs between SQLite and PostgreSQL in hand-written SQL, in one place.

Rules: a statement is written once and asks this module for the pieces that differ, each a
function of the engine that is configured:

* Row locks: PostgreSQL takes them (``FOR UPDATE``, ``FOR UPDATE SKIP LOCKED`` so that workers
  split work); SQLite needs none, because every write transaction is ``BEGIN IMMEDIATE`` and
  holds the database's one write lock from its first statement.
* Typed parameters: PostgreSQL must be told the type of a parameter it cannot infer (arrays for
  ``unnest``, a bare parameter in a ``CASE``); SQLite takes the value as it comes.
* Date arithmetic: whole days between two timestamps; the local day, week or month a timestamp
  falls in (report buckets), as ``YYYY-MM-DD`` text on both engines.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from loyalty.db.engines import is_sqlite


def for_update(of: str | None = None) -> str:
    """The row lock a read-then-write takes: `` FOR UPDATE [OF alias]`` on PostgreSQL."""
    if is_sqlite():
        return ""
    return f" FOR UPDATE OF {of}" if of else " FOR UPDATE"


def skip_locked(of: str | None = None) -> str:
    """Claim rows no other worker holds: `` FOR UPDATE [OF alias] SKIP LOCKED`` on PostgreSQL."""
    return f"{for_update(of)} SKIP LOCKED" if not is_sqlite() else ""


def typed(placeholder: str, pg_type: str) -> str:
    """``$3`` as ``$3::bigint[]`` on PostgreSQL, where the type cannot be inferred."""
    return placeholder if is_sqlite() else f"{placeholder}::{pg_type}"


def whole_days_between(later: str, earlier: str) -> str:
    """Whole days from ``earlier`` to ``later`` (two timestamp expressions), rounded down."""
    if is_sqlite():
        return f"CAST(julianday({later}) - julianday({earlier}) AS INTEGER)"
    return f"CAST(FLOOR(EXTRACT(EPOCH FROM ({later} - {earlier})) / 86400) AS INTEGER)"


def local_bucket(moment: str, offset_minutes: str, grain: str) -> str:
    """The bucket a timestamp expression falls in, as ``YYYY-MM-DD`` text of the local date it
    starts on: ``grain`` is ``day``, ``week`` (weeks start on Monday) or ``month``; the local time
    is UTC plus the minutes bound at ``offset_minutes`` (a placeholder such as ``$3``)."""
    if grain not in ("day", "week", "month"):
        raise ValueError(f"no bucket {grain!r}")
    if is_sqlite():
        shifted = f"{moment}, {offset_minutes} || ' minutes'"
        if grain == "month":
            return f"strftime('%Y-%m-01', {shifted})"
        return f"date({shifted}, 'weekday 0', '-6 days')" if grain == "week" else f"date({shifted})"
    local = f"(({moment}) AT TIME ZONE 'UTC' + make_interval(mins => {offset_minutes}::int))"
    if grain == "day":
        return f"to_char({local}, 'YYYY-MM-DD')"
    return f"to_char(date_trunc('{grain}', {local}), 'YYYY-MM-DD')"


def day_bucket(day: str, grain: str) -> str:
    """The bucket of a ``YYYY-MM-DD`` text expression (a local day already), as the same text:
    the day itself, the Monday of its week, or the first of its month."""
    if grain not in ("day", "week", "month"):
        raise ValueError(f"no bucket {grain!r}")
    if grain == "day":
        return day
    if is_sqlite():
        return f"strftime('%Y-%m-01', {day})" if grain == "month" else f"date({day}, 'weekday 0', '-6 days')"
    return f"to_char(date_trunc('{grain}', CAST({day} AS timestamp)), 'YYYY-MM-DD')"


def for_no_key_update() -> str:
    """A row lock that still lets other transactions' foreign-key checks read the row:
    `` FOR NO KEY UPDATE`` on PostgreSQL (a counter raised while child rows are written)."""
    return "" if is_sqlite() else " FOR NO KEY UPDATE"


def month_of(date: str) -> str:
    """The month (1-12) of a date or timestamp expression, as an integer."""
    if is_sqlite():
        return f"CAST(strftime('%m', {date}) AS INTEGER)"
    return f"CAST(EXTRACT(MONTH FROM {date}) AS INTEGER)"


def month_day(date: str) -> str:
    """A date expression's month and day as text, ``MM-DD`` (birthdays, whatever the year)."""
    return f"strftime('%m-%d', {date})" if is_sqlite() else f"to_char({date}, 'MM-DD')"


def json_integer(document: str, key: str) -> str:
    """The integer at top-level ``key`` (a fixed name, never input) of a JSON text column."""
    if is_sqlite():
        return f"CAST(json_extract({document}, '$.{key}') AS INTEGER)"
    return f"CAST(CAST({document} AS jsonb) ->> '{key}' AS BIGINT)"


def table_exists(name: str) -> str:
    """A condition true when a table named by the parameter ``name`` (e.g. ``$1``) exists."""
    if is_sqlite():
        return f"EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = {name})"
    return f"EXISTS (SELECT 1 FROM information_schema.tables WHERE table_name = {name})"


def one_of(column: str, placeholder: str, pg_type: str = "bigint") -> str:
    """``column`` is one of the values bound at ``placeholder`` with :func:`listed`:
    ``= ANY($n::bigint[])`` on PostgreSQL, ``IN (SELECT value FROM json_each(?n))`` on SQLite.

    One statement text however long the list, and no limit on the number of parameters (a list
    of a thousand ids is one parameter), unlike ``IN ($1, $2, …)``."""
    if is_sqlite():
        return f"{column} IN (SELECT value FROM json_each({placeholder}))"
    return f"{column} = ANY({placeholder}::{pg_type}[])"


def listed(values: Iterable[int | str]) -> list[int | str] | str:
    """The value to bind for :func:`one_of`: a list for asyncpg, its JSON text for SQLite."""
    items = list(values)
    return json.dumps(items) if is_sqlite() else items
