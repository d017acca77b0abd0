"""The close job: resolved cases close by themselves once the reopen window has passed.

Rules: a case resolved longer ago than ``COMPLAINT_REOPEN_DAYS`` is closed by the system
through the same guarded move as a staff close (``moves.close`` without an actor), so a case
reopened or closed by someone else meanwhile is left as it is, and each is closed once however
many workers run the job.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from loyalty.complaints.moves import WrongStatus, close
from loyalty.complaints.sla import DESK
from loyalty.jobs import job
from loyalty.schema import Complaint, Status


@job("complaints.close_resolved", every=timedelta(hours=1))
async def close_resolved(now: datetime, batch: int = 200) -> int:
    """Close cases resolved longer ago than the reopen window (guarded: each is closed once)."""
    cutoff = now - timedelta(days=DESK.reopen_days)
    due = (
        await Complaint.select(Complaint.reference)
        .where((Complaint.status == Status.RESOLVED.value) & (Complaint.resolved_at < cutoff))
        .order_by(Complaint.id)
        .limit(batch)
    )
    closed = 0
    for row in due:
        try:
            await close(row["reference"], None, now=now)
        except WrongStatus:
            continue  # reopened or closed by someone else meanwhile
        closed += 1
    return closed
