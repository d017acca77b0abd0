"""GET and PATCH /api/v1/me."""

from __future__ import annotations

import httpx
import pytest

from loyalty.schema import Member
from tests.conftest import member_headers


async def test_first_call_creates_the_member_once(client: httpx.AsyncClient) -> None:
    first = await client.get("/api/v1/me", headers=member_headers("0901234567"))
    second = await client.get("/api/v1/me", headers=member_headers("0901234567"))
    assert first.status_code == second.status_code == 200
    assert first.json()["id"] == second.json()["id"]
    assert first.json()["points_balance"] == 0
    assert await Member.count() == 1


async def test_sign_in_links_a_member_staff_recorded_by_phone(client: httpx.AsyncClient) -> None:
    from loyalty.members.accounts import record_member

    recorded = await record_member("090 123 4567", name="Chị Lan")
    response = await client.get("/api/v1/me", headers=member_headers("+84901234567"))
    assert response.json()["id"] == recorded.public_id
    assert response.json()["name"] == "Chị Lan"


async def test_patch_changes_the_profile(client: httpx.AsyncClient) -> None:
    body = {
        "name": "Nguyễn Thị Lan",
        "email": "Lan@Example.vn",
        "birthday": "1990-03-08",
        "gender": "female",
        "locale": "en",
        "address": "12 Lê Lợi",
        "city": "Huế",
    }
    response = await client.patch("/api/v1/me", headers=member_headers(), json=body)
    assert response.status_code == 200, response.text
    profile = response.json()
    assert profile["name"] == "Nguyễn Thị Lan"
    assert profile["email"] == "lan@example.vn"
    assert profile["birthday"] == "1990-03-08"
    assert profile["locale"] == "en"
    again = await client.get("/api/v1/me", headers=member_headers())
    assert again.json()["city"] == "Huế"


@pytest.mark.parametrize("field", ["points_balance", "tier", "id", "phone"])
async def test_read_only_fields_are_422(client: httpx.AsyncClient, field: str) -> None:
    response = await client.patch("/api/v1/me", headers=member_headers(), json={field: 1000})
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert field in response.json()["detail"]
    member = await Member.objects().first()
    assert member is not None and member.points_balance == 0


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"email": "not-an-email"}, "e-mail"),
        ({"email": "a@b"}, "e-mail"),
        ({"birthday": "2990-01-01"}, "future"),
        ({"birthday": "1990-02-30"}, "birthday"),
        ({"birthday": "1800-01-01"}, "120 years"),
        ({"birthday": "yesterday"}, "birthday"),
        ({"locale": "fr"}, "locale"),
        ({"gender": "x"}, "gender"),
        ({"name": "x" * 201}, "name"),
        ({"name": 5}, "name"),
    ],
)
async def test_bad_profile_input_is_422_and_changes_nothing(
    client: httpx.AsyncClient, body: dict[str, object], fragment: str
) -> None:
    await client.patch("/api/v1/me", headers=member_headers(), json={"name": "Before"})
    response = await client.patch("/api/v1/me", headers=member_headers(), json={**body, "city": "Changed"})
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["code"] == "validation_error"
    assert fragment in problem["detail"]
    member = await Member.objects().first()
    assert member is not None and member.city == "" and member.name == "Before"


async def test_malformed_json_is_4xx_problem(client: httpx.AsyncClient) -> None:
    response = await client.patch(
        "/api/v1/me", headers={**member_headers(), "content-type": "application/json"}, content=b'{"name":'
    )
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_oversized_body_is_413(client: httpx.AsyncClient) -> None:
    response = await client.patch(
        "/api/v1/me", headers=member_headers(), content=b"{" + b" " * (9 * 1024 * 1024) + b"}"
    )
    assert response.status_code == 413
    assert response.json()["code"] == "body_too_large"
