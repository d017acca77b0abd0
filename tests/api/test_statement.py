"""GET /api/v1/me/statement: the member downloads a signed statement that the public key verifies."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from loyalty import points
from loyalty.db import execute
from loyalty.points import keys, verify_statement
from loyalty.schema import Member
from loyalty.settings import AppEnv, LedgerSeal
from tests.conftest import member_headers


async def test_a_member_downloads_a_statement_the_published_key_verifies(client: httpx.AsyncClient) -> None:
    headers = member_headers()
    assert (await client.get("/api/v1/me", headers=headers)).status_code == 200
    member = await Member.objects().first()
    assert member is not None
    await points.credit(member.id, 75, kind=points.Kind.GIFT, reference="welcome")
    answer = await client.get("/api/v1/me/statement", headers=headers)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-disposition"] == f'attachment; filename="statement-{member.public_id}.json"'
    assert answer.headers["cache-control"] == "no-store"
    key = await client.get("/api/v1/ledger/public-key")
    assert key.status_code == 200 and key.json()["algorithm"] == "Ed25519"
    document = answer.json()
    assert document["signature"]["key_id"] == key.json()["key_id"]
    summary = verify_statement.check_statement(document, key.json()["public_key_pem"].encode())
    assert "1 entries, balance 75" in summary


async def test_a_statement_of_a_broken_ledger_is_refused_as_under_review(client: httpx.AsyncClient) -> None:
    headers = member_headers()
    await client.get("/api/v1/me", headers=headers)
    member = await Member.objects().first()
    assert member is not None
    await points.credit(member.id, 75, kind=points.Kind.GIFT, reference="welcome")
    await execute("UPDATE ledger_entry SET delta = 7500")
    answer = await client.get("/api/v1/me/statement", headers=headers)
    assert answer.status_code == 409 and answer.json()["code"] == "ledger_under_review"


async def test_the_statement_needs_a_signed_in_member(client: httpx.AsyncClient) -> None:
    assert (await client.get("/api/v1/me/statement")).status_code == 401


async def test_without_a_key_in_production_the_statement_is_503_and_no_key_is_made(
    client: httpx.AsyncClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    headers = member_headers()
    await client.get("/api/v1/me", headers=headers)
    missing = tmp_path / "no-key.pem"
    monkeypatch.setattr(keys, "LEDGER_SEAL", LedgerSeal(missing, tmp_path))
    monkeypatch.setattr(keys, "APP_ENV", AppEnv.PRODUCTION)
    answer = await client.get("/api/v1/me/statement", headers=headers)
    assert answer.status_code == 503 and answer.json()["code"] == "statement_signing_unavailable"
    assert "openssl genpkey -algorithm ed25519" in answer.json()["detail"]
    assert not missing.exists()
