"""The edge refuses what the database cannot hold or must not see, the same way on both engines:
floats and strings for integers, bodies that are not UTF-8 or nest without end, ids beyond the id
column, NUL and control characters. Each refusal is a 4xx problem and nothing is written."""

from __future__ import annotations

import base64
import time
from typing import Any

import httpx
import pytest

from tests.conftest import member_headers
from tests.support.attacker import _token_with_claims, row_counts
from tests.support.earning import code_of, signed_in
from tests.support.rewards import make_reward, make_tiers


def _cursor(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _problem(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["code"] == code and body["detail"], body
    return body


@pytest.mark.parametrize("amount", ['"250000"', "250000.0", "1e5", "true", "250000.5"])
async def test_till_amounts_must_be_json_integers(client: httpx.AsyncClient, till: dict[str, Any], amount: str) -> None:
    member = await signed_in(client)
    code = await code_of(member.id)
    body = f'{{"member_code": "{code}", "receipt_no": "R-1", "amount": {amount}}}'
    before = await row_counts()
    refused = await client.post(
        "/api/v1/pos/earn", headers={**till["headers"], "Content-Type": "application/json"}, content=body
    )
    problem = _problem(refused, 422, "validation_error")
    assert "amount" in problem["detail"]
    assert await row_counts() == before
    fine = await client.post(
        "/api/v1/pos/earn", headers=till["headers"], json={"member_code": code, "receipt_no": "R-1", "amount": 250000}
    )
    assert fine.status_code == 201, fine.text


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/v1/pos/receipts", '{"receipt_no": "R-2", "amount": 1000, "items": [{"sku": "A", "amount": 1e3}]}'),
        (
            "/api/v1/pos/receipts",
            '{"receipt_no": "R-2", "amount": 1000, "items": [{"sku": "A", "amount": 1, "quantity": "2"}]}',
        ),
        ("/api/v1/pos/refunds", '{"receipt_no": "R-2", "amount": 500.0}'),
    ],
)
async def test_item_amounts_quantities_and_refunds_must_be_json_integers(
    client: httpx.AsyncClient, till: dict[str, Any], path: str, body: str
) -> None:
    before = await row_counts()
    refused = await client.post(path, headers={**till["headers"], "Content-Type": "application/json"}, content=body)
    _problem(refused, 422, "validation_error")
    assert await row_counts() == before


async def test_a_reward_id_sent_as_text_is_refused(client: httpx.AsyncClient) -> None:
    await make_tiers()
    reward = await make_reward()
    refused = await client.post("/api/v1/me/redemptions", headers=member_headers(), json={"reward_id": str(reward.id)})
    assert "reward_id" in _problem(refused, 422, "validation_error")["detail"]


async def test_a_body_that_is_not_utf8_is_refused_as_malformed(client: httpx.AsyncClient) -> None:
    headers = {**member_headers(), "Content-Type": "application/json"}
    refused = await client.post("/api/v1/me/claims", headers=headers, content=b'{"code": "\xc3\x28"}')
    assert "UTF-8" in _problem(refused, 400, "malformed_body")["detail"]


async def test_json_nested_ten_thousand_deep_is_refused(client: httpx.AsyncClient) -> None:
    headers = {**member_headers(), "Content-Type": "application/json"}
    for body in (b"[" * 10_000 + b"]" * 10_000, b'{"code":' * 10_000 + b'"x"' + b"}" * 10_000):
        refused = await client.patch("/api/v1/me", headers=headers, content=body)
        assert 400 <= refused.status_code < 500, refused.text
        assert refused.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize("message_id", ["9223372036854775808", "99999999999999999999999", "0"])
async def test_an_id_the_id_column_cannot_hold_names_no_notification(
    client: httpx.AsyncClient, message_id: str
) -> None:
    refused = await client.post(f"/api/v1/me/notifications/{message_id}/read", headers=member_headers())
    assert "ids run from 1 to 9223372036854775807" in _problem(refused, 404, "not_found")["detail"]


async def test_a_64_bit_message_id_reaches_the_handler(client: httpx.AsyncClient) -> None:
    """Inbox messages have 64-bit ids: one past 2**31 is looked up (and is simply not there)."""
    await client.get("/api/v1/me", headers=member_headers())
    missing = await client.post("/api/v1/me/notifications/2147483648/read", headers=member_headers())
    assert "ids run from" not in _problem(missing, 404, "notification_not_found")["detail"]


