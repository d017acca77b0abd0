"""Bad input on every write route gets a 4xx problem, never a 500 (CONTRACT.md "Conventions")."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.conftest import member_headers

BODIES: list[Any] = [
    None,
    [],
    "text",
    {},
    {"amount": -1, "receipt_no": "", "member_code": "x"},
    {"amount": 10**30, "receipt_no": "R" * 500, "code": 5},
    {"amount": "many", "items": [{"amount": "x"}], "reward_id": -3},
    {"code": "\u0000\ud7ff", "body": "", "score": 99, "category": None, "photos": ["!!!not base64"]},
    {"token": "", "platform": "fax", "push_marketing": "yes"},
    {"name": {"nested": True}, "birthday": 12, "locale": ["vi"]},
]
MEMBER_WRITES = [
    ("PATCH", "/api/v1/me"),
    ("POST", "/api/v1/me/claims"),
    ("POST", "/api/v1/me/redemptions"),
    ("POST", "/api/v1/me/devices"),
    ("PUT", "/api/v1/me/consents"),
    ("POST", "/api/v1/me/complaints"),
    ("POST", "/api/v1/me/complaints/KN-2026-000001/messages"),
    ("POST", "/api/v1/me/complaints/KN-2026-000001/rating"),
]
TILL_WRITES = [
    ("POST", "/api/v1/pos/earn"),
    ("POST", "/api/v1/pos/receipts"),
    ("POST", "/api/v1/pos/refunds"),
    ("POST", "/api/v1/pos/vouchers/redeem"),
]


async def _probe(client: httpx.AsyncClient, method: str, path: str, headers: dict[str, str]) -> None:
    for body in BODIES:
        response = await client.request(method, path, headers=headers, json=body)
        if body == {} and response.status_code == 200:
            continue  # an empty PATCH/PUT changes nothing and is fine
        assert 400 <= response.status_code < 500, (method, path, body, response.status_code, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
    garbled = await client.request(method, path, headers={**headers, "content-type": "application/json"}, content=b"{")
    assert 400 <= garbled.status_code < 500, (method, path, garbled.text)


@pytest.mark.parametrize(("method", "path"), MEMBER_WRITES)
async def test_member_writes_refuse_bad_input(client: httpx.AsyncClient, method: str, path: str) -> None:
    await _probe(client, method, path, member_headers())


@pytest.mark.parametrize(("method", "path"), TILL_WRITES)
async def test_till_writes_refuse_bad_input(
    client: httpx.AsyncClient, till: dict[str, Any], method: str, path: str
) -> None:
    await _probe(client, method, path, till["headers"])
