"""Staff build a segment and a VIP group, launch a birthday and a Tết campaign, see the results."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime

import httpx
import time_machine
from piccolo.apps.user.tables import BaseUser

from loyalty.jobs import registered_jobs
from loyalty.schema import AuditLog, Campaign, CampaignGift, Member, Segment
from notifications import dispatcher
from notifications.config import NotifySettings
from notifications.senders import FcmSender
from notifications.tables import Delivery
from tests.conftest import member_headers
from tests.support.fake_fcm import FakeFcm


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


def _result_rows(page: str) -> dict[str, str]:
    """The results page's table: row label → the figure shown."""
    return dict(re.findall(r"<th scope='row'>([^<]+)</th><td>([^<]*)</td>", page))


def _points_results(*, audience: int, points: int, pushes: int, inbox: int, read: int) -> dict[str, str]:
    """The results table of a points campaign whose whole audience got its gift."""
    return {
        "Hội viên được chọn / Audience": str(audience),
        "Quà đã tặng / Gifts issued": str(audience),
        "Điểm đã tặng / Points given": str(points),
        "Chưa tặng: hết ngân sách / Budget reached": "0",
        "Chưa tặng: phần thưởng hết hàng / Out of stock": "0",
        "Thông báo đẩy đã đến / Pushes delivered": str(pushes),
        "Tin trong hộp thư / Inbox messages": str(inbox),
        "Tin đã đọc / Inbox read": str(read),
        "Phiếu đã tặng / Vouchers given": "0",
        "Phiếu đã dùng / Vouchers redeemed": "0",
        "Tỷ lệ sử dụng phiếu / Redemption rate": "0,0\u00a0%",
        "Doanh thu từ hóa đơn dùng phiếu / Revenue": "0\u00a0₫",
    }


async def _app_member(client: httpx.AsyncClient, phone: str, profile: dict[str, str], *, push_ok: bool) -> int:
    """A customer signs in with the app, fills in the profile, registers the phone for pushes and
    answers the marketing consent question."""
    headers = member_headers(phone)
    me = await client.patch("/api/v1/me", json=profile, headers=headers)
    assert me.status_code == 200, me.text
    device = await client.post(
        "/api/v1/me/devices", json={"token": f"tok-{phone[-4:]}-device", "platform": "android"}, headers=headers
    )
    assert device.status_code == 201, device.text
    consents = {"push_marketing": push_ok, "email_marketing": False, "sms_marketing": False}
    assert (await client.put("/api/v1/me/consents", json=consents, headers=headers)).status_code == 200
    found = await Member.select(Member.id).where(Member.public_id == me.json()["id"]).first()
    assert found is not None
    return int(found["id"])


