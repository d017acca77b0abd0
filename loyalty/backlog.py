"""What is waiting to be handled, counted for the operators' metrics: domain events not yet
turned into messages.

Rules: read-only, one set-wise statement per figure, over an index that holds only what waits
(``domain_event.processed_at`` IS NULL), so the cost follows the backlog, not the table. The age
is that of the oldest row waiting; nothing waiting is age 0.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from loyalty import db


@dataclass(frozen=True)
class Waiting:
    count: int
    oldest_age_s: float


def waiting_of(row: Mapping[str, Any], now: datetime) -> Waiting:
    """A ``{n, oldest}`` row of ``COUNT(*)`` and ``MIN(created_at)`` as a :class:`Waiting`."""
    oldest = as_datetime(row.get("oldest"))
    age = max(0.0, (now - oldest).total_seconds()) if oldest is not None else 0.0
    return Waiting(int(row.get("n") or 0), age)


def as_datetime(value: Any) -> datetime | None:
    # An aggregate loses its column's declared type: SQLite then hands back the stored text.
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))


async def waiting_events(now: datetime) -> Waiting:
    rows = await db.fetch(
        "SELECT COUNT(*) AS n, MIN(created_at) AS oldest FROM domain_event WHERE processed_at IS NULL"
    )
    return waiting_of(rows[0] if rows else {}, now)
