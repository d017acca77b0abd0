"""Customers without the app: enrolled at the counter by phone, earning by phone, later in the app."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from loyalty.members import ENROLLED_AT_TILL, stores
from loyalty.points.check import check
from loyalty.schema import AuditLog, LedgerEntry, Member, Purchase
from tests.conftest import member_headers

PHONE_SAID = "0907 111 222"
E164 = "+84907111222"


async def _enrol(client: httpx.AsyncClient, till: dict[str, Any], phone: str, name: str = "") -> httpx.Response:
    return await client.post("/api/v1/pos/members", headers=till["headers"], json={"phone": phone, "name": name})


async def _earn(
    client: httpx.AsyncClient, till: dict[str, Any], receipt: str, amount: int, **member: str
) -> httpx.Response:
    body = {"receipt_no": receipt, "amount": amount, **member}
    return await client.post("/api/v1/pos/earn", headers=till["headers"], json=body)


async def test_a_customer_enrolled_by_phone_is_the_same_member_however_the_number_is_typed(
    client: httpx.AsyncClient, till: dict[str, Any]
) -> None:
    first = await _enrol(client, till, PHONE_SAID, "  Chị   Lan ")
    assert first.status_code == 201, first.text
    body = first.json()
    assert body["id"].startswith("TT") and body["name"] == "Chị Lan"
    assert (body["points_balance"], body["has_app"], body["tier"]) == (0, False, None)
    for spelling in (E164, "84907111222", "0907.111.222"):
        again = await _enrol(client, till, spelling)
        assert again.status_code == 200 and again.json() == body
    assert await Member.count().where(Member.phone == E164) == 1
    audit = await AuditLog.select(AuditLog.staff_username, AuditLog.detail).where(AuditLog.action == ENROLLED_AT_TILL)
    assert len(audit) == 1 and audit[0]["staff_username"] == f"till {till['terminal_id']}"


async def test_two_tills_enrolling_the_same_number_at_once_make_one_member(
    client: httpx.AsyncClient, till: dict[str, Any]
) -> None:
    other = await stores.create_terminal("Q1", "Till 2")
    second = {**till, "headers": {"Authorization": f"Bearer {other.key}"}}
    answers = await asyncio.gather(*(_enrol(client, t, PHONE_SAID) for t in (till, second, till, second)))
    assert sorted(a.status_code for a in answers) == [200, 200, 200, 201]
    assert len({a.json()["id"] for a in answers}) == 1
    assert await Member.count().where(Member.phone == E164) == 1


async def test_bad_enrolments_are_4xx_and_write_nothing(client: httpx.AsyncClient, till: dict[str, Any]) -> None:
    for body in ({"phone": "not a phone"}, {"phone": "0907"}, {"phone": ""}, {"phone": E164, "name": "a\nb"}):
        answer = await client.post("/api/v1/pos/members", headers=till["headers"], json=body)
        assert answer.status_code == 422, (body, answer.text)
        assert answer.headers["content-type"].startswith("application/problem+json")
    assert (await client.post("/api/v1/pos/members", json={"phone": E164})).status_code == 401
    assert await Member.count() == 0


async def test_a_phone_earns_replays_and_then_the_app_finds_the_points(
    client: httpx.AsyncClient, till: dict[str, Any]
) -> None:
    public_id = (await _enrol(client, till, PHONE_SAID)).json()["id"]
    earned = await _earn(client, till, "HD-1", 250_000, phone="84907111222")
    assert earned.status_code == 201, earned.text
    assert (earned.json()["points_earned"], earned.json()["member"]["id"]) == (25, public_id)
    replay = await _earn(client, till, "HD-1", 250_000, phone=PHONE_SAID)
    assert replay.status_code == 200 and replay.json() == earned.json()
    different = await _earn(client, till, "HD-1", 260_000, phone=PHONE_SAID)
    assert different.status_code == 409 and different.json()["code"] == "duplicate_receipt"
    assert await Purchase.count() == 1 and await LedgerEntry.count() == 1

    # The same person installs the app and signs in with that phone (Firebase verifies it).
    app = member_headers(E164)
    me = await client.get("/api/v1/me", headers=app)
    assert me.status_code == 200, me.text
    assert (me.json()["id"], me.json()["points_balance"]) == (public_id, 25)
    history = await client.get("/api/v1/me/ledger", headers=app)
    assert [e["delta"] for e in history.json()["items"]] == [25]
    assert (await _enrol(client, till, E164)).json()["has_app"] is True
    assert (await check(progress=False)).ok


async def test_earning_names_the_member_once_and_an_unknown_phone_is_404(
    client: httpx.AsyncClient, till: dict[str, Any]
) -> None:
    await _enrol(client, till, PHONE_SAID)
    neither = await _earn(client, till, "HD-2", 100_000)
    both = await _earn(client, till, "HD-2", 100_000, phone=E164, member_code="TT4K7PQ2MZ.492039.0")
    assert (neither.status_code, both.status_code) == (422, 422)
    unknown = await _earn(client, till, "HD-2", 100_000, phone="0907 999 888")
    assert unknown.status_code == 404 and unknown.json()["code"] == "member_not_found"
    bad = await _earn(client, till, "HD-2", 100_000, phone="12")
    assert bad.status_code == 422
    assert await Purchase.count() == 0 and await LedgerEntry.count() == 0
