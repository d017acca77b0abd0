"""Uploading a file of phone numbers into a VIP group, through the staff page."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from loyalty.campaigns import vip
from loyalty.members.accounts import record_member
from loyalty.schema import AuditLog, VipMember
from tests.support.complaints import PASSWORD, staff


@pytest.fixture
async def staff_client(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, client=("10.9.0.8", 4200))  # own address: login limits
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


async def _sign_in(http: httpx.AsyncClient) -> None:
    await staff("hoa")
    await http.get("/admin/")
    csrf = http.cookies.get("csrftoken") or ""
    login = await http.post(
        "/admin/public/login/", json={"username": "hoa", "password": PASSWORD}, headers={"X-CSRFToken": csrf}
    )
    assert login.status_code == 200, login.text


def _token(page: str) -> str:
    return page.split("name='token' value='")[1].split("'")[0]


async def test_a_csv_of_phone_numbers_fills_the_group_and_lists_the_unmatched(staff_client: httpx.AsyncClient) -> None:
    lan = await record_member("0901234567")
    binh = await record_member("0912345678")
    group = await vip.create_group("Khách thân thiết Q1")
    assert (await staff_client.get("/staff/vip/upload")).status_code == 303
    await _sign_in(staff_client)
    page = await staff_client.get("/staff/vip/upload")
    assert page.status_code == 200 and "Khách thân thiết Q1" in page.text
    csv = "phone,name\n090 123 4567,Lan\n+84 91 234 5678,Bình\n0999999999,Ai đó\nnot a phone,x\n".encode()
    posted = await staff_client.post(
        "/staff/vip/upload",
        data={"token": _token(page.text), "group_id": str(group)},
        files={"file": ("khach.csv", csv, "text/csv")},
    )
    assert posted.status_code == 200, posted.text
    assert "2 added" in posted.text and "0999999999" in posted.text
    members = {r["member"] for r in await VipMember.select(VipMember.member).where(VipMember.group == group)}
    assert members == {lan.id, binh.id}
    assert await AuditLog.count().where(AuditLog.action == "vip_group.upload") == 1


async def test_a_post_without_the_pages_token_is_refused(staff_client: httpx.AsyncClient) -> None:
    group = await vip.create_group("VIP")
    await _sign_in(staff_client)
    await staff_client.get("/staff/vip/upload")
    posted = await staff_client.post(
        "/staff/vip/upload",
        data={"token": "forged", "group_id": str(group)},
        files={"file": ("a.txt", b"0901234567", "text/plain")},
    )
    assert posted.status_code == 403
    assert await VipMember.count() == 0
