"""A case's timeline: writing its lines (with their audit rows and the member's update), reading them.

Rules:

* Every change and message is one ``ComplaintEvent`` line, in order, marked visible or internal;
  internal lines never leave through the member's functions (:func:`lines_of` with
  ``visible_only``).
* A staff line of :data:`AUDITED_LINES` writes its audit row with it, so every staff action on a
  case is audited inside the function that does it (compensation lines are audited by
  ``compensation`` itself).
* A visible line written by staff or the system emits ``COMPLAINT_UPDATED`` to the case's
  member in the same transaction; the member's own lines do not.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from loyalty import audit
from loyalty.audit import StaffActor
from loyalty.complaints.records import Case
from loyalty.events import EventKind, emit
from loyalty.schema import Author as Author
from loyalty.schema import ComplaintEvent
from loyalty.schema import LineKind as LineKind

# A staff line and its audit row are written together.
AUDITED_LINES = {
    LineKind.CREATED: "complaint.log",
    LineKind.ACKNOWLEDGED: "complaint.acknowledge",
    LineKind.MESSAGE: "complaint.reply",
    LineKind.NOTE: "complaint.note",
    LineKind.ASSIGNED: "complaint.assign",
    LineKind.RESOLVED: "complaint.resolve",
    LineKind.CLOSED: "complaint.close",
    LineKind.REOPENED: "complaint.reopen",
}


@dataclass(frozen=True, slots=True)
class TimelineLine:
    at: datetime
    kind: LineKind
    author: Author
    body: str
    visible: bool
    staff: str | None


async def write_line(
    case: Case,
    kind: LineKind,
    body: str,
    *,
    visible: bool,
    author: Author,
    actor: StaffActor | None,
    now: datetime,
    data: dict[str, Any] | None = None,
) -> None:
    """One line on the case's timeline; call inside the write transaction of the change."""
    if actor is not None and author == Author.STAFF and kind in AUDITED_LINES:
        detail = {"channel": case.channel} if kind == LineKind.CREATED else {"line": body[:200]}
        await audit.record(actor, AUDITED_LINES[kind], "complaint", case.reference, **detail)
    await ComplaintEvent(
        complaint=case.id,
        kind=kind.value,
        visible=visible,
        author_kind=author.value,
        staff=actor.user_id if actor else None,
        body=body,
        data=data or {},
        created_at=now,
    ).save()
    if visible and author != Author.MEMBER and case.member is not None:
        await emit(
            EventKind.COMPLAINT_UPDATED,
            case.member,
            complaint_id=case.reference,
            status=case.status.value,
            update=kind.value,
            message=body[:200],
        )


async def add_line(
    case: Case, kind: LineKind, body: str, *, visible: bool, actor: StaffActor | None, now: datetime
) -> None:
    """A line by staff (with an actor) or the system (without one)."""
    author = Author.STAFF if actor else Author.SYSTEM
    await write_line(case, kind, body, visible=visible, author=author, actor=actor, now=now)


async def lines_of(case_id: int, *, visible_only: bool) -> list[TimelineLine]:
    """The case's lines in order; with ``visible_only`` the member's view (no staff names)."""
    query = (
        ComplaintEvent.select(
            ComplaintEvent.created_at,
            ComplaintEvent.kind,
            ComplaintEvent.author_kind,
            ComplaintEvent.body,
            ComplaintEvent.visible,
            ComplaintEvent.staff.username,
        )
        .where(ComplaintEvent.complaint == case_id)
        .order_by(ComplaintEvent.id)
    )
    if visible_only:
        query = query.where(ComplaintEvent.visible.eq(True))
    return [
        TimelineLine(
            at=r["created_at"],
            kind=LineKind(r["kind"]),
            author=Author(r["author_kind"]),
            body=r["body"],
            visible=r["visible"],
            staff=None if visible_only else r["staff.username"],
        )
        for r in await query
    ]
