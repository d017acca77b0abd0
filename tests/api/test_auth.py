"""Who may call what: member tokens, till keys, and the wrong kind of either."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from loyalty.members import stores
from loyalty.setup.dev_tokens import mint
from tests.conftest import PROJECT_ID, member_headers


async def test_valid_member_token_reaches_me(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/me", headers=member_headers())
    assert response.status_code == 200
    assert response.json()["phone"] == "+84901234567"


async def test_missing_header_is_401_problem(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.headers["www-authenticate"] == "Bearer"
    body = response.json()
    assert body["code"] == "unauthorized" and body["status"] == 401 and body["detail"]


async def test_malformed_token_is_401(client: httpx.AsyncClient) -> None:
    for token in ("not-a-jwt", "a.b.c", "Basic abc"):
        response = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401, token
        assert response.json()["code"] in ("token_invalid", "unauthorized")


async def test_wrong_scheme_is_401(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/me", headers={"Authorization": "Basic dXNlcjpwYXNz"})
    assert response.status_code == 401


async def test_wrong_audience_is_401(client: httpx.AsyncClient) -> None:
    token = mint(PROJECT_ID, phone="+84901234567", audience="another-project")
    response = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert "aud" in response.json()["detail"]


async def test_wrong_issuer_project_is_401(client: httpx.AsyncClient) -> None:
    token = mint("another-project", phone="+84901234567", audience=PROJECT_ID)
    response = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401


async def test_expired_emulator_token_is_401(client: httpx.AsyncClient) -> None:
    token = mint(PROJECT_ID, phone="+84901234567", now=time.time() - 7200, lifetime_s=3600)
    response = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert response.json()["code"] == "token_expired"


async def test_till_key_passes_till_guard(client: httpx.AsyncClient, till: dict[str, object]) -> None:
    response = await client.get("/api/v1/pos/terminal", headers=till["headers"])  # type: ignore[arg-type]
    assert response.status_code == 200
    assert response.json()["store_code"] == "Q1"


async def test_unknown_till_key_is_401(client: httpx.AsyncClient, till: dict[str, object]) -> None:
    response = await client.get("/api/v1/pos/terminal", headers={"Authorization": "Bearer tt_unknown"})
    assert response.status_code == 401


async def test_revoked_till_key_is_401(client: httpx.AsyncClient, till: dict[str, object]) -> None:
    await stores.revoke_terminal(int(till["terminal_id"]))  # type: ignore[call-overload]
    response = await client.get("/api/v1/pos/terminal", headers=till["headers"])  # type: ignore[arg-type]
    assert response.status_code == 401


async def test_member_token_on_till_path_is_403(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/pos/terminal", headers=member_headers())
    assert response.status_code == 403
    assert response.json()["code"] == "wrong_credential"


async def test_till_key_on_member_path_is_403(client: httpx.AsyncClient, till: dict[str, object]) -> None:
    response = await client.get("/api/v1/me", headers=till["headers"])  # type: ignore[arg-type]
    assert response.status_code == 403
    assert response.json()["code"] == "wrong_credential"


async def test_terminal_key_is_stored_only_as_hash(till: dict[str, object]) -> None:
    from loyalty.schema import Terminal

    row = await Terminal.select().where(Terminal.id == till["terminal_id"]).first()
    assert row is not None
    assert till["key"] not in row.values()
    assert row["key_hash"] == stores.hash_key(str(till["key"]))
    assert len(str(till["key"])) >= 3 + 43  # 256 bits, url-safe base64


async def test_a_verified_token_is_remembered_only_until_its_expiry(client: httpx.AsyncClient, app: Any) -> None:
    from api.auth import _verified, verify_member_token
    from api.errors import ApiProblem

    settings = app.state.settings
    issued = time.time()
    token = mint(PROJECT_ID, phone="+84901234567", now=issued, lifetime_s=60)
    first = await verify_member_token(token, settings, clock=lambda: issued)
    assert (PROJECT_ID, token) in _verified
    assert await verify_member_token(token, settings, clock=lambda: issued + 59) == first
    # Past exp the cached claims are dropped and the token verified again, which refuses it.
    with pytest.raises(ApiProblem) as refused:
        await verify_member_token(token, settings, clock=lambda: issued + 61)
    assert refused.value.status_code == 401 and refused.value.code == "token_expired"
    assert (PROJECT_ID, token) not in _verified


async def test_a_refused_token_is_not_remembered(client: httpx.AsyncClient) -> None:
    from api.auth import _verified

    token = mint(PROJECT_ID, phone="+84901234567", now=time.time() - 7200)
    response = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert (PROJECT_ID, token) not in _verified
