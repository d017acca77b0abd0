"""Complaints: cases from the app or logged by staff, their status, timeline and rating.

Rules and invariants:

* A customer may always complain, through any channel, for free. A case has a public
  reference ``KN-<year>-<id, 6 digits>`` (the ``{id}`` of the member API); a member reaches only
  its own cases: any other reference is "not found", never "forbidden".
* Status moves ``new → acknowledged → in_progress → resolved → closed``; each move is one
  guarded ``UPDATE … WHERE status IN (…) … RETURNING``. A resolved or closed case may be
  reopened (back to ``in_progress``) within ``COMPLAINT_REOPEN_DAYS`` of its resolution.
* The first staff answer the customer sees (acknowledgement or reply) is the first response;
  it is recorded once (``WHERE first_response_at IS NULL``) and flagged as breached when late.
* The job ``complaints.close_resolved`` closes resolved cases once the reopen window has passed.
* Every change and message is a ``ComplaintEvent`` on the timeline, in order, marked visible
  or internal. Internal lines never leave through member functions. A visible line written by
  staff or the system emits ``COMPLAINT_UPDATED`` to the member in the same transaction.
* The member rates a case once (1-5), only after resolution: a guarded
  ``UPDATE … WHERE rated_at IS NULL AND status IN ('resolved', 'closed')``.
* Photos (≤ 3, ≤ 1 MB each decoded, JPEG or PNG by their first bytes) are stored as bytes
  in ``ComplaintPhoto``, in the transaction that opens the case.
"""

from __future__ import annotations

import base64
import binascii
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from piccolo.apps.user.tables import BaseUser

from loyalty import audit, members
from loyalty.audit import StaffActor
from loyalty.complaints.sla import DESK, OPEN_STATUSES, PRIORITIES, due_times
from loyalty.db import write_transaction
from loyalty.errors import Conflict, InvalidInput, NotFound
from loyalty.events import EventKind, emit
from loyalty.jobs import job
from loyalty.schema import Complaint, ComplaintCategory, ComplaintEvent, ComplaintPhoto, Status, Store

MAX_PHOTOS = 3
MAX_PHOTO_BYTES = 1024 * 1024
MAX_TEXT = 5000
JPEG_MAGIC = b"\xff\xd8\xff"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
DEFAULT_CATEGORIES = [
    ("product_quality", "Chất lượng sản phẩm", "Product quality"),
    ("service_attitude", "Thái độ phục vụ", "Service attitude"),
    ("points_voucher", "Điểm / voucher", "Points or voucher problem"),
    ("app_problem", "Lỗi ứng dụng", "App problem"),
    ("pricing", "Giá cả", "Pricing"),
    ("other", "Khác", "Other"),
]


CHANNELS = ("app", "phone", "in_person", "writing", "social", "email")


class CaseNotFound(NotFound):
    code = "complaint_not_found"
    title = "No such complaint"


class UnknownCategory(InvalidInput):
    code = "unknown_category"
    title = "Unknown complaint category"


class PhotoRejected(InvalidInput):
    code = "photo_rejected"
    title = "Photo refused"


class WrongStatus(Conflict):
    code = "complaint_status"
    title = "Not possible in the case's current status"


class AlreadyRated(Conflict):
    code = "already_rated"
    title = "This case was already rated"


@dataclass(frozen=True)
class Photo:
    content_type: str
    content: bytes


@dataclass(frozen=True)
class TimelineLine:
    at: datetime
    kind: str
    author: str
    body: str
    visible: bool
    staff: str | None


@dataclass(frozen=True)
class CaseView:
    case: Complaint
    category_code: str
    store_code: str | None
    timeline: list[TimelineLine]
    photo_count: int


