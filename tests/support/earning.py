"""Helpers for the earning tests: members signed in through the API, their live card codes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx

from loyalty.earning import cards
from loyalty.schema import Member
from tests.conftest import member_headers


async def signed_in(client: httpx.AsyncClient, phone: str = "+84901234567") -> Member:
    """The member behind ``phone``, created through GET /me as the app would."""
    response = await client.get("/api/v1/me", headers=member_headers(phone))
    assert response.status_code == 200, response.text
    member = await Member.objects().where(Member.public_id == response.json()["id"]).first()
    assert member is not None
    return member


async def code_of(member_id: int, now: datetime | None = None) -> str:
    return (await cards.current_code(member_id, now=now)).code


async def earn(
    client: httpx.AsyncClient, till: dict[str, Any], code: str, receipt_no: str, amount: int, **extra: Any
) -> httpx.Response:
    body = {"member_code": code, "receipt_no": receipt_no, "amount": amount, **extra}
    return await client.post("/api/v1/pos/earn", headers=till["headers"], json=body)


async def balance(member_id: int) -> int:
    row = await Member.select(Member.points_balance).where(Member.id == member_id).first()
    assert row is not None
    return int(row["points_balance"])
