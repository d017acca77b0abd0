"""GET /me/export and DELETE /me: a member's own data out, and erasure that keeps the books."""

from __future__ import annotations

import base64

import httpx

from loyalty import points
from loyalty.points import Kind
from loyalty.points import check as ledger_check
from loyalty.schema import Complaint, ComplaintPhoto, LedgerEntry, Member
from notifications.tables import Device
from tests.conftest import member_headers
from tests.support.complaints import seed_desk

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


async def _member_with_history(client: httpx.AsyncClient) -> int:
    await seed_desk()
    headers = member_headers("0907654321")
    me = await client.patch("/api/v1/me", headers=headers, json={"name": "Trần Văn Bình", "email": "binh@example.vn"})
    assert me.status_code == 200
    member = await Member.objects().where(Member.phone == "+84907654321").first()
    assert member is not None
    await points.credit(member.id, 120, kind=Kind.EARN, reference="export-earn")
    await points.debit(member.id, 20, kind=Kind.REDEEM, reference="export-spend")
    device = await client.post(
        "/api/v1/me/devices", headers=headers, json={"token": "tok-binh-1234567", "platform": "android"}
    )
    assert device.status_code == 201
    case = await client.post(
        "/api/v1/me/complaints",
        headers=headers,
        json={
            "category": "other",
            "description": "Nhân viên tính sai tiền",
            "photos": [base64.b64encode(PNG).decode()],
        },
    )
    assert case.status_code == 201, case.text
    return member.id


async def test_export_holds_everything_about_the_member(client: httpx.AsyncClient) -> None:
    await _member_with_history(client)
    response = await client.get("/api/v1/me/export", headers=member_headers("0907654321"))
    assert response.status_code == 200
    data = response.json()
    assert data["profile"]["name"] == "Trần Văn Bình" and data["profile"]["points_balance"] == 100
    assert [e["delta"] for e in data["ledger"]] == [120, -20]
    assert data["point_lots"][0]["points_left"] == 100
    assert data["complaints"][0]["description"] == "Nhân viên tính sai tiền"
    assert data["devices"][0]["platform"] == "android" and data["devices"][0]["token"] != "tok-binh-1234567"
    assert {"inbox", "consents", "vouchers", "purchases", "tier_history"} <= data.keys()


async def test_export_shows_only_the_callers_own_data(client: httpx.AsyncClient) -> None:
    await _member_with_history(client)
    other = await client.get("/api/v1/me/export", headers=member_headers("0911111111"))
    assert other.status_code == 200
    assert other.json()["ledger"] == [] and other.json()["complaints"] == []


async def test_erasure_pseudonymises_and_keeps_the_ledger(client: httpx.AsyncClient) -> None:
    member_id = await _member_with_history(client)
    headers = member_headers("0907654321")
    response = await client.delete("/api/v1/me", headers=headers)
    assert response.status_code == 202
    member = await Member.objects().where(Member.id == member_id).first()
    assert member is not None and member.erased_at is not None
    assert not (member.name or member.phone or member.email or member.firebase_uid)
    assert member.points_balance == 100
    assert await LedgerEntry.count().where(LedgerEntry.member == member_id) == 2
    assert await Device.count().where(Device.member == member_id) == 0
    case = await Complaint.objects().where(Complaint.member == member_id).first()
    assert case is not None and case.description == "[erased]"
    assert await ComplaintPhoto.count() == 0
    report = await ledger_check.check(progress=False)
    assert report.ok, report


async def test_signing_in_after_erasure_starts_a_new_membership(client: httpx.AsyncClient) -> None:
    member_id = await _member_with_history(client)
    headers = member_headers("0907654321")
    assert (await client.delete("/api/v1/me", headers=headers)).status_code == 202
    again = await client.get("/api/v1/me", headers=headers)
    assert again.status_code == 200
    assert again.json()["points_balance"] == 0 and again.json()["name"] == ""
    fresh = await Member.objects().where(Member.phone == "+84907654321").first()
    assert fresh is not None and fresh.id != member_id
    assert (await client.delete("/api/v1/me", headers=headers)).status_code == 202
