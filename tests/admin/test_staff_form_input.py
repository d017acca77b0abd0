"""A typo on a staff form is the form's error message, never a server error: huge ids, NUL bytes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from loyalty.schema import VipGroup
from tests.support.staff import sign_in, staff_http

HUGE = 10**20


@pytest.fixture
async def staff_client(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    async with staff_http(app) as http:
        yield http


@pytest.mark.parametrize(
    ("slug", "body"),
    [
        ("create-or-change-a-campaign", {"name": "Tết", "gift_points": 5, "schedule": "birthday", "campaign_id": HUGE}),
        ("create-or-change-a-campaign", {"name": "Tết", "gift_points": 5, "audience": "segment", "segment": HUGE}),
        ("launch-pause-or-cancel-a-campaign", {"campaign_id": HUGE, "action": "launch"}),
        ("preview-audience", {"segment_id": HUGE}),
        ("add-phone-numbers-to-a-vip-group", {"group_id": HUGE, "phones": "0907654321"}),
        ("create-a-vip-group", {"name": "Khách\x00VIP"}),
        ("revoke-a-till", {"terminal_id": HUGE}),
    ],
)
async def test_a_value_the_database_cannot_hold_is_refused_on_the_form(
    staff_client: httpx.AsyncClient, slug: str, body: dict[str, Any]
) -> None:
    headers = await sign_in(staff_client)
    answer = await staff_client.post(f"/admin/api/forms/{slug}/", json=body, headers=headers)
    assert answer.status_code == 422, answer.text
    messages = " ".join(e["msg"] for e in answer.json()["detail"])
    assert "at most 2,147,483,647" in messages or "NUL" in messages
    assert await VipGroup.count() == 0