def decode_photos(raw: list[str]) -> list[Photo]:
    """Base64 photos from the app, checked for count, size and type (JPEG/PNG by magic bytes)."""
    if len(raw) > MAX_PHOTOS:
        raise PhotoRejected(f"at most {MAX_PHOTOS} photos per case", field="photos")
    photos = []
    for index, text in enumerate(raw):
        if len(text) > (MAX_PHOTO_BYTES * 4) // 3 + 8:
            raise PhotoRejected(f"photo {index + 1} is larger than 1 MB", field="photos", index=index)
        try:
            content = base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise PhotoRejected(f"photo {index + 1} is not base64", field="photos", index=index) from exc
        if len(content) > MAX_PHOTO_BYTES:
            raise PhotoRejected(f"photo {index + 1} is larger than 1 MB", field="photos", index=index)
        if content.startswith(JPEG_MAGIC):
            photos.append(Photo("image/jpeg", content))
        elif content.startswith(PNG_MAGIC):
            photos.append(Photo("image/png", content))
        else:
            raise PhotoRejected(f"photo {index + 1} is not a JPEG or PNG image", field="photos", index=index)
    return photos


async def seed_categories() -> int:
    """Add the default categories that are missing; returns how many were added."""
    added = 0
    async with write_transaction():
        for order, (code, name_vi, name_en) in enumerate(DEFAULT_CATEGORIES):
            if not await ComplaintCategory.exists().where(ComplaintCategory.code == code):
                await ComplaintCategory(code=code, name_vi=name_vi, name_en=name_en, sort_order=order).save()
                added += 1
    return added


# --- opening a case ---------------------------------------------------------------------


async def file_from_app(
    member_id: int,
    *,
    category: str,
    description: str,
    store_code: str | None = None,
    photos: list[Photo] | None = None,
    now: datetime | None = None,
) -> Complaint:
    """A member's complaint from the app (channel ``app``, priority ``normal``)."""
    return await _open(
        member_id=member_id,
        category=category,
        description=description,
        store_code=store_code,
        priority="normal",
        channel="app",
        photos=photos or [],
        actor=None,
        now=now or _now(),
    )


async def log_by_staff(
    actor: StaffActor,
    *,
    category: str,
    description: str,
    channel: str,
    priority: str = "normal",
    store_code: str | None = None,
    phone: str | None = None,
    customer_name: str = "",
    contact: str = "",
    assignee_id: int | None = None,
    now: datetime | None = None,
) -> Complaint:
    """A complaint received by phone, in person, in writing or on social media.

    With a phone number the customer is found (or recorded) as a member; without one the case
    keeps only the name and contact given.
    """
    if channel not in CHANNELS:
        raise InvalidInput(f"channel must be one of {', '.join(CHANNELS)}", field="channel")
    name = _text(customer_name, "customer_name", 200, required=False)
    contact = _text(contact, "contact", 200, required=False)
    async with write_transaction():
        member_id = None
        if phone and phone.strip():
            member_id = (await members.record_member(phone, name)).id
        elif not name and not contact:
            raise InvalidInput("give the customer's phone number, or a name or contact", field="phone")
        return await _open(
            member_id=member_id,
            category=category,
            description=description,
            store_code=store_code,
            priority=priority,
            channel=channel,
            photos=[],
            actor=actor,
            now=now or _now(),
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
    channel: str,
    photos: list[Photo],
    actor: StaffActor | None,
    now: datetime,
    customer_name: str = "",
    contact: str = "",
    assignee_id: int | None = None,
) -> Complaint:
    description = _text(description, "description", MAX_TEXT, required=True)
    if priority not in PRIORITIES:
        raise InvalidInput(f"priority must be one of {', '.join(PRIORITIES)}", field="priority")
    found = (
        await ComplaintCategory.select(ComplaintCategory.id)
        .where((ComplaintCategory.code == category) & ComplaintCategory.active.eq(True))
        .first()
    )
    if found is None:
        raise UnknownCategory(f"unknown complaint category {category!r}", field="category")
    store_id = await _store_id(store_code)
    if assignee_id is not None:
        await _check_staff(assignee_id)
    first_due, resolution_due = await due_times(priority, now)
    async with write_transaction():
        case = Complaint(
            # A unique placeholder until the id is known (the reference embeds it).
            reference="tmp-" + uuid.uuid4().hex[:20],
            member=member_id,
            customer_name=customer_name,
            customer_contact=contact,
            category=found["id"],
            priority=priority,
            channel=channel,
            store=store_id,
            status=Status.NEW.value,
            description=description,
            assignee=assignee_id,
            created_by=actor.user_id if actor else None,
            created_at=now,
            updated_at=now,
            first_response_due=first_due,
            resolution_due=resolution_due,
        )
        await case.save()
        case.reference = f"KN-{now.year}-{case.id:06d}"
        await Complaint.update({Complaint.reference: case.reference}).where(Complaint.id == case.id)
        for photo in photos:
            await ComplaintPhoto(
                complaint=case.id, content_type=photo.content_type, size=len(photo.content), content=photo.content
            ).save()
        await _line(
            case,
            "created",
            f"Case {case.reference} opened ({channel})",
            visible=True,
            author="member" if actor is None else "staff",
            actor=actor,
            now=now,
            data={"photos": len(photos)},
        )
    return case


