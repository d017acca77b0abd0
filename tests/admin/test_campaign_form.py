"""The guided campaign form: each schedule shows its own fields, Save creates or changes the
campaign through the domain, Launch moves it, the preview renders the message with its SMS parts,
the audience and the cost; bad input is the page's Vietnamese error with nothing written."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from loyalty import campaigns
from loyalty.campaigns.lifecycle import load_campaign
from loyalty.schema import AuditLog, Campaign, CampaignStatus
from notifications.tables import Consent
from tests.support.campaigns import campaign_values, member
from tests.support.rewards import make_reward
from tests.support.staff import sign_in, staff_http

HTML = {"Accept": "text/html"}
JSON = {"Accept": "application/json"}


@pytest.fixture
async def staff_client(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    async with staff_http(app) as http:
        await sign_in(http)
        yield http


def token_of(page: httpx.Response) -> str:
    return page.text.split("name='token' value='")[1].split("'")[0]


def shown_fields(page: httpx.Response) -> set[str]:
    """The fields the page draws visible (data-field boxes without ``hidden``)."""
    shown = set()
    for part in page.text.split("data-field='")[1:]:
        name, rest = part.split("'", 1)
        if not rest.startswith(" hidden"):
            shown.add(name)
    return shown


def form(**changes: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "name": "Tết 2027",
        "schedule": "once",
        "run_at": "2027-02-01T09:00",
        "audience": "everyone",
        "gift_kind": "points",
        "gift_points": "100",
        "title_vi": "Quà Tết cho $name",
        "title_en": "A Tết gift for $name",
        "message_vi": "Chúc mừng năm mới $name! Bạn nhận được $points điểm.",
        "message_en": "Happy new year $name! You got $points points.",
        "channels": ["push", "sms"],
    }
    values.update(changes)
    return values


@pytest.mark.parametrize(
    ("schedule", "own"),
    [
        ("once", {"run_at"}),
        ("birthday", {"days_before", "starts_on", "ends_on"}),
        ("holiday", {"holiday", "starts_on", "ends_on"}),
        ("lunar", {"lunar_month", "lunar_day", "starts_on", "ends_on"}),
    ],
)
async def test_the_form_shows_only_the_fields_of_the_chosen_schedule(
    staff_client: httpx.AsyncClient, schedule: str, own: set[str]
) -> None:
    page = await staff_client.get("/staff/campaigns/new", params={"schedule": schedule}, headers=HTML)
    assert page.status_code == 200 and "Sinh nhật hội viên" in page.text
    scheduled = {"run_at", "days_before", "holiday", "lunar_month", "lunar_day", "starts_on", "ends_on"}
    assert shown_fields(page) & scheduled == own
    assert "segment" not in shown_fields(page) and "gift_points" in shown_fields(page)
    assert "Giờ Việt Nam" in page.text or "local time" in page.text


async def test_without_a_script_choosing_a_schedule_redraws_the_form_and_saves_nothing(
    staff_client: httpx.AsyncClient,
) -> None:
    page = await staff_client.get("/staff/campaigns/new", headers=HTML)
    redrawn = await staff_client.post(
        "/staff/campaigns/new",
        data=form(token=token_of(page), schedule="birthday", audience="segment", step="choose"),
        headers=HTML,
    )
    assert redrawn.status_code == 200
    assert {"days_before", "segment"} <= shown_fields(redrawn) and "run_at" not in shown_fields(redrawn)
    assert await Campaign.count() == 0


async def test_save_creates_a_draft_for_a_segment_chosen_by_name_and_launch_schedules_it(
    staff_client: httpx.AsyncClient,
) -> None:
    segment = await campaigns.save_segment("Khách Huế", {"field": "city", "op": "eq", "value": "Huế"})
    page = await staff_client.get("/staff/campaigns/new", headers=HTML)
    posted = form(token=token_of(page), audience="segment", segment="", segment_name="Khách Huế", days_before="9")
    saved = await staff_client.post("/staff/campaigns/new", data=posted, headers=HTML)
    assert saved.status_code == 303, saved.text
    row = await Campaign.select().where(Campaign.name == "Tết 2027").first()
    assert row is not None and saved.headers["location"] == f"/staff/campaigns/{row['id']}/edit?saved=created"
    stored = await load_campaign(row["id"])
    assert stored.segment == segment and stored.channels == "push,sms" and stored.days_before == 0
    assert stored.run_at == datetime(2027, 2, 1, 2, 0, tzinfo=UTC)  # 9:00 in Vietnam
    edit = await staff_client.get(saved.headers["location"], headers=HTML)
    assert "Đã lưu bản nháp" in edit.text and "value='Khách Huế'" in edit.text
    assert "value='2027-02-01T09:00'" in edit.text and "id='launch'" in edit.text
    # Changed to a birthday campaign: the one-off's time is dropped.
    changed = await staff_client.post(
        f"/staff/campaigns/{row['id']}/edit",
        data=form(token=token_of(edit), schedule="birthday", days_before="3", audience="segment", segment=str(segment)),
        headers=HTML,
    )
    assert changed.status_code == 303
    stored = await load_campaign(row["id"])
    assert stored.schedule == "birthday" and stored.days_before == 3 and stored.run_at is None
    launched = await staff_client.post(f"/staff/campaigns/{row['id']}/launch", data={"token": token_of(edit)})
    assert launched.status_code == 303 and (await load_campaign(row["id"])).status == CampaignStatus.SCHEDULED
    actions = await AuditLog.select(AuditLog.action).order_by(AuditLog.id)
    assert [a["action"] for a in actions if a["action"].startswith("campaign")] == [
        "campaign.create",
        "campaign.update",
        "campaign.launch",
    ]


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"gift_points": "một trăm"}, "Số điểm tặng"),
        ({"run_at": ""}, "Chạy lúc"),
        ({"audience": "segment", "segment_name": "Không có"}, "Phân khúc"),
        ({"message_vi": "Chào $ten"}, "Lời nhắn (tiếng Việt)"),
        ({"schedule": "weekly"}, "Lịch"),
        ({"gift_kind": "voucher"}, "Phần thưởng"),
    ],
)
async def test_bad_input_is_the_pages_vietnamese_error_and_nothing_is_written(
    staff_client: httpx.AsyncClient, changes: dict[str, str], words: str
) -> None:
    page = await staff_client.get("/staff/campaigns/new", headers=HTML)
    answer = await staff_client.post("/staff/campaigns/new", data=form(token=token_of(page), **changes), headers=HTML)
    assert answer.status_code == 422, answer.text
    assert "id='error'" in answer.text and words in answer.text.split("id='error'")[1].split("</p>")[0]
    assert "value='Tết 2027'" in answer.text
    assert await Campaign.count() == 0 and await AuditLog.count() == 0


async def test_a_forged_post_and_an_unknown_campaign_are_refused(staff_client: httpx.AsyncClient) -> None:
    refused = await staff_client.post("/staff/campaigns/new", data=form(token="x" * 30), headers=HTML)
    assert refused.status_code == 403 and await Campaign.count() == 0
    assert (await staff_client.get("/staff/campaigns/424242/edit", headers=HTML)).status_code == 404


async def test_the_preview_renders_the_message_with_its_sms_parts_audience_and_cost(
    staff_client: httpx.AsyncClient,
) -> None:
    lan = await member(name="Chị Lan")
    for channel in ("sms", "zalo"):
        await Consent(member=lan, channel=channel, purpose="marketing", granted=True, text_version="v1").save()
    await member(name="Anh Minh")
    reward = await make_reward()
    answer = await staff_client.post("/staff/campaigns/preview", data=form(channels=["sms", "zalo"]), headers=JSON)
    assert answer.status_code == 200, answer.text
    data = answer.json()
    assert data["error"] == "" and data["audience"] == 2 and data["sample_name"] == "Chị Lan"
    assert data["texts"]["body_vi"] == "Chúc mừng năm mới Chị Lan! Bạn nhận được 100 điểm."
    assert data["sms"]["vi"]["parts"] == 1 and "Chi Lan" in data["sms"]["vi"]["text"]
    assert data["cost"]["channels"] == [{"channel": "zalo", "label": "Zalo", "members": 1, "vnd": 300}]
    assert data["cost"]["unreached"] == 1
    long = await staff_client.post(
        "/staff/campaigns/preview",
        data=form(message_vi="Chào $name " + "rất vui " * 30, gift_kind="voucher", reward=str(reward.id)),
        headers=JSON,
    )
    assert long.json()["sms"]["vi"]["parts"] == 2
    incomplete = await staff_client.post("/staff/campaigns/preview", data=form(run_at=""), headers=JSON)
    assert incomplete.json()["audience"] is None and "Chạy lúc" in incomplete.json()["error"]
    bad = await staff_client.post("/staff/campaigns/preview", data=form(gift_points="x"), headers=JSON)
    assert bad.status_code == 422 and bad.headers["content-type"].startswith("application/problem+json")


async def test_a_cancelled_campaign_is_shown_without_save_or_launch(staff_client: httpx.AsyncClient) -> None:
    campaign_id = await campaigns.create_campaign(campaign_values())
    await campaigns.change_status(campaign_id, "cancel")
    page = await staff_client.get(f"/staff/campaigns/{campaign_id}/edit", headers=HTML)
    assert page.status_code == 200 and "Đã hủy (cancelled)" in page.text
    assert "id='save'" not in page.text and "id='launch'" not in page.text
    refused = await staff_client.post(
        f"/staff/campaigns/{campaign_id}/edit", data=form(token=token_of(page)), headers=HTML
    )
    assert refused.status_code == 409 and "Chưa lưu" in refused.text
