"""Complaint service levels: targets, due times, breaches and the escalation job.

Rules:

* Each priority has a first-response and a resolution target in minutes: a ``ComplaintSla`` row
  when staff set one, else :data:`DEFAULT_TARGETS`. Due times are computed once, when the case
  is opened, so changing a target never moves the deadlines of cases already open.
* A target is breached when it is met late (flagged at that moment) or when the escalation job
  finds it passed unmet.
* Escalation, per case and level, happens once: level 1 when a new case is past its
  first-response due time unanswered, level 2 when an open case is past its resolution due
  time. The move is a guarded ``UPDATE … WHERE escalation_level < n … RETURNING``, so several
  workers running the job at once escalate each case once; the winner reassigns the case to a
  manager (an active superuser: the manager group; ``COMPLAINT_MANAGER`` names one) and writes
  an internal line on the timeline.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from piccolo.apps.user.tables import BaseUser

from loyalty.complaints.records import case_by_id
from loyalty.complaints.timeline import Author, LineKind, write_line
from loyalty.db import write_transaction
from loyalty.jobs import job
from loyalty.schema import (
    Complaint,
    ComplaintSla,
    Status,
)
from loyalty.schema import Priority as Priority
from loyalty.settings import ENV, env_int

OPEN_STATUSES = (Status.NEW, Status.ACKNOWLEDGED, Status.IN_PROGRESS)
# (first response, resolution) in minutes.
DEFAULT_TARGETS: dict[Priority, tuple[int, int]] = {
    Priority.LOW: (48 * 60, 14 * 24 * 60),
    Priority.NORMAL: (24 * 60, 7 * 24 * 60),
    Priority.HIGH: (4 * 60, 3 * 24 * 60),
    Priority.URGENT: (60, 24 * 60),
}


@dataclass(frozen=True)
class DeskSettings:
    """How the desk works; read once from the environment."""

    reopen_days: int = 14
    approval_points: int = 500
    manager_username: str = ""

    @classmethod
    def from_env(cls, env: Mapping[str, str] = ENV) -> DeskSettings:
        return cls(
            reopen_days=env_int(env, "COMPLAINT_REOPEN_DAYS", cls.reopen_days, minimum=0),
            approval_points=env_int(env, "COMPLAINT_APPROVAL_POINTS", cls.approval_points, minimum=0),
            manager_username=env.get("COMPLAINT_MANAGER", "").strip(),
        )


DESK = DeskSettings.from_env()


async def targets(priority: Priority) -> tuple[int, int]:
    row = (
        await ComplaintSla.select(ComplaintSla.first_response_minutes, ComplaintSla.resolution_minutes)
        .where(ComplaintSla.priority == priority.value)
        .first()
    )
    if row is not None:
        return int(row["first_response_minutes"]), int(row["resolution_minutes"])
    return DEFAULT_TARGETS[priority]


async def due_times(priority: Priority, opened_at: datetime) -> tuple[datetime, datetime]:
    first, resolution = await targets(priority)
    return opened_at + timedelta(minutes=first), opened_at + timedelta(minutes=resolution)


async def seed_targets() -> int:
    """Write the default targets for priorities without a row; returns how many were added."""
    added = 0
    async with write_transaction():
        for priority, (first, resolution) in DEFAULT_TARGETS.items():
            if not await ComplaintSla.exists().where(ComplaintSla.priority == priority.value):
                await ComplaintSla(
                    priority=priority.value, first_response_minutes=first, resolution_minutes=resolution
                ).save()
                added += 1
    return added


async def manager_id() -> int | None:
    """The manager overdue cases go to: COMPLAINT_MANAGER, else the first active superuser."""
    query = BaseUser.select(BaseUser.id).where(BaseUser.active.eq(True))
    if DESK.manager_username:
        query = query.where(BaseUser.username == DESK.manager_username)
    else:
        query = query.where(BaseUser.superuser.eq(True))
    row = await query.order_by(BaseUser.id).first()
    return int(row["id"]) if row else None


@job("complaints.escalate", every=timedelta(minutes=5))
async def escalate_overdue(now: datetime, batch: int = 200) -> int:
    """Escalate cases past a due time (see the module's rules); returns how many moved."""
    manager = await manager_id()
    moved = 0
    unanswered = (
        await Complaint.select(Complaint.id)
        .where(
            (Complaint.status == Status.NEW.value)
            & Complaint.first_response_at.is_null()
            & (Complaint.first_response_due < now)
            & (Complaint.escalation_level < 1)
        )
        .order_by(Complaint.id)
        .limit(batch)
    )
    for row in unanswered:
        moved += await _escalate(row["id"], 1, manager, now)
    unresolved = (
        await Complaint.select(Complaint.id)
        .where(
            Complaint.status.is_in([s.value for s in OPEN_STATUSES])
            & (Complaint.resolution_due < now)
            & (Complaint.escalation_level < 2)
        )
        .order_by(Complaint.id)
        .limit(batch)
    )
    for row in unresolved:
        moved += await _escalate(row["id"], 2, manager, now)
    return moved


async def _escalate(case_id: int, level: int, manager: int | None, now: datetime) -> int:
    values: dict[Any, Any] = {
        Complaint.escalation_level: level,
        Complaint.overdue: True,
        Complaint.updated_at: now,
    }
    if level == 1:
        values[Complaint.first_response_breached] = True
        condition: Any = (Complaint.status == Status.NEW.value) & Complaint.first_response_at.is_null()
    else:
        values[Complaint.resolution_breached] = True
        condition = Complaint.status.is_in([s.value for s in OPEN_STATUSES])
    if manager is not None:
        values[Complaint.assignee] = manager
    async with write_transaction():
        won = (
            await Complaint.update(values)
            .where((Complaint.id == case_id) & (Complaint.escalation_level < level) & condition)
            .returning(Complaint.id)
        )
        if not won:
            return 0
        what = "first response" if level == 1 else "resolution"
        await write_line(
            await case_by_id(case_id),
            LineKind.ESCALATED,
            f"{what} target passed: escalated to the manager group",
            visible=False,
            author=Author.SYSTEM,
            actor=None,
            now=now,
            data={"level": level, "manager_id": manager},
        )
    return 1