# --- staff moves --------------------------------------------------------------------------


async def acknowledge(reference: str, actor: StaffActor, message: str = "", *, now: datetime | None = None) -> None:
    now = now or _now()
    body = _text(message, "message", MAX_TEXT, required=False) or "We have received your complaint."
    async with write_transaction():
        case = await _move(reference, [Status.NEW], Status.ACKNOWLEDGED, now)
        await _first_response(case, now)
        await _line(case, "acknowledged", body, visible=True, author="staff", actor=actor, now=now)


async def reply(reference: str, actor: StaffActor, body: str, *, visible: bool, now: datetime | None = None) -> None:
    """A message to the customer (visible) or an internal note; a visible reply answers the case."""
    now = now or _now()
    body = _text(body, "body", MAX_TEXT, required=True)
    async with write_transaction():
        case = await get_case(reference)
        if visible:
            if case.status in (Status.RESOLVED, Status.CLOSED):
                raise WrongStatus(f"case {reference} is {case.status}: reopen it to write to the customer")
            if case.status == Status.NEW:
                case = await _move(reference, [Status.NEW], Status.ACKNOWLEDGED, now)
            elif case.status == Status.ACKNOWLEDGED:
                case = await _move(reference, [Status.ACKNOWLEDGED], Status.IN_PROGRESS, now)
            await _first_response(case, now)
        await _line(case, "message" if visible else "note", body, visible=visible, author="staff", actor=actor, now=now)


async def assign(reference: str, actor: StaffActor, assignee_id: int, *, now: datetime | None = None) -> None:
    now = now or _now()
    username = await _check_staff(assignee_id)
    async with write_transaction():
        rows = (
            await Complaint.update({Complaint.assignee: assignee_id, Complaint.updated_at: now})
            .where((Complaint.reference == reference) & Complaint.status.is_in(list(OPEN_STATUSES)))
            .returning(Complaint.id)
        )
        if not rows:
            case = await get_case(reference)
            raise WrongStatus(f"case {reference} is {case.status}: only open cases are assigned")
        case = await get_case(reference)
        await _line(case, "assigned", f"assigned to {username}", visible=False, author="staff", actor=actor, now=now)


async def resolve(reference: str, actor: StaffActor, resolution: str, *, now: datetime | None = None) -> Complaint:
    now = now or _now()
    body = _text(resolution, "resolution", MAX_TEXT, required=True)
    async with write_transaction():
        case = await get_case(reference)
        late = now > case.resolution_due
        extra: dict[Any, Any] = {Complaint.resolved_at: now, Complaint.overdue: False}
        if late:
            extra[Complaint.resolution_breached] = True
        case = await _move(reference, list(OPEN_STATUSES), Status.RESOLVED, now, extra)
        await _first_response(case, now)
        await _line(case, "resolved", body, visible=True, author="staff", actor=actor, now=now)
    return case


async def close(reference: str, actor: StaffActor | None, *, now: datetime | None = None) -> None:
    now = now or _now()
    async with write_transaction():
        case = await _move(reference, [Status.RESOLVED], Status.CLOSED, now, {Complaint.closed_at: now})
        await _line(
            case, "closed", "Case closed.", visible=True, author="staff" if actor else "system", actor=actor, now=now
        )


