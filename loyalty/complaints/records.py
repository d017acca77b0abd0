"""What a case is to its callers: a frozen record, found by its public reference.

Rules: a case leaves this package as a :class:`Case` copied from its row, never as the table row,
so nothing outside changes a case except through the desk's functions. A reference is read
without regard to case or surrounding spaces; a member reaches only its own cases, and any
other reference is "not found", never "forbidden".
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from loyalty.errors import NotFound
from loyalty.schema import Complaint, Status


class CaseNotFound(NotFound):
    code = "complaint_not_found"
    title = "No such complaint"


@dataclass(frozen=True, slots=True)
class Case:
    id: int
    reference: str
    member: int | None
    customer_name: str
    customer_contact: str
    category: int
    priority: str
    channel: str
    store: int | None
    status: Status
    description: str
    assignee: int | None
    created_by: int | None
    created_at: datetime
    updated_at: datetime
    first_response_due: datetime
    resolution_due: datetime
    first_response_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    first_response_breached: bool
    resolution_breached: bool
    overdue: bool
    escalation_level: int
    reopen_count: int
    rating_score: int | None
    rating_comment: str
    rated_at: datetime | None

    @property
    def can_rate(self) -> bool:
        """The member rates a case once, after its resolution."""
        return self.rated_at is None and self.status in (Status.RESOLVED, Status.CLOSED)

    @classmethod
    def of(cls, row: Complaint) -> Case:
        values: dict[str, Any] = {field.name: getattr(row, field.name) for field in fields(cls)}
        values["status"] = Status(values["status"])
        return cls(**values)


def normalise_reference(reference: str) -> str:
    return reference.strip().upper()


async def get_case(reference: str) -> Case:
    case = await Complaint.objects().where(Complaint.reference == normalise_reference(reference)).first()
    if case is None:
        raise CaseNotFound(f"no complaint {reference!r}", reference=reference)
    return Case.of(case)


async def case_by_id(case_id: int) -> Case:
    case = await Complaint.objects().where(Complaint.id == case_id).first()
    if case is None:
        raise CaseNotFound(f"no complaint {case_id}", case_id=case_id)
    return Case.of(case)


async def own_case(member_id: int, reference: str) -> Case:
    """The member's own case; another member's (or no) case is simply not found."""
    case = (
        await Complaint.objects()
        .where((Complaint.reference == normalise_reference(reference)) & (Complaint.member == member_id))
        .first()
    )
    if case is None:
        raise CaseNotFound(f"no complaint {reference!r}", reference=reference)
    return Case.of(case)
