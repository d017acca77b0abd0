"""Reading cases back for the staff pages: the open cases, and the photos a customer attached."""

from __future__ import annotations

from typing import Any

from loyalty.complaints.cases import Photo
from loyalty.errors import NotFound
from loyalty.schema import Complaint, ComplaintPhoto


async def photo_ids(case_id: int) -> list[int]:
    rows = (
        await ComplaintPhoto.select(ComplaintPhoto.id)
        .where(ComplaintPhoto.complaint == case_id)
        .order_by(ComplaintPhoto.id)
    )
    return [r["id"] for r in rows]


async def photo(photo_id: int) -> Photo:
    row = (
        await ComplaintPhoto.select(ComplaintPhoto.content_type, ComplaintPhoto.content)
        .where(ComplaintPhoto.id == photo_id)
        .first()
    )
    if row is None:
        raise NotFound(f"no photo {photo_id}")
    return Photo(row["content_type"], bytes(row["content"]))


async def open_cases(limit: int = 200) -> list[dict[str, Any]]:
    """Cases not yet closed: overdue first, then by the resolution due time."""
    rows: list[dict[str, Any]] = (
        await Complaint.select(
            Complaint.reference,
            Complaint.status,
            Complaint.priority,
            Complaint.overdue,
            Complaint.resolution_due,
            Complaint.category.code.as_alias("category"),
            Complaint.assignee.username.as_alias("assignee"),
        )
        .where(Complaint.status != "closed")
        .order_by(Complaint.overdue, ascending=False)
        .order_by(Complaint.resolution_due)
        .limit(limit)
    )
    return rows
