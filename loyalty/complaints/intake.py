"""Opening a case: from the member's app, or logged by staff from a call, a visit or a letter.

Rules:

* A customer may always complain, through any channel, for free. A case gets its public
  reference ``KN-<year>-<id, 6 digits>`` (the ``{id}`` of the member API) in the transaction
  that opens it, with its due times from the service levels of its priority (``sla``).
* A case is filed under an active category; staff give a channel and a priority. With a phone
  number the customer is found (or recorded) as a member; without one the case keeps only the
  name and contact given, and one of them is required.
* The case, its photos and its ``created`` line (with the staff member's audit row) are written
  in one transaction.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from enum import StrEnum
from typing import TypeVar

from loyalty import members
from loyalty.audit import StaffActor
from loyalty.complaints.fields import MAX_TEXT, active_staff, clean_text, store_id
from loyalty.complaints.photos import Photo, keep_photos
from loyalty.complaints.records import Case
from loyalty.complaints.sla import Priority, due_times
from loyalty.complaints.timeline import Author, LineKind, write_line
from loyalty.db import MAX_ID, write_transaction
from loyalty.errors import InvalidInput, NotFound
from loyalty.schema import Complaint, ComplaintCategory, ComplaintChannel, Member, Status

# The table's choices (``loyalty.schema``), under this package's name.
Channel = ComplaintChannel

E = TypeVar("E", bound=StrEnum)
DEFAULT_CATEGORIES = [
    ("product_quality", "Chất lượng sản phẩm", "Product quality"),
    ("service_attitude", "Thái độ phục vụ", "Service attitude"),
    ("points_voucher", "Điểm / voucher", "Points or voucher problem"),
    ("app_problem", "Lỗi ứng dụng", "App problem"),
    ("pricing", "Giá cả", "Pricing"),
    ("other", "Khác", "Other"),
]


class UnknownCategory(InvalidInput):
    code = "unknown_category"
    title = "Unknown complaint category"


async def seed_categories() -> int:
    """Add the default categories that are missing; returns how many were added."""
    added = 0
    async with write_transaction():
        for order, (code, name_vi, name_en) in enumerate(DEFAULT_CATEGORIES):
            if not await ComplaintCategory.exists().where(ComplaintCategory.code == code):
                await ComplaintCategory(code=code, name_vi=name_vi, name_en=name_en, sort_order=order).save()
                added += 1
    return added


async def file_from_app(
    member_id: int,
    *,
    category: str,
    description: str,
    store_code: str | None = None,
    photos: list[Photo] | None = None,
    now: datetime | None = None,
) -> Case:
    """A member's complaint from the app (channel ``app``, priority ``normal``)."""
    return await _open(
        member_id=member_id,
        category=category,
        description=description,
        store_code=store_code,
        priority=Priority.NORMAL,
        channel=Channel.APP,
        photos=photos or [],
        actor=None,
        now=now or datetime.now(UTC),
    )


async def log_by_staff(
    actor: StaffActor,
    *,
    category: str,
    description: str,
    channel: str,
    priority: str = Priority.NORMAL,
    store_code: str | None = None,
    phone: str | None = None,
    customer_name: str = "",
    contact: str = "",
    assignee_id: int | None = None,
    member_id: int | None = None,
    now: datetime | None = None,
) -> Case:
    """A complaint received by phone, in person, in writing or on social media.

    With a phone number the customer is found (or recorded) as a member; without one the case
    keeps only the name and contact given. From a member's own page staff give ``member_id``
    instead (a member without a phone too); an unknown or erased member is :class:`NotFound`.
    """
    how = _parse(Channel, channel, "channel")
    name = clean_text(customer_name, "customer_name", 200, required=False)
    contact = clean_text(contact, "contact", 200, required=False)
    async with write_transaction():
        if member_id is not None:
            if not 0 < member_id <= MAX_ID or not await Member.exists().where(
                (Member.id == member_id) & Member.erased_at.is_null()
            ):
                raise NotFound(f"member {member_id} not found", field="member_id")
        elif phone and phone.strip():
            member_id = (await members.record_member(phone, name)).id
        elif not name and not contact:
            raise InvalidInput("give the customer's phone number, or a name or contact", field="phone")
        return await _open(
            member_id=member_id,
            category=category,
            description=description,
            store_code=store_code,
            priority=priority,
            channel=how,
            photos=[],
            actor=actor,
            now=now or datetime.now(UTC),
            customer_name=name,
            contact=contact,
            assignee_id=assignee_id,
        )


async def _open(
    *,
    member_id: int | None,
    category: str,
    description: str,
    store_code: str | None,
    priority: str,
    channel: Channel,
    photos: list[Photo],
    actor: StaffActor | None,
    now: datetime,
    customer_name: str = "",
    contact: str = "",
    assignee_id: int | None = None,
) -> Case:
    description = clean_text(description, "description", MAX_TEXT, required=True)
    level = _parse(Priority, priority, "priority")
    found = (
        await ComplaintCategory.select(ComplaintCategory.id)
        .where((ComplaintCategory.code == category) & ComplaintCategory.active.eq(True))
        .first()
    )
    if found is None:
        raise UnknownCategory(f"unknown complaint category {category!r}", field="category")
    store = await store_id(store_code)
    if assignee_id is not None:
        await active_staff(assignee_id)
    first_due, resolution_due = await due_times(level, now)
    async with write_transaction():
        row = Complaint(
            # A unique placeholder until the id is known (the reference embeds it).
            reference="tmp-" + uuid.uuid4().hex[:20],
            member=member_id,
            customer_name=customer_name,
            customer_contact=contact,
            category=found["id"],
            priority=level.value,
            channel=channel.value,
            store=store,
            status=Status.NEW.value,
            description=description,
            assignee=assignee_id,
            created_by=actor.user_id if actor else None,
            created_at=now,
            updated_at=now,
            first_response_due=first_due,
            resolution_due=resolution_due,
        )
        await row.save()
        row.reference = f"KN-{now.year}-{row.id:06d}"
        await Complaint.update({Complaint.reference: row.reference}).where(Complaint.id == row.id)
        await keep_photos(row.id, photos)
        case = Case.of(row)
        await write_line(
            case,
            LineKind.CREATED,
            f"Case {case.reference} opened ({channel})",
            visible=True,
            author=Author.MEMBER if actor is None else Author.STAFF,
            actor=actor,
            now=now,
            data={"photos": len(photos)},
        )
    return case


def _parse(kind: type[E], value: str, field: str) -> E:
    try:
        return kind(value)
    except ValueError:
        raise InvalidInput(f"{field} must be one of {', '.join(kind)}", field=field) from None
