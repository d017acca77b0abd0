"""One case as the desk's page shows it: the case with its customer, assignee and offers, and
who and what the page's forms may choose from (staff to assign, rewards to give).

Rules: the customer is the member behind the case when there is one (name, phone, tier), else
the name and contact the case was logged with; a member erased since keeps no name or phone
here either. Only active admin users are offered as assignees (``fields.active_staff`` refuses
any other), and only active rewards as compensation.
"""

from __future__ import annotations

from dataclasses import dataclass

from piccolo.apps.user.tables import BaseUser

from loyalty.complaints.compensation import Offer, for_case
from loyalty.complaints.views import CaseView, staff_case
from loyalty.schema import ComplaintCategory, Member, Reward


@dataclass(frozen=True, slots=True)
class Customer:
    member_id: int | None
    name: str
    phone: str | None
    contact: str
    tier: str | None


@dataclass(frozen=True, slots=True)
class Choice:
    """Something a form on the page offers: an id and what staff read."""

    id: int
    name: str


@dataclass(frozen=True, slots=True)
class DeskCase:
    view: CaseView
    category_name: str
    customer: Customer
    assignee: str | None
    offers: list[Offer]
    staff: list[Choice]
    rewards: list[Choice]


async def desk_case(reference: str) -> DeskCase:
    view = await staff_case(reference)
    case = view.case
    customer = Customer(None, case.customer_name, None, case.customer_contact, None)
    if case.member is not None:
        row = (
            await Member.select(Member.name, Member.phone, Member.tier.name_vi.as_alias("tier"))
            .where(Member.id == case.member)
            .first()
        )
        if row is not None:
            name = row["name"] or case.customer_name
            customer = Customer(case.member, name, row["phone"], case.customer_contact, row["tier"])
    staff = await staff_choices()
    names = {choice.id: choice.name for choice in staff}
    assignee = None
    if case.assignee is not None:
        assignee = names.get(case.assignee) or await _username(case.assignee)
    category = (
        await ComplaintCategory.select(ComplaintCategory.name_vi).where(ComplaintCategory.id == case.category).first()
    )
    category_name = str(category["name_vi"]) if category else view.category_code
    offers = await for_case(case.reference)
    return DeskCase(view, category_name, customer, assignee, offers, staff, await reward_choices())


async def staff_choices() -> list[Choice]:
    """Active admin users, by username: whom a case may be assigned to."""
    rows = (
        await BaseUser.select(BaseUser.id, BaseUser.username)
        .where(BaseUser.active.eq(True) & BaseUser.admin.eq(True))
        .order_by(BaseUser.username)
    )
    return [Choice(int(r["id"]), str(r["username"])) for r in rows]


async def reward_choices() -> list[Choice]:
    rows = await Reward.select(Reward.id, Reward.name_vi).where(Reward.active.eq(True)).order_by(Reward.name_vi)
    return [Choice(int(r["id"]), str(r["name_vi"])) for r in rows]


async def _username(user_id: int) -> str | None:
    row = await BaseUser.select(BaseUser.username).where(BaseUser.id == user_id).first()
    return str(row["username"]) if row else None
