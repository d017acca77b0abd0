"""Reading cases back: one case with its timeline and photos, the member's list, the open cases.

Rules: the member's views carry only the customer-visible timeline and no staff names; the
staff's carry every line. Category and store are shown by their codes. Open cases are listed
for the desk overdue first, then by their resolution due time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from loyalty.complaints.photos import photo_ids
from loyalty.complaints.records import Case, get_case
from loyalty.complaints.timeline import TimelineLine, lines_of
from loyalty.schema import Complaint, ComplaintCategory, Status, Store


@dataclass(frozen=True, slots=True)
class CaseView:
    case: Case
    category_code: str
    store_code: str | None
    timeline: list[TimelineLine]
    photo_ids: list[int]

    @property
    def photo_count(self) -> int:
        return len(self.photo_ids)


@dataclass(frozen=True, slots=True)
class CaseSummary:
    """A case in the member's list: the case and its category and store codes."""

    case: Case
    category_code: str
    store_code: str | None


@dataclass(frozen=True, slots=True)
class OpenCase:
    reference: str
    status: Status
    priority: str
    overdue: bool
    resolution_due: datetime
    category: str | None
    assignee: str | None


@dataclass(frozen=True, slots=True)
class Category:
    code: str
    name: str


async def case_view(case: Case, *, visible_only: bool) -> CaseView:
    lines = await lines_of(case.id, visible_only=visible_only)
    codes = await category_codes([case.category])
    stores = await store_codes([case.store] if case.store is not None else [])
    return CaseView(case, codes.get(case.category, ""), stores.get(case.store), lines, await photo_ids(case.id))


async def staff_case(reference: str) -> CaseView:
    """One case as the desk reads it: every line, internal notes and staff names too."""
    return await case_view(await get_case(reference), visible_only=False)


async def summaries(cases: list[Case]) -> list[CaseSummary]:
    codes = await category_codes([c.category for c in cases])
    stores = await store_codes([c.store for c in cases if c.store is not None])
    return [CaseSummary(c, codes.get(c.category, ""), stores.get(c.store)) for c in cases]


async def category_codes(ids: list[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = await ComplaintCategory.select(ComplaintCategory.id, ComplaintCategory.code).where(
        ComplaintCategory.id.is_in(ids)
    )
    return {r["id"]: r["code"] for r in rows}


async def store_codes(ids: list[int]) -> dict[int | None, str]:
    if not ids:
        return {}
    rows = await Store.select(Store.id, Store.code).where(Store.id.is_in(ids))
    return {r["id"]: r["code"] for r in rows}


async def categories(locale: str) -> list[Category]:
    """The active categories a complaint can be filed under, in the member's language."""
    name = ComplaintCategory.name_en if locale == "en" else ComplaintCategory.name_vi
    rows = (
        await ComplaintCategory.select(ComplaintCategory.code, name.as_alias("name"))
        .where(ComplaintCategory.active.eq(True))
        .order_by(ComplaintCategory.sort_order)
    )
    return [Category(r["code"], r["name"]) for r in rows]


async def open_cases(limit: int = 200) -> list[OpenCase]:
    """Cases not yet closed: overdue first, then by the resolution due time."""
    rows = (
        await Complaint.select(
            Complaint.reference,
            Complaint.status,
            Complaint.priority,
            Complaint.overdue,
            Complaint.resolution_due,
            Complaint.category.code.as_alias("category"),
            Complaint.assignee.username.as_alias("assignee"),
        )
        .where(Complaint.status != Status.CLOSED)
        .order_by(Complaint.overdue, ascending=False)
        .order_by(Complaint.resolution_due)
        .limit(limit)
    )
    return [
        OpenCase(
            reference=r["reference"],
            status=Status(r["status"]),
            priority=r["priority"],
            overdue=bool(r["overdue"]),
            resolution_due=r["resolution_due"],
            category=r["category"],
            assignee=r["assignee"],
        )
        for r in rows
    ]
