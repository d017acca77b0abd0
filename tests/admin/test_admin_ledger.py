"""Staff adjust points through the admin form (ledger + audit log); ledger tables are read-only."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from piccolo.apps.user.tables import BaseUser

from loyalty import points
from loyalty.members.accounts import record_member
from loyalty.schema import AuditLog, LedgerEntry, Member

_ADDRESSES = itertools.count(1)


@pytest.fixture
async def client(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    """A client from its own address: the admin allows 20 logins per address per 5 minutes,
    and the suite shares one admin app, so these tests do not spend the others' budget."""
    transport = httpx.ASGITransport(app=app, client=(f"10.3.0.{next(_ADDRESSES)}", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


async def _signed_in_staff(client: httpx.AsyncClient) -> dict[str, str]:
    await BaseUser.create_user(username="lan", password="a-long-Passw0rd", active=True, admin=True, superuser=True)
    await client.get("/admin/")
    csrf = client.cookies.get("csrftoken") or ""
    login = await client.post(
        "/admin/public/login/", json={"username": "lan", "password": "a-long-Passw0rd"}, headers={"X-CSRFToken": csrf}
    )
    assert login.status_code == 200, login.text
    return {"X-CSRFToken": client.cookies.get("csrftoken") or csrf}


async def test_adjust_points_form_goes_through_the_ledger_and_the_audit_log(client: httpx.AsyncClient) -> None:
    member = await record_member("0901234567")
    headers = await _signed_in_staff(client)
    added = await client.post(
        "/admin/api/forms/adjust-points/",
        json={"member": "0901234567", "points": 120, "reason": "goodwill after a late delivery"},
        headers=headers,
    )
    assert added.status_code == 200, added.text
    removed = await client.post(
        "/admin/api/forms/adjust-points/",
        json={"member": member.public_id, "points": -20, "reason": "typo fix"},
        headers=headers,
    )
    assert removed.status_code == 200, removed.text
    row = await Member.select(Member.points_balance).where(Member.id == member.id).first()
    assert row is not None and row["points_balance"] == 100
    logs = await AuditLog.select(AuditLog.staff_username, AuditLog.action).where(AuditLog.action == "points.adjust")
    assert [r["staff_username"] for r in logs] == ["lan", "lan"]
    entries = await LedgerEntry.select(LedgerEntry.staff, LedgerEntry.description).order_by(LedgerEntry.id)
    assert entries[0]["description"] == "goodwill after a late delivery" and entries[0]["staff"] is not None


async def test_adjust_points_refuses_no_reason_an_overdraft_and_an_unknown_member(client: httpx.AsyncClient) -> None:
    await record_member("0901234567")
    headers = await _signed_in_staff(client)
    for body in (
        {"member": "0901234567", "points": 5, "reason": ""},
        {"member": "0901234567", "points": -5, "reason": "too much"},
        {"member": "TTNOBODY00", "points": 5, "reason": "who?"},
        {"member": "0901234567", "points": 0, "reason": "zero"},
    ):
        response = await client.post("/admin/api/forms/adjust-points/", json=body, headers=headers)
        assert response.status_code == 422, (body, response.text)
    assert await LedgerEntry.count() == 0 and await AuditLog.count() == 0


async def test_expire_now_form_expires_due_lots(client: httpx.AsyncClient) -> None:
    member = await record_member("0901234567")
    past = datetime.now(UTC) - timedelta(days=400)
    await points.credit(
        member.id, 30, kind=points.Kind.EARN, reference="old", expires_at=past + timedelta(days=365), now=past
    )
    headers = await _signed_in_staff(client)
    response = await client.post("/admin/api/forms/expire-due-points-now/", json={"confirm": True}, headers=headers)
    assert response.status_code == 200, response.text
    assert "1 lot" in response.text
    row = await Member.select(Member.points_balance).where(Member.id == member.id).first()
    assert row is not None and row["points_balance"] == 0


async def test_ledger_grid_is_read_only(client: httpx.AsyncClient) -> None:
    member = await record_member("0901234567")
    await points.credit(member.id, 5, kind=points.Kind.GIFT, reference="g")
    headers = await _signed_in_staff(client)
    listed = await client.get("/admin/api/tables/ledger_entry/", headers=headers)
    assert listed.status_code == 200 and len(listed.json()["rows"]) == 1
    entry_id = listed.json()["rows"][0]["id"]
    edit = await client.patch(f"/admin/api/tables/ledger_entry/{entry_id}/", json={"delta": 500}, headers=headers)
    assert edit.status_code in (400, 405)  # refused by the read-only validators
    assert (await LedgerEntry.select(LedgerEntry.delta).first() or {}).get("delta") == 5
    bad_rule = await client.post(
        "/admin/api/tables/earning_rule/",
        json={"name": "x", "kind": "nonsense", "multiplier_pct": 200},
        headers=headers,
    )
    assert bad_rule.status_code == 400 and "kind must be one of" in bad_rule.text
    defaults = (await client.get("/admin/api/tables/earning_rule/new/", headers=headers)).json()
    good_rule = await client.post(
        "/admin/api/tables/earning_rule/",
        json={
            **defaults,
            "name": "Double day",
            "kind": "period",
            "multiplier_pct": 200,
            "bonus_points": 0,
            "active": True,
        },
        headers=headers,
    )
    assert good_rule.status_code == 201, good_rule.text