def test_every_integer_path_parameter_names_its_table(app: Any) -> None:
    """Each route's id is bounded by the width of its own table (``edge.PATH_IDS``)."""
    from api.edge import PATH_IDS

    names = {name for route in app.routes for name, parameter in route.path_parameters.items() if parameter.type is int}
    assert names == set(PATH_IDS)


@pytest.mark.parametrize(
    ("path", "cursor"),
    [
        ("/api/v1/rewards", "rw:1099511627776"),
        ("/api/v1/rewards", "rw:2147483648"),
        ("/api/v1/me/ledger", "le:99999999999999999999999"),
        ("/api/v1/me/ledger", "le:9223372036854775808"),
        ("/api/v1/me/notifications", "n:9223372036854775808"),
        ("/api/v1/me/complaints", "kn:2147483648"),
        ("/api/v1/me/vouchers", "v1:0"),
        ("/api/v1/me/complaints", "kn:²"),
    ],
)
async def test_a_cursor_beyond_the_id_column_is_refused(client: httpx.AsyncClient, path: str, cursor: str) -> None:
    refused = await client.get(path, headers=member_headers(), params={"cursor": _cursor(cursor)})
    _problem(refused, 422, "validation_error")


@pytest.mark.parametrize(
    ("path", "cursor"),
    [
        ("/api/v1/rewards", "rw:2147483647"),
        ("/api/v1/me/ledger", "le:9223372036854775807"),
        ("/api/v1/me/notifications", "n:2147483648"),
        ("/api/v1/me/vouchers", "v1:9223372036854775807"),
    ],
)
async def test_the_largest_id_the_column_holds_is_still_a_cursor(
    client: httpx.AsyncClient, path: str, cursor: str
) -> None:
    fine = await client.get(path, headers=member_headers(), params={"cursor": _cursor(cursor)})
    assert fine.status_code == 200, fine.text


NUL_WRITES: list[tuple[str, str, dict[str, Any], str]] = [
    (
        "PUT",
        "/api/v1/me/consents",
        {"push_marketing": True, "email_marketing": True, "sms_marketing": True, "text_version": "v\u00001"},
        "text_version",
    ),
    ("POST", "/api/v1/me/devices", {"token": "tok", "platform": "android", "app_version": "1.0\u0000"}, "app_version"),
    ("POST", "/api/v1/me/devices", {"token": "t\u0000k", "platform": "android"}, "token"),
    (
        "POST",
        "/api/v1/me/complaints",
        {"category": "service", "description": "slow", "store_code": "Q\u00001"},
        "store_code",
    ),
    ("POST", "/api/v1/me/complaints", {"category": "serv\u0000ice", "description": "slow"}, "category"),
    ("POST", "/api/v1/me/complaints", {"category": "service", "description": "slow\u0000"}, "description"),
    ("POST", "/api/v1/me/claims", {"code": "AB\u0000CD"}, "code"),
    ("PATCH", "/api/v1/me", {"name": "Lan\u0000"}, "name"),
    ("PATCH", "/api/v1/me", {"address": "12 Lê Lợi\u0000"}, "address"),
    ("POST", "/api/v1/me/complaints/KN-2026-000001/messages", {"body": "hi\u0000"}, "body"),
]
TILL_NUL_WRITES: list[tuple[str, dict[str, Any], str]] = [
    ("/api/v1/pos/earn", {"member_code": "X", "receipt_no": "R\u00001", "amount": 1000}, "receipt_no"),
    ("/api/v1/pos/receipts", {"receipt_no": "R\u00001", "amount": 1000}, "receipt_no"),
    (
        "/api/v1/pos/receipts",
        {"receipt_no": "R-1", "amount": 1000, "items": [{"sku": "A\u0000", "amount": 1}]},
        "items[0].sku",
    ),
    ("/api/v1/pos/refunds", {"receipt_no": "R\u00001", "amount": 1000}, "receipt_no"),
    ("/api/v1/pos/vouchers/redeem", {"code": "V\u00001"}, "code"),
    ("/api/v1/pos/vouchers/redeem", {"code": "V1", "receipt_no": "R\u00001"}, "receipt_no"),
]


