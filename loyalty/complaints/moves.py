"""Staff move a case along: acknowledge, reply or note, assign, resolve, close, reopen.

Rules:

* Status moves ``new → acknowledged → in_progress → resolved → closed``; each move is one
  guarded ``UPDATE … WHERE status IN (…) … RETURNING``, so two staff acting at once move a case
  once and the other gets ``complaint_status``. A resolved or closed case may be reopened (back
  to ``in_progress``) within ``COMPLAINT_REOPEN_DAYS`` of its resolution.
* The first staff answer the customer sees (acknowledgement, visible reply or resolution) is the
  first response; it is recorded once (``WHERE first_response_at IS NULL``) and flagged as
  breached when late. A resolution after its due time is flagged as breached too.
* Each move writes its timeline line, and with it the staff member's audit row, in the same
  transaction (``timeline.write_line``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from loyalty.audit import StaffActor
from loyalty.complaints.fields import MAX_TEXT, active_staff, clean_text
from loyalty.complaints.records import Case, case_by_id, get_case
from loyalty.complaints.sla import DESK, OPEN_STATUSES
from loyalty.complaints.timeline import Author, LineKind, write_line
from loyalty.db import write_transaction
from loyalty.errors import Conflict
from loyalty.schema import Complaint, Status


class WrongStatus(Conflict):
    code = "complaint_status"
    title = "Not possible in the case's current status"


async def move(
    case: Case, allowed: Sequence[Status], to: Status, now: datetime, extra: dict[Any, Any] | None = None
) -> Case:
    """The guarded status move; the case as it is after it, or :class:`WrongStatus`."""
    values: dict[Any, Any] = {Complaint.status: to.value, Complaint.updated_at: now, **(extra or {})}
    rows = (
        await Complaint.update(values)
        .where((Complaint.id == case.id) & Complaint.status.is_in([s.value for s in allowed]))
        .returning(Complaint.id)
    )
    case = await case_by_id(case.id)
    if not rows:
        raise WrongStatus(
            f"case {case.reference} is {case.status}: cannot move it to {to.value}", case_status=case.status.value
        )
    return case


async def first_response(case: Case, now: datetime) -> None:
    await Complaint.update(
        {Complaint.first_response_at: now, Complaint.first_response_breached: now > case.first_response_due}
    ).where((Complaint.id == case.id) & Complaint.first_response_at.is_null())


async def acknowledge(reference: str, actor: StaffActor, message: str = "", *, now: datetime | None = None) -> None:
    now = now or _now()
    body = clean_text(message, "message", MAX_TEXT, required=False) or "We have received your complaint."
    async with write_transaction():
        case = await move(await get_case(reference), [Status.NEW], Status.ACKNOWLEDGED, now)
        await first_response(case, now)
        await write_line(case, LineKind.ACKNOWLEDGED, body, visible=True, author=Author.STAFF, actor=actor, now=now)


async def reply(reference: str, actor: StaffActor, body: str, *, visible: bool, now: datetime | None = None) -> None:
    """A message to the customer (visible) or an internal note; a visible reply answers the case."""
    now = now or _now()
    body = clean_text(body, "body", MAX_TEXT, required=True)
    async with write_transaction():
        case = await get_case(reference)
        if visible:
            if case.status in (Status.RESOLVED, Status.CLOSED):
                raise WrongStatus(f"case {case.reference} is {case.status}: reopen it to write to the customer")
            if case.status == Status.NEW:
                case = await move(case, [Status.NEW], Status.ACKNOWLEDGED, now)
            elif case.status == Status.ACKNOWLEDGED:
                case = await move(case, [Status.ACKNOWLEDGED], Status.IN_PROGRESS, now)
            await first_response(case, now)
        kind = LineKind.MESSAGE if visible else LineKind.NOTE
        await write_line(case, kind, body, visible=visible, author=Author.STAFF, actor=actor, now=now)


async def assign(reference: str, actor: StaffActor, assignee_id: int, *, now: datetime | None = None) -> bool:
    """Assign an open case; False (and nothing written) when it is already that staff user's."""
    now = now or _now()
    username = await active_staff(assignee_id)
    async with write_transaction():
        case = await get_case(reference)
        rows = (
            await Complaint.update({Complaint.assignee: assignee_id, Complaint.updated_at: now})
            .where(
                (Complaint.id == case.id)
                & Complaint.status.is_in([s.value for s in OPEN_STATUSES])
                & (Complaint.assignee.is_null() | (Complaint.assignee != assignee_id))
            )
            .returning(Complaint.id)
        )
        case = await case_by_id(case.id)
        if not rows:
            if case.status in OPEN_STATUSES and case.assignee == assignee_id:
                return False
            raise WrongStatus(f"case {case.reference} is {case.status}: only open cases are assigned")
        line = f"assigned to {username}"
        await write_line(case, LineKind.ASSIGNED, line, visible=False, author=Author.STAFF, actor=actor, now=now)
    return True


async def resolve(reference: str, actor: StaffActor, resolution: str, *, now: datetime | None = None) -> Case:
    now = now or _now()
    body = clean_text(resolution, "resolution", MAX_TEXT, required=True)
    async with write_transaction():
        case = await get_case(reference)
        extra: dict[Any, Any] = {Complaint.resolved_at: now, Complaint.overdue: False}
        if now > case.resolution_due:
            extra[Complaint.resolution_breached] = True
        case = await move(case, OPEN_STATUSES, Status.RESOLVED, now, extra)
        await first_response(case, now)
        await write_line(case, LineKind.RESOLVED, body, visible=True, author=Author.STAFF, actor=actor, now=now)
    return case


async def close(reference: str, actor: StaffActor | None, *, now: datetime | None = None) -> None:
    """Staff close a resolved case; without an actor, the system does (the close job)."""
    now = now or _now()
    async with write_transaction():
        case = await move(await get_case(reference), [Status.RESOLVED], Status.CLOSED, now, {Complaint.closed_at: now})
        author = Author.STAFF if actor else Author.SYSTEM
        await write_line(case, LineKind.CLOSED, "Case closed.", visible=True, author=author, actor=actor, now=now)


async def reopen(reference: str, actor: StaffActor | None, reason: str, *, now: datetime | None = None) -> None:
    """Back to ``in_progress``, within the reopen window after resolution."""
    now = now or _now()
    body = clean_text(reason, "reason", MAX_TEXT, required=True)
    async with write_transaction():
        case = await get_case(reference)
        if case.resolved_at is None or case.status not in (Status.RESOLVED, Status.CLOSED):
            raise WrongStatus(f"case {case.reference} is {case.status}: only resolved or closed cases reopen")
        if now > case.resolved_at + timedelta(days=DESK.reopen_days):
            raise WrongStatus(
                f"case {case.reference} was resolved more than {DESK.reopen_days} days ago: open a new one"
            )
        extra: dict[Any, Any] = {
            Complaint.resolved_at: None,
            Complaint.closed_at: None,
            Complaint.reopen_count: Complaint.reopen_count + 1,
        }
        case = await move(case, [Status.RESOLVED, Status.CLOSED], Status.IN_PROGRESS, now, extra)
        author = Author.MEMBER if actor is None else Author.STAFF
        await write_line(case, LineKind.REOPENED, body, visible=True, author=author, actor=actor, now=now)


def _now() -> datetime:
    return datetime.now(UTC)
