"""The member's side of the desk: its own cases, writing on them, rating them.

Rules:

* A member reaches only its own cases; another member's reference is "not found".
* The member writes on any case that is not closed; its lines are visible and emit nothing to
  itself.
* The member rates a case once (1-5), only after resolution: a guarded
  ``UPDATE … WHERE rated_at IS NULL AND status IN ('resolved', 'closed')``.
"""

from __future__ import annotations

from datetime import UTC, datetime

from loyalty.complaints.fields import MAX_TEXT, clean_text
from loyalty.complaints.moves import WrongStatus
from loyalty.complaints.records import Case, own_case
from loyalty.complaints.timeline import Author, LineKind, write_line
from loyalty.complaints.views import CaseSummary, CaseView, case_view, summaries
from loyalty.db import write_transaction
from loyalty.errors import Conflict, InvalidInput
from loyalty.schema import Complaint, Status


class AlreadyRated(Conflict):
    code = "already_rated"
    title = "This case was already rated"


async def member_case(member_id: int, reference: str) -> CaseView:
    """The member's own case with its customer-visible timeline (another's: not found)."""
    return await case_view(await own_case(member_id, reference), visible_only=True)


async def member_cases(member_id: int, *, limit: int, after_id: int | None) -> list[CaseSummary]:
    """Newest first, keyset on id (``after_id``: the last id of the previous page)."""
    query = Complaint.objects().where(Complaint.member == member_id)
    if after_id is not None:
        query = query.where(Complaint.id < after_id)
    rows = await query.order_by(Complaint.id, ascending=False).limit(limit)
    return await summaries([Case.of(row) for row in rows])


async def member_message(member_id: int, reference: str, body: str, *, now: datetime | None = None) -> None:
    now = now or datetime.now(UTC)
    body = clean_text(body, "body", MAX_TEXT, required=True)
    async with write_transaction():
        case = await own_case(member_id, reference)
        if case.status == Status.CLOSED:
            raise WrongStatus(f"case {reference} is closed: open a new complaint", case_status=case.status.value)
        await write_line(case, LineKind.MESSAGE, body, visible=True, author=Author.MEMBER, actor=None, now=now)


async def rate(member_id: int, reference: str, score: int, comment: str = "", *, now: datetime | None = None) -> None:
    now = now or datetime.now(UTC)
    if not isinstance(score, int) or not 1 <= score <= 5:
        raise InvalidInput("score is a whole number from 1 to 5", field="score")
    comment = clean_text(comment, "comment", 1000, required=False)
    async with write_transaction():
        case = await own_case(member_id, reference)
        rows = (
            await Complaint.update(
                {Complaint.rating_score: score, Complaint.rating_comment: comment, Complaint.rated_at: now}
            )
            .where(
                (Complaint.id == case.id)
                & Complaint.rated_at.is_null()
                & Complaint.status.is_in([Status.RESOLVED.value, Status.CLOSED.value])
            )
            .returning(Complaint.id)
        )
        if not rows:
            if case.rated_at is not None:
                raise AlreadyRated(f"case {reference} was already rated")
            raise WrongStatus(f"case {reference} can be rated once it is resolved", case_status=case.status.value)
        line = f"rated {score}/5"
        await write_line(case, LineKind.RATING, line, visible=True, author=Author.MEMBER, actor=None, now=now)
