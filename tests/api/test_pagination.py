"""Every list pages the same way: limit 1-100, opaque cursors that belong to one list."""

from __future__ import annotations

import httpx
import pytest

from api.errors import ApiProblem
from api.pagination import decode_cursor, encode_cursor
from tests.conftest import member_headers

LISTS = [
    "/api/v1/me/ledger",
    "/api/v1/me/vouchers",
    "/api/v1/me/notifications",
    "/api/v1/me/complaints",
    "/api/v1/rewards",
]


def test_a_cursor_round_trips_and_belongs_to_its_list() -> None:
    assert decode_cursor("le", encode_cursor("le", 42)) == 42
    assert decode_cursor("le", None) is None
    with pytest.raises(ApiProblem):
        decode_cursor("n", encode_cursor("le", 42))
    with pytest.raises(ApiProblem):
        decode_cursor("le", "not base64 at all!")


@pytest.mark.parametrize("path", LISTS)
async def test_bad_limits_and_cursors_are_4xx_problems(client: httpx.AsyncClient, path: str) -> None:
    headers = member_headers()
    for query in ("limit=0", "limit=101", "limit=abc", "cursor=%%%", f"cursor={encode_cursor('other', 1)}"):
        response = await client.get(f"{path}?{query}", headers=headers)
        assert 400 <= response.status_code < 500, (path, query, response.status_code)
        assert response.headers["content-type"].startswith("application/problem+json")
    first = await client.get(f"{path}?limit=100", headers=headers)
    assert first.status_code == 200 and first.json()["next_cursor"] is None