async def reopen(reference: str, actor: StaffActor | None, reason: str, *, now: datetime | None = None) -> None:
    """Back to ``in_progress``, within the reopen window after resolution."""
    now = now or _now()
    body = _text(reason, "reason", MAX_TEXT, required=True)
    async with write_transaction():
        case = await get_case(reference)
        if case.resolved_at is None or case.status not in (Status.RESOLVED, Status.CLOSED):
            raise WrongStatus(f"case {reference} is {case.status}: only resolved or closed cases reopen")
        if now > case.resolved_at + timedelta(days=DESK.reopen_days):
            raise WrongStatus(f"case {reference} was resolved more than {DESK.reopen_days} days ago: open a new one")
        extra: dict[Any, Any] = {
            Complaint.resolved_at: None,
            Complaint.closed_at: None,
            Complaint.reopen_count: Complaint.reopen_count + 1,
        }
        case = await _move(reference, [Status.RESOLVED, Status.CLOSED], Status.IN_PROGRESS, now, extra)
        author = "member" if actor is None else "staff"
        await _line(case, "reopened", body, visible=True, author=author, actor=actor, now=now)


# --- the member's side --------------------------------------------------------------------


async def member_case(member_id: int, reference: str) -> CaseView:
    """The member's own case with its customer-visible timeline (another's: not found)."""
    case = await _own(member_id, reference)
    return await case_view(case, visible_only=True)


async def member_cases(member_id: int, *, limit: int, after_id: int | None) -> list[Complaint]:
    """Newest first, keyset on id (``after_id``: the last id of the previous page)."""
    query = Complaint.objects().where(Complaint.member == member_id)
    if after_id is not None:
        query = query.where(Complaint.id < after_id)
    return list(await query.order_by(Complaint.id, ascending=False).limit(limit))


async def member_message(member_id: int, reference: str, body: str, *, now: datetime | None = None) -> None:
    now = now or _now()
    body = _text(body, "body", MAX_TEXT, required=True)
    async with write_transaction():
        case = await _own(member_id, reference)
        if case.status == Status.CLOSED:
            raise WrongStatus(f"case {reference} is closed: open a new complaint", case_status=case.status)
        await _line(case, "message", body, visible=True, author="member", actor=None, now=now)


async def rate(member_id: int, reference: str, score: int, comment: str = "", *, now: datetime | None = None) -> None:
    now = now or _now()
    if not isinstance(score, int) or not 1 <= score <= 5:
        raise InvalidInput("score is a whole number from 1 to 5", field="score")
    comment = _text(comment, "comment", 1000, required=False)
    async with write_transaction():
        case = await _own(member_id, reference)
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
            raise WrongStatus(f"case {reference} can be rated once it is resolved", case_status=case.status)
        await _line(case, "rating", f"rated {score}/5", visible=True, author="member", actor=None, now=now)


# --- reading -------------------------------------------------------------------------------


async def get_case(reference: str) -> Complaint:
    case = await Complaint.objects().where(Complaint.reference == reference.strip().upper()).first()
    if case is None:
        raise CaseNotFound(f"no complaint {reference!r}", reference=reference)
    return case


async def case_view(case: Complaint, *, visible_only: bool) -> CaseView:
    query = (
        ComplaintEvent.select(
            ComplaintEvent.created_at,
            ComplaintEvent.kind,
            ComplaintEvent.author_kind,
            ComplaintEvent.body,
            ComplaintEvent.visible,
            ComplaintEvent.staff.username,
        )
        .where(ComplaintEvent.complaint == case.id)
        .order_by(ComplaintEvent.id)
    )
    if visible_only:
        query = query.where(ComplaintEvent.visible.eq(True))
    lines = [
        TimelineLine(
            at=r["created_at"],
            kind=r["kind"],
            author=r["author_kind"],
            body=r["body"],
            visible=r["visible"],
            staff=None if visible_only else r["staff.username"],
        )
        for r in await query
    ]
    category = (
        await ComplaintCategory.select(ComplaintCategory.code).where(ComplaintCategory.id == case.category).first()
    )
    store = None
    if case.store is not None:
        row = await Store.select(Store.code).where(Store.id == case.store).first()
        store = row["code"] if row else None
    photos = await ComplaintPhoto.count().where(ComplaintPhoto.complaint == case.id)
    return CaseView(case, category["code"] if category else "", store, lines, photos)


