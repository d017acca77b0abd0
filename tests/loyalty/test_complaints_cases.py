"""Complaint cases on a real database: opening, status moves, timeline, rating, reopen."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import pytest

from loyalty import complaints
from loyalty.errors import InvalidInput
from loyalty.members.accounts import record_member
from loyalty.schema import Complaint, ComplaintEvent, ComplaintPhoto, DomainEvent, Member, Status
from tests.support.complaints import seed_desk, staff

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 100
JPEG = b"\xff\xd8\xff\xe0" + b"\0" * 100


@pytest.fixture(autouse=True)
async def desk() -> None:
    await seed_desk()


async def _member() -> int:
    return (await record_member("0901234567", "Lan")).id


async def test_a_case_from_the_app_gets_a_reference_and_sla_due_times() -> None:
    m = await _member()
    case = await complaints.file_from_app(m, category="product_quality", description="Bánh bị mốc", now=T0)
    assert case.reference == f"KN-2026-{case.id:06d}"
    assert case.status == "new" and case.channel == "app" and case.priority == "normal"
    assert case.first_response_due == T0 + timedelta(hours=24)
    assert case.resolution_due == T0 + timedelta(days=7)
    lines = await ComplaintEvent.select(ComplaintEvent.kind).where(ComplaintEvent.complaint == case.id)
    assert [r["kind"] for r in lines] == ["created"]


async def test_full_life_cycle_keeps_an_ordered_timeline_and_tells_the_member() -> None:
    m = await _member()
    agent = await staff("an")
    case = await complaints.file_from_app(m, category="service_attitude", description="Rude cashier", now=T0)
    ref = case.reference
    await complaints.acknowledge(ref, agent, now=T0 + timedelta(hours=1))
    await complaints.reply(ref, agent, "checked the CCTV", visible=False, now=T0 + timedelta(hours=2))
    await complaints.reply(ref, agent, "We spoke with the store manager", visible=True, now=T0 + timedelta(hours=3))
    await complaints.member_message(m, ref, "Thank you", now=T0 + timedelta(hours=4))
    await complaints.resolve(ref, agent, "Apologised, staff retrained", now=T0 + timedelta(days=1))
    await complaints.rate(m, ref, 4, "ok", now=T0 + timedelta(days=2))
    await complaints.close(ref, agent, now=T0 + timedelta(days=3))

    stored = await complaints.get_case(ref)
    assert stored.status == "closed" and stored.rating_score == 4
    assert stored.first_response_at == T0 + timedelta(hours=1) and not stored.first_response_breached
    full = await complaints.case_view(stored, visible_only=False)
    assert [line.kind for line in full.timeline] == [
        "created",
        "acknowledged",
        "note",
        "message",
        "message",
        "resolved",
        "rating",
        "closed",
    ]
    seen = await complaints.member_case(m, ref)
    assert "note" not in [line.kind for line in seen.timeline]
    assert all("CCTV" not in line.body for line in seen.timeline)
    # Only staff-written visible lines notify the member: ack, reply, resolved, closed.
    assert await DomainEvent.count().where(DomainEvent.kind == "complaint_updated") == 4


async def test_rating_only_after_resolution_and_only_once() -> None:
    m = await _member()
    agent = await staff("an")
    case = await complaints.file_from_app(m, category="other", description="x")
    with pytest.raises(complaints.WrongStatus):
        await complaints.rate(m, case.reference, 5)
    await complaints.resolve(case.reference, agent, "done")
    await complaints.rate(m, case.reference, 5)
    with pytest.raises(complaints.AlreadyRated):
        await complaints.rate(m, case.reference, 1)
    with pytest.raises(InvalidInput):
        await complaints.rate(m, case.reference, 6)


async def test_another_members_case_is_not_found() -> None:
    m = await _member()
    other = (await record_member("0912345678")).id
    case = await complaints.file_from_app(m, category="other", description="x")
    with pytest.raises(complaints.CaseNotFound):
        await complaints.member_case(other, case.reference)
    with pytest.raises(complaints.CaseNotFound):
        await complaints.member_message(other, case.reference, "hi")


async def test_staff_log_a_phone_complaint_recording_the_customer_by_phone() -> None:
    agent = await staff("an")
    case = await complaints.log_by_staff(
        agent,
        category="pricing",
        description="Charged twice",
        channel="phone",
        priority="urgent",
        phone="0987654321",
        customer_name="Anh Tuấn",
        now=T0,
    )
    member = await Member.objects().where(Member.phone == "+84987654321").first()
    assert member is not None and case.member == member.id and member.name == "Anh Tuấn"
    assert case.first_response_due == T0 + timedelta(hours=1)
    anonymous = await complaints.log_by_staff(
        agent, category="other", description="Letter", channel="writing", customer_name="Bà Hoa", contact="12 Lê Lợi"
    )
    assert anonymous.member is None and anonymous.customer_contact == "12 Lê Lợi"
    with pytest.raises(InvalidInput):
        await complaints.log_by_staff(agent, category="other", description="x", channel="phone")
    with pytest.raises(InvalidInput):
        await complaints.log_by_staff(agent, category="other", description="x", channel="fax", customer_name="A")


async def test_bad_input_writes_nothing() -> None:
    m = await _member()
    with pytest.raises(complaints.UnknownCategory):
        await complaints.file_from_app(m, category="nope", description="x")
    with pytest.raises(InvalidInput):
        await complaints.file_from_app(m, category="other", description="   ")
    with pytest.raises(InvalidInput):
        await complaints.file_from_app(m, category="other", description="x", store_code="NOPE")
    assert await Complaint.count() == 0


def test_photos_are_checked_for_count_size_and_type() -> None:
    ok = complaints.decode_photos([base64.b64encode(PNG).decode(), base64.b64encode(JPEG).decode()])
    assert [p.content_type for p in ok] == ["image/png", "image/jpeg"]
    with pytest.raises(complaints.PhotoRejected):
        complaints.decode_photos([base64.b64encode(PNG).decode()] * 4)
    with pytest.raises(complaints.PhotoRejected):
        complaints.decode_photos([base64.b64encode(PNG + b"\0" * (1024 * 1024)).decode()])
    with pytest.raises(complaints.PhotoRejected):
        complaints.decode_photos([base64.b64encode(b"GIF89a....").decode()])
    with pytest.raises(complaints.PhotoRejected):
        complaints.decode_photos(["not base64!"])


async def test_photos_are_stored_with_the_case() -> None:
    m = await _member()
    photos = complaints.decode_photos([base64.b64encode(PNG).decode()])
    case = await complaints.file_from_app(m, category="other", description="x", photos=photos)
    stored = await ComplaintPhoto.select().where(ComplaintPhoto.complaint == case.id)
    assert len(stored) == 1 and bytes(stored[0]["content"]) == PNG and stored[0]["content_type"] == "image/png"


async def test_reopen_only_within_the_window() -> None:
    m = await _member()
    agent = await staff("an")
    case = await complaints.file_from_app(m, category="other", description="x", now=T0)
    await complaints.resolve(case.reference, agent, "done", now=T0 + timedelta(days=1))
    await complaints.reopen(case.reference, agent, "customer called back", now=T0 + timedelta(days=3))
    reopened = await complaints.get_case(case.reference)
    assert reopened.status == "in_progress" and reopened.reopen_count == 1 and reopened.resolved_at is None
    await complaints.resolve(case.reference, agent, "done again", now=T0 + timedelta(days=4))
    with pytest.raises(complaints.WrongStatus):
        await complaints.reopen(case.reference, agent, "too late", now=T0 + timedelta(days=30))


async def test_status_moves_are_guarded() -> None:
    m = await _member()
    agent = await staff("an")
    case = await complaints.file_from_app(m, category="other", description="x")
    await complaints.acknowledge(case.reference, agent)
    with pytest.raises(complaints.WrongStatus):
        await complaints.acknowledge(case.reference, agent)
    with pytest.raises(complaints.WrongStatus):
        await complaints.close(case.reference, agent)
    other = await staff("binh")
    await complaints.assign(case.reference, agent, other.user_id or 0)
    assert (await complaints.get_case(case.reference)).assignee == other.user_id


async def test_resolved_cases_close_after_the_reopen_window() -> None:
    m = await _member()
    agent = await staff("an")
    case = await complaints.file_from_app(m, category="other", description="x", now=T0)
    await complaints.resolve(case.reference, agent, "done", now=T0 + timedelta(days=1))
    assert await complaints.close_resolved(T0 + timedelta(days=10)) == 0
    assert await complaints.close_resolved(T0 + timedelta(days=16)) == 1
    assert await complaints.close_resolved(T0 + timedelta(days=17)) == 0
    closed = await complaints.get_case(case.reference)
    assert closed.status == "closed" and closed.closed_at == T0 + timedelta(days=16)


async def test_each_staff_move_writes_its_audit_row_and_a_customers_own_message_none() -> None:
    from loyalty.schema import AuditLog

    m = await _member()
    agent = await staff("an")
    case = await complaints.file_from_app(m, category="service_attitude", description="Rude cashier", now=T0)
    await complaints.member_message(m, case.reference, "Still waiting", now=T0 + timedelta(minutes=5))
    await complaints.acknowledge(case.reference, agent, now=T0 + timedelta(hours=1))
    await complaints.reply(case.reference, agent, "checked the CCTV", visible=False, now=T0 + timedelta(hours=2))
    await complaints.resolve(case.reference, agent, "Apologised", now=T0 + timedelta(days=1))
    rows = await AuditLog.select(AuditLog.action, AuditLog.staff_username, AuditLog.target_id).order_by(AuditLog.id)
    assert [(r["action"], r["staff_username"], r["target_id"]) for r in rows] == [
        ("complaint.acknowledge", "an", case.reference),
        ("complaint.note", "an", case.reference),
        ("complaint.resolve", "an", case.reference),
    ]


async def test_staff_may_type_a_reference_in_lower_case_with_spaces() -> None:
    m = await _member()
    agent = await staff("an")
    case = await complaints.file_from_app(m, category="pricing", description="Giá sai", now=T0)
    typed = f"  {case.reference.lower()} "
    await complaints.acknowledge(typed, agent, now=T0 + timedelta(hours=1))
    await complaints.resolve(typed, agent, "Giá đã sửa", now=T0 + timedelta(hours=2))
    stored = await complaints.get_case(case.reference)
    assert stored.status == "resolved" and stored.first_response_at == T0 + timedelta(hours=1)


async def test_a_case_leaves_the_desk_as_a_frozen_record() -> None:
    import dataclasses

    m = await _member()
    case = await complaints.file_from_app(m, category="pricing", description="Giá sai", now=T0)
    with pytest.raises(dataclasses.FrozenInstanceError):
        case.status = Status.CLOSED  # type: ignore[misc]
    assert not hasattr(case, "save")  # not the table row: nothing outside the desk writes it
    assert case.can_rate is False
