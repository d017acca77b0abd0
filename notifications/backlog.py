"""What the worker has not done yet, read at once for the operators' metrics (``/metrics``).

* Events: domain events not yet turned into messages (``loyalty.backlog``).
* Deliveries: pushes ``pending`` (to send, or to retry after a backoff) and ``held`` (marketing
  waiting for the end of quiet hours), each with the age of its oldest.
* Jobs: per scheduled job (its ``JobSchedule`` row), the lag (how long past its due time it has
  not started or not finished; 0 when not due), whether a worker holds it, whether its last run
  failed, and when it last succeeded.
* Campaigns: the runs in progress (``loyalty.campaigns.progress``).

Rules: read-only, set-wise statements over indexed columns (the events' ``processed_at``, the
deliveries' ``status``, one row per job, the live campaigns), run one after the other on one
connection at a time, and time-boxed as a whole by ``timeout_s``: past it :func:`snapshot`
raises ``TimeoutError`` and the caller reports the figures as unknown, while the read goes on to
its end (``loyalty.db.time_box``: cancelling it could spoil a SQLite connection), one at a time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from loyalty import db
from loyalty.backlog import Waiting, as_datetime, waiting_events, waiting_of
from loyalty.campaigns import RunProgress, runs_in_progress
from loyalty.db import OneAtATime, within
from notifications.tables import DeliveryStatus, JobSchedule

WAITING_STATUSES = (DeliveryStatus.PENDING, DeliveryStatus.HELD)


@dataclass(frozen=True)
class JobState:
    name: str
    lag_s: float
    running: bool
    last_failed: bool
    last_success_at: datetime | None


@dataclass(frozen=True)
class Snapshot:
    events: Waiting
    deliveries: dict[str, Waiting]  # by status: pending, held
    jobs: list[JobState]
    campaign_runs: list[RunProgress]


async def waiting_deliveries(now: datetime) -> dict[str, Waiting]:
    statuses = ", ".join(f"'{s.value}'" for s in WAITING_STATUSES)
    rows = await db.fetch(
        "SELECT status, COUNT(*) AS n, MIN(created_at) AS oldest FROM delivery "
        f"WHERE status IN ({statuses}) GROUP BY status"
    )
    found = {str(r["status"]): waiting_of(r, now) for r in rows}
    return {s.value: found.get(s.value, Waiting(0, 0.0)) for s in WAITING_STATUSES}


async def job_states(now: datetime) -> list[JobState]:
    rows = await JobSchedule.select(
        JobSchedule.name,
        JobSchedule.next_run_at,
        JobSchedule.lease_until,
        JobSchedule.last_error,
        JobSchedule.last_success_at,
    ).order_by(JobSchedule.name)
    states = []
    for row in rows:
        due = as_datetime(row["next_run_at"])
        lease = as_datetime(row["lease_until"])
        states.append(
            JobState(
                name=row["name"],
                lag_s=max(0.0, (now - due).total_seconds()) if due is not None else 0.0,
                running=lease is not None and lease > now,
                last_failed=bool(row["last_error"]),
                last_success_at=as_datetime(row["last_success_at"]),
            )
        )
    return states


async def _read(now: datetime | None) -> Snapshot:
    now = now or datetime.now(UTC)
    return Snapshot(
        events=await waiting_events(now),
        deliveries=await waiting_deliveries(now),
        jobs=await job_states(now),
        campaign_runs=await runs_in_progress(),
    )


_LIVE: OneAtATime[Snapshot] = OneAtATime(lambda: _read(None))


async def snapshot(*, timeout_s: float, now: datetime | None = None) -> Snapshot:
    """The figures as of ``now`` (default: when read); scrapes at the same time share one read."""
    if now is None:
        return await _LIVE.within(timeout_s)
    return await within(timeout_s, _read(now))
