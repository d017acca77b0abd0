"""The case page works the case: each action is a form posting to the page, which calls the desk's
function as the signed-in staff member, redirects back (post/redirect/get), and shows a refusal on
the page in Vietnamese with a 4xx, writing nothing."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from api.staff_form_token import FORM_COOKIE
from loyalty import complaints
from loyalty.members import record_member
from loyalty.schema import AuditLog, ComplaintCompensation, ComplaintEvent, Member, Status
from tests.support.complaints import seed_desk, staff
from tests.support.staff import sign_in, staff_http

HTML = {"Accept": "text/html"}


@pytest.fixture
async def desk(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    async with staff_http(app) as http:
        yield http


async def _case(phone: str | None = "0907654321") -> str:
    await seed_desk()
    if phone:
        await record_member(phone, name="Chị Lan")
    case = await complaints.log_by_staff(
        await staff("an"),
        category="other",
        description="Ly bị nứt",
        channel="phone",
        phone=phone,
        customer_name="" if phone else "Anh Minh",
    )
    return case.reference


def _token(page: str) -> str:
    found = re.search(r"name='token' value='([^']+)'", page)
    assert found is not None, page
    return found.group(1)


async def _post(http: httpx.AsyncClient, reference: str, token: str, **fields: str) -> httpx.Response:
    return await http.post(f"/staff/complaints/{reference}", data={"token": token, **fields}, headers=HTML)


async def _lines(reference: str) -> int:
    case = await complaints.get_case(reference)
    return int(await ComplaintEvent.count().where(ComplaintEvent.complaint == case.id))


async def test_the_page_shows_the_customer_the_clock_and_vietnamese_facts(desk: httpx.AsyncClient) -> None:
    reference = await _case()
    await sign_in(desk, "hoa")
    answer = await desk.get(f"/staff/complaints/{reference}")
    assert answer.status_code == 200
    page = answer.text
    member = await Member.select(Member.id).where(Member.phone == "+84907654321").first()
    assert member is not None
    assert "Chị Lan" in page and "+84907654321" in page
    assert f"href='/staff/members/{member['id']}'" in page
    for label in ("Trạng thái", "Mức ưu tiên", "Kênh tiếp nhận", "Người phụ trách", "Phản hồi đầu tiên"):
        assert f"{label}</t" in page
    assert "<td>Mới</td>" in page and "<td>Bình thường</td>" in page and "<td>Điện thoại</td>" in page
    assert "Status" not in page and "Priority" not in page
    assert "Còn 23 giờ" in page  # a normal case is answered within 24 hours
    assert re.search(r"\d\d/\d\d/20\d\d \d\d:\d\d", page)  # local times, the Vietnamese way
    for form in ("acknowledge", "reply", "assign", "resolve", "propose"):
        assert f"id='{form}'" in page
    assert "id='close'" not in page and "id='reopen'" not in page
    assert answer.cookies.get(FORM_COOKIE) == _token(page)


async def test_each_action_posts_to_the_page_and_comes_back(desk: httpx.AsyncClient) -> None:
    reference = await _case()
    await sign_in(desk, "hoa")
    other = await staff("binh")
    token = _token((await desk.get(f"/staff/complaints/{reference}")).text)

    done = await _post(desk, reference, token, action="acknowledge", message="Chúng tôi đã nhận.")
    assert done.status_code == 303 and done.headers["location"] == f"/staff/complaints/{reference}?done=acknowledge"
    back = await desk.get(done.headers["location"])
    assert "Đã xác nhận tiếp nhận" in back.text and "<td>Đã tiếp nhận</td>" in back.text
    assert (await complaints.get_case(reference)).status == Status.ACKNOWLEDGED

    body = "Chào chị Lan,\nchúng tôi sẽ đổi ly mới.\nCảm ơn chị."
    assert (await _post(desk, reference, token, action="reply", body=body, visibility="customer")).status_code == 303
    note = await _post(desk, reference, token, action="reply", body="Khách quen", visibility="internal")
    assert note.headers["location"].endswith("?done=note")
    view = await complaints.staff_case(reference)
    assert view.case.status == Status.IN_PROGRESS
    assert [(line.body, line.visible, line.staff) for line in view.timeline[-2:]] == [
        (body, True, "hoa"),
        ("Khách quen", False, "hoa"),
    ]

    assigned = await _post(desk, reference, token, action="assign", assignee_id=str(other.user_id))
    assert assigned.headers["location"].endswith("?done=assign")
    assert (await complaints.get_case(reference)).assignee == other.user_id
    assert "<td>binh</td>" in (await desk.get(f"/staff/complaints/{reference}")).text

    granted = await _post(desk, reference, token, action="propose", points="100", reason="Xin lỗi chị")
    assert granted.status_code == 303
    waiting = await _post(desk, reference, token, action="propose", points="1.000", reason="Ly đắt tiền")
    assert waiting.status_code == 303
    offers = await complaints.for_case(reference)
    assert [(o.points, o.status.value) for o in offers] == [(100, "granted"), (1000, "proposed")]
    page = (await desk.get(f"/staff/complaints/{reference}")).text
    assert "1.000 điểm" in page and "Chờ duyệt" in page and "Đã tặng" in page

    resolved = await _post(desk, reference, token, action="resolve", resolution="Đã đổi ly.\nKhách hài lòng.")
    assert resolved.headers["location"].endswith("?done=resolve")
    page = (await desk.get(f"/staff/complaints/{reference}")).text
    assert "<td>Đã giải quyết</td>" in page and "Đã xong lúc" in page and "id='close'" in page
    assert (await _post(desk, reference, token, action="close")).status_code == 303
    assert (await complaints.get_case(reference)).status == Status.CLOSED
    reopened = await _post(desk, reference, token, action="reopen", reason="Khách báo ly mới cũng nứt")
    assert reopened.headers["location"].endswith("?done=reopen")
    assert (await complaints.get_case(reference)).status == Status.IN_PROGRESS
    actions = await AuditLog.select(AuditLog.action).where(AuditLog.staff_username == "hoa")
    expected = {"complaint.acknowledge", "complaint.resolve", "complaint.close", "complaint.reopen"}
    assert expected <= {a["action"] for a in actions}


async def test_a_second_staff_member_approves_a_large_offer(app: Any) -> None:
    reference = await _case()
    async with staff_http(app) as first, staff_http(app) as second:
        await sign_in(first, "hoa")
        await sign_in(second, "binh")
        token = _token((await first.get(f"/staff/complaints/{reference}")).text)
        await _post(first, reference, token, action="propose", points="800", reason="Ly đắt tiền")
        offer = (await complaints.for_case(reference))[0]
        own = await _post(first, reference, token, action="approve", compensation_id=str(offer.id))
        assert own.status_code == 403
        assert "cần một nhân viên khác duyệt" in own.text
        other_token = _token((await second.get(f"/staff/complaints/{reference}")).text)
        approved = await _post(second, reference, other_token, action="approve", compensation_id=str(offer.id))
        assert approved.headers["location"].endswith("?done=approve")
        again = await _post(
            second, reference, other_token, action="reject", compensation_id=str(offer.id), reason="x y z"
        )
        assert again.status_code == 409 and "đã được quyết định" in again.text
    assert (await complaints.for_case(reference))[0].status.value == "granted"


async def test_refusals_are_shown_on_the_page_and_write_nothing(desk: httpx.AsyncClient) -> None:
    reference = await _case()
    await sign_in(desk, "hoa")
    token = _token((await desk.get(f"/staff/complaints/{reference}")).text)
    before = await _lines(reference)

    empty = await _post(desk, reference, token, action="reply", body="   ", visibility="customer")
    assert empty.status_code == 422
    assert "Nội dung trả lời: không được để trống" in empty.text and "class='error'" in empty.text
    assert "id='reply'" in empty.text  # the page again, its forms there to try once more
    not_a_number = await _post(desk, reference, token, action="propose", points="nhiều", reason="Xin lỗi")
    assert not_a_number.status_code == 422 and "Số điểm" in not_a_number.text
    assert "Xin lỗi" in not_a_number.text  # what was typed is kept
    too_early = await _post(desk, reference, token, action="close")
    assert too_early.status_code == 409 and "trạng thái hiện tại" in too_early.text
    nobody = await _post(desk, reference, token, action="assign", assignee_id="999999")
    assert nobody.status_code == 422 and "Người phụ trách" in nobody.text
    unknown = await _post(desk, reference, token, action="delete")
    assert unknown.status_code == 422
    forged = await _post(desk, reference, "x" * 32, action="reply", body="Giả mạo", visibility="customer")
    assert forged.status_code == 403
    no_token = await desk.post(f"/staff/complaints/{reference}", data={"action": "close"}, headers=HTML)
    assert no_token.status_code == 403
    assert await _lines(reference) == before
    assert await ComplaintCompensation.count() == 0
    assert (await complaints.get_case(reference)).status == Status.NEW


async def test_a_post_that_changes_nothing_writes_nothing(desk: httpx.AsyncClient) -> None:
    reference = await _case(phone=None)
    agent = await staff("an")
    await complaints.assign(reference, agent, agent.user_id or 0)
    await sign_in(desk, "hoa")
    page = (await desk.get(f"/staff/complaints/{reference}")).text
    assert "id='propose'" not in page  # no member to compensate
    before = await _lines(reference)
    same = await _post(desk, reference, _token(page), action="assign", assignee_id=str(agent.user_id))
    assert same.headers["location"].endswith("?done=unchanged")
    assert "Không có gì thay đổi" in (await desk.get(same.headers["location"])).text
    assert await _lines(reference) == before


async def test_an_unknown_case_is_a_404_page(desk: httpx.AsyncClient) -> None:
    reference = await _case()
    await sign_in(desk, "hoa")
    token = _token((await desk.get(f"/staff/complaints/{reference}")).text)
    for path in ("/staff/complaints/KN-2026-999999", "/staff/complaints/nothing"):
        missing = await desk.get(path, headers=HTML)
        assert missing.status_code == 404 and "Không tìm thấy" in missing.text
        posted = await desk.post(path, data={"token": token, "action": "close"}, headers=HTML)
        assert posted.status_code == 404 and "Không tìm thấy" in posted.text