async def test_staff_workflow_from_segment_to_results_page(
    client: httpx.AsyncClient, fake_fcm: FakeFcm, sender: FcmSender, settings: NotifySettings
) -> None:
    """The issue's "done when": staff build a segment and a VIP group, launch a birthday campaign
    (for the group) and a Tết campaign (for the segment); the worker gives the gifts and the
    members get their messages under the consent and quiet-hour rules; the results pages show it."""
    bao = await _app_member(
        client, "+84901110001", {"name": "Bảo", "birthday": "1990-02-06", "city": "Hà Nội"}, push_ok=True
    )
    chi = await _app_member(client, "+84901110002", {"name": "Chi", "city": "Hà Nội"}, push_ok=False)
    dung = await _app_member(
        client, "+84901110003", {"name": "Dũng", "birthday": "1985-02-06", "city": "Hồ Chí Minh"}, push_ok=True
    )
    headers = await _signed_in_staff(client)

    hanoi = {"name": "Hà Nội", "definition": json.dumps({"field": "city", "op": "eq", "value": "Hà Nội"})}
    saved = await _form(client, headers, "save-a-segment", hanoi)
    assert saved.status_code == 200 and "2 members match" in saved.text, saved.text
    segment_id = int((await Segment.select(Segment.id).where(Segment.name == "Hà Nội").first() or {})["id"])
    explained = await _form(client, headers, "preview-audience", {"segment_id": segment_id, "member_id": dung})
    assert explained.status_code == 200 and f"Member {dung} is OUT (city eq 'Hà Nội': no)" in explained.text
    group = await _form(client, headers, "create-a-vip-group", {"name": "Friends", "benefits_vi": "Giảm 10%"})
    assert group.status_code == 200, group.text
    group_id = int(group.text.split()[2])
    added = await _form(
        client, headers, "add-phone-numbers-to-a-vip-group", {"group_id": group_id, "phones": "0901 110 001\n0123"}
    )
    assert added.status_code == 200 and "1 not a phone number: 0123" in added.text, added.text

    birthday = {
        "name": "Sinh nhật",
        "audience": "vip_group",
        "vip_group": group_id,
        "schedule": "birthday",
        "gift_points": 50,
        "message_vi": "Chúc mừng sinh nhật $name! Tặng $points điểm.",
    }
    tet = {
        "name": "Tết 2027",
        "audience": "segment",
        "segment": segment_id,
        "schedule": "holiday",
        "holiday": "Lunar New Year",
        "gift_points": 88,
        "message_vi": "Chúc mừng năm mới $name! Lì xì $points điểm.",
    }
    ids = []
    for values in (birthday, tet):
        created = await _form(client, headers, "create-or-change-a-campaign", values)
        assert created.status_code == 200, created.text
        ids.append(int(created.text.split()[1]))
        action = {"campaign_id": ids[-1], "action": "launch"}
        assert "now scheduled" in (await _form(client, headers, "launch-pause-or-cancel-a-campaign", action)).text
    birthday_id, tet_id = ids
    assert await AuditLog.count().where(AuditLog.action == "campaign.launch") == 2

    # 06:30 in Việt Nam on 6 Feb 2027, Tết and Bảo's (and Dũng's) birthday: the worker's jobs run
    # in quiet hours, so the gifts are given and the pushes wait until 08:00.
    dawn = datetime(2027, 2, 5, 23, 30, tzinfo=UTC)
    job = {j.name: j for j in registered_jobs()}["campaigns.run"]
    assert await job.run(dawn) == 3
    assert await job.run(dawn) == 0  # nothing twice
    balances = await Member.select(Member.id, Member.points_balance).where(Member.id.is_in([bao, chi, dung]))
    assert {r["id"]: r["points_balance"] for r in balances} == {bao: 50 + 88, chi: 88, dung: 0}
    with time_machine.travel(dawn, tick=False):
        await dispatcher.drain(sender, settings, now=dawn)
    assert fake_fcm.tokens_sent() == []
    waiting = await Delivery.select(Delivery.member, Delivery.status).order_by(Delivery.id)
    assert sorted((d["member"], d["status"]) for d in waiting) == [(bao, "held"), (bao, "held"), (chi, "skipped")]
    morning = datetime(2027, 2, 6, 1, 5, tzinfo=UTC)  # 08:05
    with time_machine.travel(morning, tick=False):
        await dispatcher.drain(sender, settings, now=morning)
    assert sorted(fake_fcm.tokens_sent()) == ["tok-0001-device", "tok-0001-device"]  # Chi gave no consent

    chi_inbox = await client.get("/api/v1/me/notifications", headers=member_headers("+84901110002"))
    assert [m["title"] for m in chi_inbox.json()["items"]] == ["Quà tặng cho Chi"]
    assert "Lì xì 88 điểm" in chi_inbox.json()["items"][0]["body"]
    bao_inbox = (await client.get("/api/v1/me/notifications", headers=member_headers("+84901110001"))).json()
    assert sorted(m["body"][:30] for m in bao_inbox["items"]) == [
        "Chúc mừng năm mới Bảo! Lì xì 8",
        "Chúc mừng sinh nhật Bảo! Tặng ",
    ]
    read = await client.post(
        f"/api/v1/me/notifications/{chi_inbox.json()['items'][0]['id']}/read", headers=member_headers("+84901110002")
    )
    assert read.status_code == 204

    tet_page = await client.get(f"/staff/campaigns/{tet_id}")
    assert tet_page.status_code == 200 and "Tết 2027" in tet_page.text
    assert _result_rows(tet_page.text) == _points_results(audience=2, points=176, pushes=1, inbox=2, read=1)
    birthday_page = await client.get(f"/staff/campaigns/{birthday_id}")
    assert _result_rows(birthday_page.text) == _points_results(audience=1, points=50, pushes=1, inbox=1, read=0)
    listing = await client.get("/staff/campaigns")
    assert listing.status_code == 200 and f"/staff/campaigns/{tet_id}" in listing.text
    exported = await client.get(f"/staff/campaigns.csv?campaign={tet_id}")
    assert exported.status_code == 200 and exported.text.splitlines()[1].startswith(f"{tet_id},Tết 2027")
    client.cookies.clear()
    assert (await client.get(f"/staff/campaigns/{tet_id}")).status_code == 303
    assert await CampaignGift.count() == 3 and await Campaign.count() == 2
