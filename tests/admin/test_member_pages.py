"""The member pages: find a member as a clerk types, its whole story, and the actions on it
(each through its domain function, Post/Redirect/Get, refusals shown on the page as a 4xx)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from admin.site import SIDEBAR_LINKS
from loyalty import campaigns, members, points
from loyalty.points import Kind
from loyalty.schema import AuditLog, Complaint, LedgerEntry, Member, VipMember, Voucher
from tests.support.complaints import ledger_consistent, seed_desk
from tests.support.rewards import make_reward
from tests.support.staff import sign_in, staff_http

HTML = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


@pytest.fixture
async def staff_client(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    async with staff_http(app) as http:
        await sign_in(http)
        yield http


async def _lan() -> int:
    member_id = int((await members.record_member("0907654321", name="Nguyễn Thị Lan")).id)
    await points.credit(member_id, 1_200, kind=Kind.GIFT, reference="welcome")
    return member_id


def _form(page: str) -> dict[str, str]:
    token = re.search(r'name="token" value="([^"]+)"', page)
    nonce = re.search(r'name="nonce" value="([^"]+)"', page)
    assert token and nonce, page
    return {"token": token.group(1), "nonce": nonce.group(1)}


async def _open(http: httpx.AsyncClient, member_id: int) -> dict[str, str]:
    answer = await http.get(f"/staff/members/{member_id}")
    assert answer.status_code == 200, answer.text
    return _form(answer.text)


@pytest.mark.parametrize("typed", ["0907 654 321", "0907654321", "+84907654321", "84907654321", "lan"])
async def test_one_match_goes_to_the_members_page(staff_client: httpx.AsyncClient, typed: str) -> None:
    member_id = await _lan()
    answer = await staff_client.get("/staff/members", params={"q": typed})
    assert answer.status_code == 303 and answer.headers["location"] == f"/staff/members/{member_id}"


async def test_several_matches_are_a_list_and_none_a_message(staff_client: httpx.AsyncClient) -> None:
    await _lan()
    await members.record_member("0907659999", name="Trần Lan Anh")
    listed = await staff_client.get("/staff/members", params={"q": "Lan"})
    assert listed.status_code == 200 and "Nguyễn Thị Lan" in listed.text and "Trần Lan Anh" in listed.text
    assert "0907 654 321" in listed.text
    for n in range(49):
        await members.record_member(f"0907{n:06d}", name=f"Lan {n}")
    many = await staff_client.get("/staff/members", params={"q": "Lan"})
    assert many.text.count('href="/staff/members/') == 50 and "Chỉ hiện 50 khách hàng mới nhất" in many.text
    none = await staff_client.get("/staff/members", params={"q": "0988 000 111"})
    assert none.status_code == 200 and "Không tìm thấy khách hàng nào" in none.text
    empty = await staff_client.get("/staff/members", params={"q": "  "})
    assert empty.status_code == 400 and "Hãy nhập số điện thoại" in empty.text
    blank = await staff_client.get("/staff/members")
    assert blank.status_code == 200 and 'name="q"' in blank.text


async def test_an_attackers_query_is_escaped_and_matches_nothing(staff_client: httpx.AsyncClient) -> None:
    await _lan()
    for q in ["<script>alert(1)</script>", "' OR '1'='1", "%", "x'; DROP TABLE member; --"]:
        answer = await staff_client.get("/staff/members", params={"q": q})
        assert answer.status_code == 200 and "<script>alert" not in answer.text, q
        assert "Không tìm thấy khách hàng nào" in answer.text
    assert await Member.count() == 1
    too_long = await staff_client.get("/staff/members", params={"q": "9" * 101}, headers=HTML)
    assert too_long.status_code == 400


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/staff/members/424242", 404),
        ("/staff/members/2147483648", 404),
        ("/staff/members/99999999999999999999", 404),
        ("/staff/members/0", 404),
        ("/staff/members/-1", 404),
        ("/staff/members/abc", 404),
        ("/staff/members/1?before=not-a-page", 422),
    ],
)
async def test_a_bad_member_address_is_an_error_page(staff_client: httpx.AsyncClient, path: str, status: int) -> None:
    member_id = await _lan()
    answer = await staff_client.get(path.replace("/1?", f"/{member_id}?"), headers=HTML)
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith("text/html")
    assert "← Về trang quản trị" in answer.text


async def test_the_page_tells_the_members_story(staff_client: httpx.AsyncClient) -> None:
    member_id = await _lan()
    await Member.update({Member.name: "Lan <b>&</b>"}).where(Member.id == member_id)
    answer = await staff_client.get(f"/staff/members/{member_id}")
    assert answer.status_code == 200
    page = answer.text
    assert "Lan &lt;b&gt;&amp;&lt;/b&gt;" in page and "Lan <b>" not in page
    assert '<b id="balance">1.200</b>' in page and "0907 654 321" in page
    assert "Quà tặng" in page and "+1.200 điểm · số dư 1.200" in page
    assert answer.headers["cache-control"] == "no-store"


async def test_the_timeline_pages_by_key(staff_client: httpx.AsyncClient) -> None:
    member_id = await _lan()
    for n in range(35):
        await points.credit(member_id, 1, kind=Kind.GIFT, reference=f"g-{n}")
    first = await staff_client.get(f"/staff/members/{member_id}")
    assert first.text.count('class="source-ledger"') == 30
    older = re.search(r'href="(/staff/members/\d+\?before=[^"]+)" id="older"', first.text)
    assert older is not None
    second = await staff_client.get(older.group(1).replace("&amp;", "&"))
    assert second.status_code == 200 and second.text.count('class="source-ledger"') == 6
    assert 'id="older"' not in second.text


async def test_adjusting_points_goes_through_the_ledger_once_and_is_audited(staff_client: httpx.AsyncClient) -> None:
    member_id = await _lan()
    form = await _open(staff_client, member_id)
    body = {**form, "delta": "-200", "reason": "Nhập nhầm hoá đơn"}
    posted = await staff_client.post(f"/staff/members/{member_id}/points", data=body)
    assert posted.status_code == 303 and posted.headers["location"] == f"/staff/members/{member_id}?done=points"
    again = await staff_client.post(f"/staff/members/{member_id}/points", data=body)  # a double click
    assert again.status_code == 303
    assert await ledger_consistent(member_id) == 1_000
    assert await LedgerEntry.count().where(LedgerEntry.kind == "adjust") == 1
    audit = await AuditLog.select().where(AuditLog.action == "points.adjust")
    assert len(audit) == 1 and audit[0]["staff_username"] == "hoa"
    shown = await staff_client.get(posted.headers["location"])
    assert "Đã điều chỉnh điểm." in shown.text and "Điều chỉnh: Nhập nhầm hoá đơn" in shown.text


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({"delta": "abc", "reason": "Lý do"}, 422, "Số điểm phải là một số nguyên."),
        ({"delta": "0", "reason": "Lý do"}, 422, "Số điểm điều chỉnh phải khác 0."),
        ({"delta": "10", "reason": " "}, 422, "Hãy ghi lý do"),
        ({"delta": "-999999", "reason": "Lý do"}, 409, "Khách không đủ điểm"),
        ({"delta": "9" * 40, "reason": "Lý do"}, 422, "Số điểm phải là một số nguyên."),
        ({"delta": "9" * 19, "reason": "Lý do"}, 422, "tối đa 1.000.000 điểm"),
        ({"delta": "10", "reason": "Lý\x00 do"}, 422, "one line of at most 500 characters"),
        ({"delta": "10", "reason": "x" * 501}, 422, "one line of at most 500 characters"),
    ],
)
async def test_a_refused_adjustment_shows_the_page_again_with_the_reason(
    staff_client: httpx.AsyncClient, body: dict[str, str], status: int, message: str
) -> None:
    member_id = await _lan()
    form = await _open(staff_client, member_id)
    answer = await staff_client.post(f"/staff/members/{member_id}/points", data={**form, **body})
    assert answer.status_code == status and message in answer.text
    assert await ledger_consistent(member_id) == 1_200


async def test_a_form_without_its_token_is_refused(staff_client: httpx.AsyncClient) -> None:
    member_id = await _lan()
    await _open(staff_client, member_id)
    forged = {"token": "x" * 32, "nonce": "y" * 22, "delta": "500", "reason": "Tặng thêm"}
    answer = await staff_client.post(f"/staff/members/{member_id}/points", data=forged)
    assert answer.status_code == 403 and "Biểu mẫu đã hết hạn" in answer.text
    assert await ledger_consistent(member_id) == 1_200
    unknown = await staff_client.post("/staff/members/424242/points", data=forged, headers=HTML)
    assert unknown.status_code == 404


async def test_giving_a_voucher_joining_a_group_and_logging_a_complaint(staff_client: httpx.AsyncClient) -> None:
    await seed_desk()
    member_id = await _lan()
    reward = await make_reward(name_vi="Bánh mì", points_cost=50)
    group = await campaigns.create_group("Khách thân thiết")
    form = await _open(staff_client, member_id)
    voucher = await staff_client.post(f"/staff/members/{member_id}/voucher", data={**form, "reward_id": str(reward.id)})
    assert voucher.status_code == 303
    assert await Voucher.count().where((Voucher.member == member_id) & (Voucher.source == "staff")) == 1
    assert await ledger_consistent(member_id) == 1_200  # given, not bought
    vip = await staff_client.post(f"/staff/members/{member_id}/vip", data={**form, "group_id": str(group)})
    assert vip.headers["location"].endswith("done=vip")
    vip = await staff_client.post(f"/staff/members/{member_id}/vip", data={**form, "group_id": str(group)})
    assert vip.headers["location"].endswith("done=vip_already")
    assert await VipMember.count().where(VipMember.member == member_id) == 1
    body = {**form, "category": "other", "channel": "phone", "description": "Ly bị nứt"}
    complaint = await staff_client.post(f"/staff/members/{member_id}/complaint", data=body)
    assert complaint.status_code == 303
    assert await Complaint.count().where(Complaint.member == member_id) == 1
    page = (await staff_client.get(f"/staff/members/{member_id}")).text
    assert "Bánh mì" in page and "nhân viên tặng" in page and "Khách thân thiết" in page and "Ly bị nứt" in page
    form = await _open(staff_client, member_id)  # a new page: a new nonce
    bad = await staff_client.post(f"/staff/members/{member_id}/voucher", data={**form, "reward_id": "424242"})
    assert bad.status_code == 404 and "Không tìm thấy mục đã chọn" in bad.text
    bad = await staff_client.post(f"/staff/members/{member_id}/vip", data={**form, "group_id": "99999999999999"})
    assert bad.status_code == 404
    for category in ("nope", "other\x00", "' OR 1=1 --"):
        bad = await staff_client.post(f"/staff/members/{member_id}/complaint", data={**body, "category": category})
        assert bad.status_code == 422 and "Loại khiếu nại không có" in bad.text
    bad = await staff_client.post(f"/staff/members/{member_id}/complaint", data={**body, "description": "a\x00b"})
    assert bad.status_code == 422
    assert await Complaint.count() == 1 and await Voucher.count() == 1


async def test_erasing_needs_the_typed_public_id_and_names_the_staff_member(staff_client: httpx.AsyncClient) -> None:
    member_id = await _lan()
    public_id = (await Member.select(Member.public_id).where(Member.id == member_id).first() or {})["public_id"]
    form = await _open(staff_client, member_id)
    wrong = await staff_client.post(f"/staff/members/{member_id}/erase", data={**form, "confirm": "TT000"})
    assert wrong.status_code == 422 and f"Gõ đúng mã thành viên {public_id}" in wrong.text
    assert await AuditLog.count().where(AuditLog.action == "member.erase") == 0
    done = await staff_client.post(f"/staff/members/{member_id}/erase", data={**form, "confirm": public_id.lower()})
    assert done.status_code == 303 and done.headers["location"].endswith("done=erased")
    row = await Member.select(Member.phone, Member.name, Member.erased_at).where(Member.id == member_id).first()
    assert row is not None and row["phone"] is None and row["name"] == "" and row["erased_at"] is not None
    audit = await AuditLog.select().where(AuditLog.action == "member.erase")
    assert [(a["staff_username"], a["target_id"]) for a in audit] == [("hoa", str(member_id))]
    page = (await staff_client.get(done.headers["location"])).text
    assert "đã xoá dữ liệu cá nhân" in page and 'action="/staff/members/' not in page
    again = await staff_client.post(f"/staff/members/{member_id}/erase", data={**form, "confirm": public_id})
    assert again.status_code == 409


async def test_signed_out_the_member_page_asks_for_the_staff_login(app: Any) -> None:
    async with staff_http(app) as http:
        answer = await http.get("/staff/members/1")
        assert answer.status_code == 303 and answer.headers["location"] == "/staff/login?next=/staff/members/1"
        posted = await http.post("/staff/members/1/points", data={"delta": "5"})
        assert posted.status_code == 303 and posted.headers["location"].startswith("/staff/login")


async def test_the_dashboard_and_the_admins_sidebar_lead_to_the_member_search(staff_client: httpx.AsyncClient) -> None:
    dashboard = await staff_client.get("/staff/dashboard")
    assert "<a href='/staff/members' id='find-member'>Tra cứu khách hàng</a>" in dashboard.text
    assert SIDEBAR_LINKS["Tra cứu khách hàng"] == "/staff/members"