async def category_codes(ids: list[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = await ComplaintCategory.select(ComplaintCategory.id, ComplaintCategory.code).where(
        ComplaintCategory.id.is_in(ids)
    )
    return {r["id"]: r["code"] for r in rows}


# --- internals ----------------------------------------------------------------------------


async def _own(member_id: int, reference: str) -> Complaint:
    case = (
        await Complaint.objects()
        .where((Complaint.reference == reference.strip().upper()) & (Complaint.member == member_id))
        .first()
    )
    if case is None:
        raise CaseNotFound(f"no complaint {reference!r}", reference=reference)
    return case


async def _move(
    reference: str, allowed: list[Status] | list[str], to: Status, now: datetime, extra: dict[Any, Any] | None = None
) -> Complaint:
    values: dict[Any, Any] = {Complaint.status: to.value, Complaint.updated_at: now, **(extra or {})}
    rows = (
        await Complaint.update(values)
        .where((Complaint.reference == reference) & Complaint.status.is_in([str(s) for s in allowed]))
        .returning(Complaint.id)
    )
    case = await get_case(reference)
    if not rows:
        raise WrongStatus(f"case {reference} is {case.status}: cannot move it to {to.value}", case_status=case.status)
    return case


async def _first_response(case: Complaint, now: datetime) -> None:
    await Complaint.update(
        {Complaint.first_response_at: now, Complaint.first_response_breached: now > case.first_response_due}
    ).where((Complaint.id == case.id) & Complaint.first_response_at.is_null())


# A staff move's timeline line and its audit row are written together (compensation lines are
# audit-logged by complaint_compensation itself).
AUDITED_LINES = {
    "created": "complaint.log",
    "acknowledged": "complaint.acknowledge",
    "message": "complaint.reply",
    "note": "complaint.note",
    "assigned": "complaint.assign",
    "resolved": "complaint.resolve",
    "closed": "complaint.close",
    "reopened": "complaint.reopen",
}


async def _line(
    case: Complaint,
    kind: str,
    body: str,
    *,
    visible: bool,
    author: str,
    actor: StaffActor | None,
    now: datetime,
    data: dict[str, Any] | None = None,
) -> None:
    if actor is not None and author == "staff" and kind in AUDITED_LINES:
        detail = {"channel": case.channel} if kind == "created" else {"line": body[:200]}
        await audit.record(actor, AUDITED_LINES[kind], "complaint", case.reference, **detail)
    await ComplaintEvent(
        complaint=case.id,
        kind=kind,
        visible=visible,
        author_kind=author,
        staff=actor.user_id if actor else None,
        body=body,
        data=data or {},
        created_at=now,
    ).save()
    if visible and author != "member" and case.member is not None:
        await emit(
            EventKind.COMPLAINT_UPDATED,
            case.member,
            complaint_id=case.reference,
            status=case.status,
            update=kind,
            message=body[:200],
        )


async def add_line(
    case: Complaint, kind: str, body: str, *, visible: bool, actor: StaffActor | None, now: datetime
) -> None:
    """A timeline line from another complaints module (compensation): same rules as ours."""
    await _line(case, kind, body, visible=visible, author="staff" if actor else "system", actor=actor, now=now)


async def _store_id(code: str | None) -> int | None:
    if code is None or not code.strip():
        return None
    row = await Store.select(Store.id).where(Store.code == code.strip()).first()
    if row is None:
        raise InvalidInput(f"no store {code!r}", field="store_code")
    return int(row["id"])


async def _check_staff(user_id: int) -> str:
    row = await BaseUser.select(BaseUser.username, BaseUser.active).where(BaseUser.id == user_id).first()
    if row is None or not row["active"]:
        raise InvalidInput(f"no active staff user {user_id}", field="assignee_id")
    return str(row["username"])


def _text(value: str | None, field: str, limit: int, *, required: bool) -> str:
    text = (value or "").strip()
    if required and not text:
        raise InvalidInput(f"{field} must not be empty", field=field)
    if len(text) > limit:
        raise InvalidInput(f"{field} is longer than {limit} characters", field=field)
    if any(ord(ch) < 32 and ch not in "\n\r\t" for ch in text):
        raise InvalidInput(f"{field} contains control characters", field=field)
    return text


def _now() -> datetime:
    return datetime.now(UTC)


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
