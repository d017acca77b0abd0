"""Staff add phone numbers to a VIP group: pasted into the admin form, or as a file on /staff/vip/upload."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from loyalty.campaigns import vip
from loyalty.members.accounts import record_member
from loyalty.schema import AuditLog, VipMember
from tests.support.staff import sign_in, staff_http

FORM = "/admin/api/forms/add-phone-numbers-to-a-vip-group/"


@pytest.fixture
async def staff_client(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    async with staff_http(app) as http:
        yield http


async def _members_of(group: int) -> set[int]:
    return {r["member"] for r in await VipMember.select(VipMember.member).where(VipMember.group == group)}


def _token(page: str) -> str:
    return page.split("name='token' value='")[1].split("'")[0]


async def test_a_list_pasted_into_the_one_line_field_adds_every_number(staff_client: httpx.AsyncClient) -> None:
    lan = await record_member("0907654321")
    binh = await record_member("0912345678")
    chi = await record_member("0901110001")
    group = await vip.create_group("Khách VIP Q1")
    await vip.add_phones(group, "0901110001")
    headers = await sign_in(staff_client)
    # What a browser's one-line input makes of a pasted column: the line breaks become spaces.
    pasted = "0907 654 321 +84 91 234 5678 0901110001 0999 999 999 0123 gọi lại"
    answer = await staff_client.post(FORM, json={"group_id": group, "phones": pasted}, headers=headers)
    assert answer.status_code == 200, answer.text
    assert answer.json()["custom_form_success"] == (
        "2 added · 1 already in the group · 1 matched no member: 0999 999 999 · 1 not a phone number: 0123 gọi lại."
    )
    assert await _members_of(group) == {lan.id, binh.id, chi.id}
    audit = await AuditLog.select(AuditLog.detail).where(AuditLog.action == "vip_group.add").first()
    assert audit is not None and "already" in str(audit["detail"])


@pytest.mark.parametrize(
    "pasted",
    ["0907654321\n0912 345 678", "0907654321, 0912345678", "0907654321;0912345678", "0907 654 321   0912 345 678"],
)
async def test_numbers_are_read_whatever_separates_them(staff_client: httpx.AsyncClient, pasted: str) -> None:
    lan = await record_member("0907654321")
    binh = await record_member("0912345678")
    group = await vip.create_group("Nhóm")
    headers = await sign_in(staff_client)
    answer = await staff_client.post(FORM, json={"group_id": group, "phones": pasted}, headers=headers)
    assert answer.json()["custom_form_success"].startswith("2 added · 0 already in the group · 0 matched no member")
    assert await _members_of(group) == {lan.id, binh.id}


async def test_an_unknown_or_impossible_group_is_said_on_the_form(staff_client: httpx.AsyncClient) -> None:
    headers = await sign_in(staff_client)
    unknown = await staff_client.post(FORM, json={"group_id": 424242, "phones": "0907654321"}, headers=headers)
    assert unknown.status_code == 422 and "VIP group 424242 not found" in unknown.json()["custom_form_error"]
    huge = await staff_client.post(FORM, json={"group_id": 10**20, "phones": "0907654321"}, headers=headers)
    assert huge.status_code == 422


CSV_ROWS = [
    ["Họ tên", "Số điện thoại", "Ghi chú"],
    ["Nguyễn Văn An", "0907 654 321", "Khách quen"],
    ["Trần Thị Bình", "+84 91 234 5678", '"Gọi sau 18h, thứ 7"'],
    ["Lê Văn Cường", "0999 999 999", ""],
    ["Phạm Dũng", "dung@example.vn", "không có số"],
]


def _csv(separator: str, *, bom: bool) -> bytes:
    text = "\r\n".join(separator.join(row) for row in CSV_ROWS) + "\r\n"
    return ("\ufeff" if bom else "").encode() + text.encode()


@pytest.mark.parametrize(
    ("separator", "bom"), [(",", True), (",", False), (";", True), (";", False)], ids=["bom", "plain", "excel", "semi"]
)
async def test_a_customer_csv_adds_its_phone_column_and_skips_header_names_and_notes(
    staff_client: httpx.AsyncClient, separator: str, bom: bool
) -> None:
    an = await record_member("0907654321")
    binh = await record_member("0912345678")
    group = await vip.create_group("Khách thân thiết Q1")
    await sign_in(staff_client)
    page = await staff_client.get("/staff/vip/upload")
    posted = await staff_client.post(
        "/staff/vip/upload",
        data={"token": _token(page.text), "group_id": str(group)},
        files={"file": ("khach hang.csv", _csv(separator, bom=bom), "text/csv")},
    )
    assert posted.status_code == 200, posted.text
    result = posted.text.split("<p class='result'>")[1].split("</p>")[0]
    assert result == "<strong>2 added</strong>, 0 already in the group, 1 matched no member."
    assert "5 rows read; 11 cells were not phone numbers" in posted.text
    unmatched = posted.text.split("<summary>Numbers that matched no member</summary><ul>")[1].split("</ul>")[0]
    assert unmatched == "<li>0999 999 999</li>"
    assert "<li>Nguyễn Văn An</li>" in posted.text  # among the skipped cells, not the unmatched
    assert await _members_of(group) == {an.id, binh.id}


async def test_numbers_pasted_into_the_pages_text_box_are_added(staff_client: httpx.AsyncClient) -> None:
    an = await record_member("0907654321")
    group = await vip.create_group("Nhóm dán")
    await sign_in(staff_client)
    page = await staff_client.get("/staff/vip/upload")
    assert "<textarea name='phones'" in page.text
    posted = await staff_client.post(
        "/staff/vip/upload",
        data={"token": _token(page.text), "group_id": str(group), "phones": "0907 654 321\r\nkhông phải số\r\n"},
        files={"file": ("", b"", "application/octet-stream")},
    )
    assert posted.status_code == 200, posted.text
    assert "<strong>1 added</strong>, 0 already in the group, 0 matched no member, 1 not a phone number" in posted.text
    assert await _members_of(group) == {an.id}


@pytest.mark.parametrize("group_id", ["0", "99999999999999999999", "424242"])
async def test_an_upload_to_no_group_says_so_on_the_page(staff_client: httpx.AsyncClient, group_id: str) -> None:
    await sign_in(staff_client)
    page = await staff_client.get("/staff/vip/upload")
    posted = await staff_client.post(
        "/staff/vip/upload",
        data={"token": _token(page.text), "group_id": group_id},
        files={"file": ("a.csv", b"0907654321\n", "text/csv")},
    )
    assert posted.status_code == 422 and "not found" in posted.text
    assert posted.headers["content-type"].startswith("text/html")
