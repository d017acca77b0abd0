"""The complaints desk in the admin: the case list with its filters, and the staff actions.

Cases, their timeline and compensation are read-only in the grid: every change goes through a
form, which calls one domain function and writes the audit row in the same transaction.
Categories and SLA targets are plain data staff edit in the grid.
"""

from __future__ import annotations

from typing import Any, Literal

from piccolo_admin.endpoints import FormConfig, TableConfig
from piccolo_api.crud.endpoints import OrderBy
from pydantic import Field
from starlette.requests import Request

from admin.forms import StaffForm, shows_domain_errors, staff_actor
from loyalty import complaints
from loyalty.errors import InvalidInput
from loyalty.schema import (
    CompensationStatus,
    Complaint,
    ComplaintCategory,
    ComplaintCompensation,
    ComplaintEvent,
    ComplaintSla,
)

GROUP = "Complaints"
REPORT_URL = "/staff/reports/complaints"

Reference = Field(min_length=3, max_length=24, description="The case reference, e.g. KN-2026-000123")

case_desk = TableConfig(
    Complaint,
    visible_columns=[
        Complaint.reference,
        Complaint.status,
        Complaint.priority,
        Complaint.category,
        Complaint.store,
        Complaint.channel,
        Complaint.assignee,
        Complaint.customer_name,
        Complaint.created_at,
        Complaint.first_response_due,
        Complaint.resolution_due,
        Complaint.overdue,
        Complaint.escalation_level,
        Complaint.rating_score,
    ],
    visible_filters=[
        Complaint.status,
        Complaint.priority,
        Complaint.store,
        Complaint.assignee,
        Complaint.overdue,
        Complaint.category,
        Complaint.channel,
        Complaint.reference,
        Complaint.member,
        Complaint.created_at,
    ],
    link_column=Complaint.reference,
    menu_group=GROUP,
    order_by=[OrderBy(Complaint.id, ascending=False)],
)
timeline = TableConfig(
    ComplaintEvent,
    visible_filters=[ComplaintEvent.complaint, ComplaintEvent.kind, ComplaintEvent.visible, ComplaintEvent.staff],
    menu_group=GROUP,
)
offers = TableConfig(
    ComplaintCompensation,
    visible_filters=[ComplaintCompensation.complaint, ComplaintCompensation.status, ComplaintCompensation.proposed_by],
    menu_group=GROUP,
    order_by=[OrderBy(ComplaintCompensation.id, ascending=False)],
)
categories = TableConfig(
    ComplaintCategory,
    exclude_visible_columns=[ComplaintCategory.id],
    menu_group=GROUP,
    link_column=ComplaintCategory.code,
)
targets = TableConfig(
    ComplaintSla, exclude_visible_columns=[ComplaintSla.id], menu_group=GROUP, link_column=ComplaintSla.priority
)

TABLES: list[Any] = [case_desk, timeline, offers, categories, targets]


class LogCase(StaffForm):
    category: str = Field(min_length=1, max_length=32, description="Category code, e.g. product_quality")
    description: str = Field(min_length=1, max_length=5000)
    channel: Literal["phone", "in_person", "writing", "social", "email"] = "phone"
    priority: Literal["low", "normal", "high", "urgent"] = "normal"
    store_code: str = Field(default="", max_length=16, description="Store code, if the complaint is about one")
    phone: str = Field(default="", max_length=32, description="Customer's phone: finds or records the member")
    customer_name: str = Field(default="", max_length=200)
    contact: str = Field(default="", max_length=200, description="E-mail, address or social handle")
    assignee: str = Field(default="", max_length=100, description="Staff username to assign (optional)")


class Acknowledge(StaffForm):
    reference: str = Reference
    message: str = Field(default="", max_length=5000, description="Shown to the customer (a default if empty)")


class Reply(StaffForm):
    reference: str = Reference
    body: str = Field(min_length=1, max_length=5000)
    internal: bool = Field(default=False, description="An internal note, never shown to the customer")


class Assign(StaffForm):
    reference: str = Reference
    assignee: str = Field(min_length=1, max_length=100, description="Staff username")


class Resolve(StaffForm):
    reference: str = Reference
    resolution: str = Field(min_length=1, max_length=5000, description="Shown to the customer")
    compensation_points: int = Field(default=0, ge=0, le=1_000_000, description="Points to offer (0: none)")
    compensation_reward_id: int | None = Field(default=None, gt=0, description="Or a reward's voucher")
    compensation_reason: str = Field(default="", max_length=500)


