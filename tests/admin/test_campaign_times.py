"""Staff type a campaign's run time in Vietnam time: 13:20 typed is 13:20 in Việt Nam (06:20 UTC)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from loyalty import campaigns
from loyalty.members.accounts import record_member
from loyalty.schema import Campaign, CampaignGift
from tests.support.staff import sign_in, staff_http

FORM = "/admin/api/forms/create-or-change-a-campaign/"
GIFT = {"name": "Giáng sinh", "gift_points": 20, "schedule": "once"}


@pytest.fixture
async def staff_client(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    async with staff_http(app) as http:
        yield http


async def _run_at(campaign_id: int) -> datetime:
    row = await Campaign.select(Campaign.run_at).where(Campaign.id == campaign_id).first()
    assert row is not None
    value: datetime = row["run_at"]
    return value.astimezone(UTC)


async def test_a_time_typed_in_the_form_is_vietnam_time_and_the_campaign_runs_then(
    staff_client: httpx.AsyncClient,
) -> None:
    await record_member("0907654321")
    headers = await sign_in(staff_client)
    # What the admin's date-time picker sends: no offset.
    created = await staff_client.post(FORM, json={**GIFT, "run_at": "2026-12-24T13:20"}, headers=headers)
    assert created.status_code == 200, created.text
    campaign_id = int(created.json()["custom_form_success"].split()[1])
    assert await _run_at(campaign_id) == datetime(2026, 12, 24, 6, 20, tzinfo=UTC)
    await campaigns.change_status(campaign_id, "launch")
    assert await campaigns.run_due_campaigns(datetime(2026, 12, 24, 6, 19, tzinfo=UTC)) == 0  # 13:19 in Việt Nam
    assert await campaigns.run_due_campaigns(datetime(2026, 12, 24, 6, 20, tzinfo=UTC)) == 1  # 13:20
    assert await CampaignGift.count().where(CampaignGift.campaign == campaign_id) == 1


async def test_a_time_with_its_own_offset_keeps_it(staff_client: httpx.AsyncClient) -> None:
    headers = await sign_in(staff_client)
    created = await staff_client.post(FORM, json={**GIFT, "run_at": "2026-12-24T13:20:00Z"}, headers=headers)
    assert created.status_code == 200, created.text
    campaign_id = int(created.json()["custom_form_success"].split()[1])
    assert await _run_at(campaign_id) == datetime(2026, 12, 24, 13, 20, tzinfo=UTC)


async def test_saving_a_draft_again_unchanged_keeps_its_time(staff_client: httpx.AsyncClient) -> None:
    headers = await sign_in(staff_client)
    created = await staff_client.post(FORM, json={**GIFT, "run_at": "2026-12-24T13:20"}, headers=headers)
    campaign_id = int(created.json()["custom_form_success"].split()[1])
    again = {**GIFT, "run_at": "2026-12-24T13:20", "campaign_id": campaign_id}
    changed = await staff_client.post(FORM, json=again, headers=headers)
    assert changed.status_code == 200, changed.text
    assert await _run_at(campaign_id) == datetime(2026, 12, 24, 6, 20, tzinfo=UTC)
    # A change through the domain that leaves run_at alone does not shift it by the zone either.
    await campaigns.update_campaign(campaign_id, {"gift_points": 30})
    assert await _run_at(campaign_id) == datetime(2026, 12, 24, 6, 20, tzinfo=UTC)


async def test_the_form_says_which_zone_its_times_are_in(staff_client: httpx.AsyncClient) -> None:
    await sign_in(staff_client)
    schema = (await staff_client.get(FORM + "schema/")).json()["properties"]
    assert "Giờ Việt Nam (Asia/Ho_Chi_Minh)" in schema["run_at"]["title"]
    assert "Asia/Ho_Chi_Minh" in schema["run_at"]["description"]
    assert "Giờ Việt Nam" in schema["starts_on"]["title"] and "Giờ Việt Nam" in schema["ends_on"]["title"]