@pytest.mark.parametrize(("method", "path", "body", "field"), NUL_WRITES)
async def test_nul_in_a_member_text_field_is_refused_and_nothing_is_stored(
    client: httpx.AsyncClient, method: str, path: str, body: dict[str, Any], field: str
) -> None:
    headers = member_headers()
    assert (await client.get("/api/v1/me", headers=headers)).status_code == 200
    before = await row_counts()
    refused = await client.request(method, path, headers=headers, json=body)
    assert field in _problem(refused, 422, "validation_error")["detail"]
    assert await row_counts() == before


@pytest.mark.parametrize(("path", "body", "field"), TILL_NUL_WRITES)
async def test_nul_in_a_till_text_field_is_refused_and_nothing_is_stored(
    client: httpx.AsyncClient, till: dict[str, Any], path: str, body: dict[str, Any], field: str
) -> None:
    before = await row_counts()
    refused = await client.post(path, headers=till["headers"], json=body)
    assert field in _problem(refused, 422, "validation_error")["detail"]
    assert await row_counts() == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"token": "tok\u0007", "platform": "ios"}, "token"),
        ({"token": "tok", "platform": "ios", "app_version": "1\n2"}, "app_version"),
    ],
)
async def test_control_characters_are_refused_in_single_line_fields(
    client: httpx.AsyncClient, body: dict[str, Any], field: str
) -> None:
    refused = await client.post("/api/v1/me/devices", headers=member_headers(), json=body)
    assert field in _problem(refused, 422, "validation_error")["detail"]


async def test_a_complaint_description_may_still_span_lines(client: httpx.AsyncClient) -> None:
    from tests.support.complaints import seed_desk

    await seed_desk()
    filed = await client.post(
        "/api/v1/me/complaints",
        headers=member_headers(),
        json={"category": "product_quality", "description": "slow\n\tand rude"},
    )
    assert filed.status_code == 201, filed.text


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/v1/me/complaints/KN%00"),
        ("POST", "/api/v1/me/complaints/KN%00/rating"),
        ("DELETE", "/api/v1/me/devices/tok%00"),
        ("GET", "/api/v1/me/vouchers/V%01/qr.svg"),
    ],
)
async def test_a_path_with_a_control_character_names_nothing(client: httpx.AsyncClient, method: str, path: str) -> None:
    refused = await client.request(method, path, headers=member_headers())
    _problem(refused, 404, "not_found")


async def test_a_media_path_with_a_nul_names_no_image(client: httpx.AsyncClient) -> None:
    refused = await client.get("/media/rewards/%00.png")
    _problem(refused, 404, "not_found")


async def test_a_query_with_a_nul_is_refused(client: httpx.AsyncClient) -> None:
    refused = await client.get("/api/v1/rewards?cursor=%00", headers=member_headers())
    _problem(refused, 422, "validation_error")


@pytest.mark.parametrize(
    "claims",
    [
        {"phone_number": 84901234567},
        {"phone_number": ["+84901234567"]},
        {"sub": 12345, "user_id": 12345},
        {"exp": "tomorrow"},
        {"iat": "yesterday"},
        {"exp": int(time.time()) - 10},
    ],
)
async def test_a_token_whose_claims_have_the_wrong_types_is_refused(
    client: httpx.AsyncClient, claims: dict[str, Any]
) -> None:
    refused = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {_token_with_claims(**claims)}"})
    assert refused.status_code == 401, refused.text
    assert refused.json()["code"] in ("token_invalid", "token_expired")


@pytest.mark.parametrize("key", ["x" * 300, "a\u0000b", ""])
async def test_a_bad_idempotency_key_is_refused_before_anything_is_written(
    client: httpx.AsyncClient, till: dict[str, Any], key: str
) -> None:
    before = await row_counts()
    refused = await client.post(
        "/api/v1/pos/refunds",
        headers=[*till["headers"].items(), ("Idempotency-Key", key)],
        json={"receipt_no": "R-1", "amount": 1000},
    )
    _problem(refused, 422, "validation_error")
    assert await row_counts() == before
