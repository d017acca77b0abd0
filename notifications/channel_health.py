"""Channel health: per day and channel, how many messages were sent, delivered and failed, and
what they cost (the staff page ``/staff/channels`` and its CSV).

Rules: one set-wise query over deliveries; a delivery counts on the day (UTC) it was sent, or
made when it never was; ``sent`` counts every delivery a provider accepted (delivered ones and
those a receipt later failed included), ``delivered`` those with a receipt (push: FCM accepted;
e-mail: SMTP accepted), ``failed`` those that failed for good; the cost is what the providers
charged, in đồng. Held and skipped deliveries cost nothing and are not counted.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, fields
from datetime import date, datetime

from loyalty import db
from notifications.tables import DeliveryStatus

S = DeliveryStatus


@dataclass(frozen=True, slots=True)
class ChannelDay:
    day: date
    channel: str
    sent: int
    delivered: int
    failed: int
    cost_vnd: int


def _day(column: str) -> str:
    return f"date({column})" if db.is_sqlite() else f"(({column}) AT TIME ZONE 'UTC')::date"


async def channel_health(since: datetime) -> list[ChannelDay]:
    """Every day × channel since ``since`` that had a delivery sent or failed, newest day first."""
    when = "COALESCE(sent_at, created_at)"
    rows = await db.fetch_tuples(
        f"SELECT {_day(when)} AS day, channel, "
        "SUM(CASE WHEN sent_at IS NOT NULL THEN 1 ELSE 0 END), "
        f"SUM(CASE WHEN status = '{S.DELIVERED}' OR (status = '{S.SENT}' AND channel = 'push') THEN 1 ELSE 0 END), "
        f"SUM(CASE WHEN status = '{S.FAILED}' THEN 1 ELSE 0 END), SUM(cost_vnd) "
        f"FROM delivery WHERE {when} >= $1 AND status IN ('{S.SENT}', '{S.DELIVERED}', '{S.FAILED}') "
        "GROUP BY 1, channel ORDER BY 1 DESC, channel",
        since,
    )
    out = []
    for day, channel, sent, delivered, failed, cost in rows:
        out.append(
            ChannelDay(
                day if isinstance(day, date) else date.fromisoformat(str(day)),
                str(channel),
                int(sent or 0),
                int(delivered or 0),
                int(failed or 0),
                int(cost or 0),
            )
        )
    return out


def to_csv(rows: list[ChannelDay], headers: list[str]) -> str:
    """The rows as CSV under ``headers`` (one per field, in order: the page's own labels)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers)
    for row in rows:
        writer.writerow([getattr(row, f.name) for f in fields(ChannelDay)])
    return buffer.getvalue()