class DecideCompensation(StaffForm):
    compensation_id: int = Field(gt=0, description="Id in the compensation list")
    decision: Literal["approve", "reject"] = "approve"
    reason: str = Field(default="", max_length=500, description="Required to reject")


class ReopenOrClose(StaffForm):
    reference: str = Reference
    action: Literal["close", "reopen"] = "close"
    reason: str = Field(default="", max_length=500, description="Required to reopen")


@shows_domain_errors
async def log_case(request: Request, data: LogCase) -> str:
    case = await complaints.log_by_staff(
        staff_actor(request),
        category=data.category,
        description=data.description,
        channel=data.channel,
        priority=data.priority,
        store_code=data.store_code or None,
        phone=data.phone or None,
        customer_name=data.customer_name,
        contact=data.contact,
        assignee_id=await complaints.staff_id(data.assignee),
    )
    return f"Case {case.reference} logged; first response due {case.first_response_due:%Y-%m-%d %H:%M} UTC."


@shows_domain_errors
async def acknowledge(request: Request, data: Acknowledge) -> str:
    await complaints.acknowledge(data.reference, staff_actor(request), data.message)
    return f"Case {data.reference} acknowledged; the customer was told."


@shows_domain_errors
async def reply(request: Request, data: Reply) -> str:
    await complaints.reply(data.reference, staff_actor(request), data.body, visible=not data.internal)
    return f"Internal note added to {data.reference}." if data.internal else f"Reply sent on {data.reference}."


@shows_domain_errors
async def assign(request: Request, data: Assign) -> str:
    user_id = await complaints.staff_id(data.assignee)
    if user_id is None:
        raise InvalidInput("name the staff user to assign the case to", field="assignee")
    await complaints.assign(data.reference, staff_actor(request), user_id)
    return f"Case {data.reference} assigned to {data.assignee}."


@shows_domain_errors
async def resolve(request: Request, data: Resolve) -> str:
    offer = await complaints.resolve_with_offer(
        data.reference,
        staff_actor(request),
        data.resolution,
        points=data.compensation_points,
        reward_id=data.compensation_reward_id,
        reason=data.compensation_reason,
    )
    note = ""
    if offer is not None:
        note = (
            f" Compensation {offer.id} is waiting for a second staff user's approval."
            if offer.status == CompensationStatus.PROPOSED
            else f" Compensation {offer.id} was granted."
        )
    return f"Case {data.reference} resolved.{note}"


@shows_domain_errors
async def decide_compensation(request: Request, data: DecideCompensation) -> str:
    actor = staff_actor(request)
    if data.decision == "approve":
        offer = await complaints.approve(data.compensation_id, actor)
        return f"Compensation {offer.id} approved and granted."
    await complaints.reject(data.compensation_id, actor, data.reason)
    return f"Compensation {data.compensation_id} rejected."


@shows_domain_errors
async def reopen_or_close(request: Request, data: ReopenOrClose) -> str:
    actor = staff_actor(request)
    if data.action == "close":
        await complaints.close(data.reference, actor)
    else:
        await complaints.reopen(data.reference, actor, data.reason)
    return f"Case {data.reference}: {'closed' if data.action == 'close' else 'reopened'}."


FORMS: list[Any] = [
    FormConfig(
        name="Log a complaint",
        pydantic_model=LogCase,
        endpoint=log_case,
        description="A complaint received by phone, in person, in writing or on social media.",
        form_group=GROUP,
    ),
    FormConfig(
        name="Acknowledge a complaint",
        pydantic_model=Acknowledge,
        endpoint=acknowledge,
        description="Tells the customer the case was received (the first response).",
        form_group=GROUP,
    ),
    FormConfig(
        name="Reply on a complaint",
        pydantic_model=Reply,
        endpoint=reply,
        description="A message to the customer, or an internal note.",
        form_group=GROUP,
    ),
    FormConfig(name="Assign a complaint", pydantic_model=Assign, endpoint=assign, form_group=GROUP),
    FormConfig(
        name="Resolve a complaint",
        pydantic_model=Resolve,
        endpoint=resolve,
        description="Resolves the case, optionally offering points or a voucher.",
        form_group=GROUP,
    ),
    FormConfig(
        name="Approve compensation",
        pydantic_model=DecideCompensation,
        endpoint=decide_compensation,
        description="A second staff user approves or rejects a large compensation.",
        form_group=GROUP,
    ),
    FormConfig(
        name="Close or reopen a complaint", pydantic_model=ReopenOrClose, endpoint=reopen_or_close, form_group=GROUP
    ),
]
