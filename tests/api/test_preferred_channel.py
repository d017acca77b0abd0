"""A member chooses the channel their messages try first, through the profile."""

from __future__ import annotations

import httpx

from loyalty.schema import Member
from tests.conftest import member_headers


async def test_a_member_sets_the_channel_their_messages_try_first(client: httpx.AsyncClient) -> None:
    headers = member_headers("0907654322")
    first = await client.patch("/api/v1/me", headers=headers, json={"name": "Lan"})
    assert first.status_code == 200, first.text
    assert first.json()["preferred_channel"] == "push"
    row = await Member.select(Member.preferred_channel).where(Member.phone == "+84907654322").first()
    assert row is not None and row["preferred_channel"] == "push"  # every member starts on push
    changed = await client.patch("/api/v1/me", headers=headers, json={"preferred_channel": "zalo"})
    assert changed.status_code == 200, changed.text
    assert changed.json()["preferred_channel"] == "zalo"
    assert (await client.get("/api/v1/me", headers=headers)).json()["preferred_channel"] == "zalo"
    row = await Member.select(Member.preferred_channel).where(Member.phone == "+84907654322").first()
    assert row is not None and row["preferred_channel"] == "zalo"
    refused = await client.patch("/api/v1/me", headers=headers, json={"preferred_channel": "fax"})
    assert refused.status_code in (400, 422), refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")


async def test_a_callback_for_a_channel_with_no_receipts_is_not_found(client: httpx.AsyncClient) -> None:
    answer = await client.post("/api/v1/callbacks/fax", content=b"{}", headers={"Content-Type": "application/json"})
    assert answer.status_code == 404
    assert answer.headers["content-type"].startswith("application/problem+json")
