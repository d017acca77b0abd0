"""Staff build a segment and a VIP group, launch a birthday and a Tết campaign, see the results."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, date, datetime

import httpx
from piccolo.apps.user.tables import BaseUser

from loyalty import campaigns
from loyalty.campaign_tables import Campaign, CampaignGift, Segment
from loyalty.tables import AuditLog
from tests.support.campaigns import member


async def _signed_in_staff(client: httpx.AsyncClient) -> dict[str, str]:
    await BaseUser.create_user(username="hoa", password="a-long-Passw0rd", active=True, admin=True, superuser=True)
    await client.get("/admin/")
    csrf = client.cookies.get("csrftoken") or ""
    login = await client.post(
        "/admin/public/login/", json={"username": "hoa", "password": "a-long-Passw0rd"}, headers={"X-CSRFToken": csrf}
    )
    assert login.status_code == 200, login.text
    return {"X-CSRFToken": client.cookies.get("csrftoken") or csrf}


async def _form(
    client: httpx.AsyncClient, headers: dict[str, str], slug: str, body: Mapping[str, object]
) -> httpx.Response:
    return await client.post(f"/admin/api/forms/{slug}/", json=body, headers=headers)


async def test_a_bad_filter_is_refused_on_the_form_with_a_clear_message(client: httpx.AsyncClient) -> None:
    headers = await _signed_in_staff(client)
    bad_field = {"name": "Rich", "definition": json.dumps({"field": "salary", "op": "gt", "value": 5})}
    answer = await _form(client, headers, "save-a-segment", bad_field)
    assert answer.status_code == 422 and "unknown field 'salary'" in answer.json()["custom_form_error"]
    bad_op = {"name": "Rich", "definition": json.dumps({"field": "city", "op": "gte", "value": "Huế"})}
    answer = await _form(client, headers, "save-a-segment", bad_op)
    assert "operator 'gte' is not allowed for city" in answer.json()["custom_form_error"]
    answer = await _form(client, headers, "save-a-segment", {"name": "Rich", "definition": "{not json"})
    assert "not valid JSON" in answer.json()["custom_form_error"]
    assert await Segment.count() == 0


async def test_staff_workflow_from_segment_to_results_page(client: httpx.AsyncClient) -> None:
    headers = await _signed_in_staff(client)
    await member(name="Bảo", birthday=date(1990, 2, 6))
    await member(name="Chi")
    women = {"name": "Hà Nội", "definition": json.dumps({"field": "city", "op": "eq", "value": "Hà Nội"})}
    saved = await _form(client, headers, "save-a-segment", women)
    assert saved.status_code == 200 and "0 members match" in saved.text
    group = await _form(client, headers, "create-a-vip-group", {"name": "Friends", "benefits_vi": "Giảm 10%"})
    assert group.status_code == 200, group.text
    group_id = int(group.text.split()[2])
    added = await _form(
        client, headers, "add-phone-numbers-to-a-vip-group", {"group_id": group_id, "phones": "0900000001\n0123"}
    )
    assert "matched no member: 0123" in added.text or "matched no member" in added.text
    preview = await _form(client, headers, "preview-audience", {"definition": '{"and": []}', "member_id": 1})
    assert preview.status_code == 200 and "members" in preview.text
    tet = {
        "name": "Tết 2027",
        "schedule": "holiday",
        "holiday": "Lunar New Year",
        "gift_points": 88,
        "message_vi": "Chúc mừng năm mới $name! Lì xì $points điểm.",
    }
    created = await _form(client, headers, "create-or-change-a-campaign", tet)
    assert created.status_code == 200, created.text
    campaign_id = int(created.text.split()[1])
    launched = await _form(
        client, headers, "launch-pause-or-cancel-a-campaign", {"campaign_id": campaign_id, "action": "launch"}
    )
    assert "now scheduled" in launched.text
    assert await campaigns.run_campaign(campaign_id, now=datetime(2027, 2, 6, 2, tzinfo=UTC)) == 2
    assert await CampaignGift.count() == 2
    assert await AuditLog.count().where(AuditLog.action == "campaign.launch") == 1

    page = await client.get(f"/staff/campaigns/{campaign_id}")
    assert page.status_code == 200 and "Tết 2027" in page.text and "<td>176</td>" in page.text
    listing = await client.get("/staff/campaigns")
    assert listing.status_code == 200 and f"/staff/campaigns/{campaign_id}" in listing.text
    exported = await client.get(f"/staff/campaigns.csv?campaign={campaign_id}")
    assert exported.status_code == 200 and exported.text.splitlines()[1].startswith(f"{campaign_id},Tết 2027")
    client.cookies.clear()
    assert (await client.get(f"/staff/campaigns/{campaign_id}")).status_code == 303
    assert await Campaign.count() == 1
