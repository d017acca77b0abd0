"""The served OpenAPI document carries every route of CONTRACT.md (v1), with its method."""

from __future__ import annotations

import re

import httpx

# (method, path) exactly as CONTRACT.md lists them; parameter names may differ.
CONTRACT = [
    ("GET", "/health"),
    ("GET", "/api/v1/me"),
    ("PATCH", "/api/v1/me"),
    ("DELETE", "/api/v1/me"),
    ("GET", "/api/v1/me/card"),
    ("GET", "/api/v1/me/card.svg"),
    ("GET", "/api/v1/me/card.png"),
    ("GET", "/api/v1/me/ledger"),
    ("POST", "/api/v1/me/claims"),
    ("GET", "/api/v1/rewards"),
    ("POST", "/api/v1/me/redemptions"),
    ("GET", "/api/v1/me/vouchers"),
    ("GET", "/api/v1/me/vouchers/{code}/qr.svg"),
    ("POST", "/api/v1/me/devices"),
    ("DELETE", "/api/v1/me/devices/{token}"),
    ("GET", "/api/v1/me/notifications"),
    ("POST", "/api/v1/me/notifications/{id}/read"),
    ("GET", "/api/v1/me/consents"),
    ("PUT", "/api/v1/me/consents"),
    ("POST", "/api/v1/me/complaints"),
    ("GET", "/api/v1/me/complaints"),
    ("GET", "/api/v1/me/complaints/{id}"),
    ("POST", "/api/v1/me/complaints/{id}/messages"),
    ("POST", "/api/v1/me/complaints/{id}/rating"),
    ("GET", "/api/v1/me/export"),
    ("POST", "/api/v1/pos/earn"),
    ("POST", "/api/v1/pos/receipts"),
    ("POST", "/api/v1/pos/refunds"),
    ("POST", "/api/v1/pos/vouchers/redeem"),
]


def _shape(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "{}", path)


async def test_every_contract_route_is_in_the_openapi_document(client: httpx.AsyncClient) -> None:
    document = (await client.get("/schema/openapi.json")).json()
    served = {(method.upper(), _shape(path)) for path, ops in document["paths"].items() for method in ops}
    missing = [(m, p) for m, p in CONTRACT if (m, _shape(p)) not in served]
    assert missing == []


async def test_every_contract_route_answers_without_credentials_with_a_problem(client: httpx.AsyncClient) -> None:
    for method, path in CONTRACT:
        if path == "/health":
            continue
        concrete = re.sub(r"\{[^}]+\}", "1", path)
        response = await client.request(method, concrete)
        assert response.status_code == 401, (method, path, response.status_code)
        assert response.headers["content-type"].startswith("application/problem+json")
