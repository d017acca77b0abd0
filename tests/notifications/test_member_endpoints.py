"""/me/devices, /me/notifications and /me/consents, end to end from an event to the wire."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx

from loyalty import points
from loyalty.audit import StaffActor
from loyalty.schema import Member
from notifications import dispatcher
from notifications.config import NotifySettings
from notifications.senders import FcmSender
from notifications.tables import Consent, Device
from tests.conftest import member_headers
from tests.support.fake_fcm import FakeFcm

LAN = "+84901234567"
MINH = "+84907654321"


async def _member_id(client: httpx.AsyncClient, phone: str) -> int:
    public_id = (await client.get("/api/v1/me", headers=member_headers(phone))).json()["id"]
    member = await Member.objects().get(Member.public_id == public_id)
    assert member is not None
    return member.id


async def test_device_registration_is_idempotent_and_moves_a_token_to_its_new_member(
    client: httpx.AsyncClient,
) -> None:
    body = {"token": "ok-device-1", "platform": "android", "app_version": "1.2.0"}
    first = await client.post("/api/v1/me/devices", headers=member_headers(LAN), json=body)
    again = await client.post("/api/v1/me/devices", headers=member_headers(LAN), json=body)
    assert first.status_code == again.status_code == 201
    assert first.json()["token"] == "ok-device-1" and first.json()["active"] is True
    assert await Device.count() == 1
    moved = await client.post("/api/v1/me/devices", headers=member_headers(MINH), json=body)
    assert moved.status_code == 201
    device = await Device.objects().first()
    assert device is not None and device.member == await _member_id(client, MINH)


async def test_device_input_is_checked_and_removal_is_own_only(client: httpx.AsyncClient) -> None:
    bad = await client.post("/api/v1/me/devices", headers=member_headers(LAN), json={"token": "x", "platform": "nokia"})
    assert bad.status_code == 422 and bad.headers["content-type"].startswith("application/problem+json")
    spaced = await client.post(
        "/api/v1/me/devices", headers=member_headers(LAN), json={"token": "a b", "platform": "ios"}
    )
    assert spaced.status_code == 422
    await client.post("/api/v1/me/devices", headers=member_headers(LAN), json={"token": "ok-9", "platform": "ios"})
    other = await client.delete("/api/v1/me/devices/ok-9", headers=member_headers(MINH))
    assert other.status_code == 404
    mine = await client.delete("/api/v1/me/devices/ok-9", headers=member_headers(LAN))
    assert mine.status_code == 204
    device = await Device.objects().first()
    assert device is not None and not device.active


async def test_adjusted_points_reach_the_inbox_and_the_fake_fcm(
    client: httpx.AsyncClient, fake_fcm: FakeFcm, sender: FcmSender, settings: NotifySettings
) -> None:
    await client.post("/api/v1/me/devices", headers=member_headers(LAN), json={"token": "ok-lan", "platform": "ios"})
    member_id = await _member_id(client, LAN)
    await client.patch("/api/v1/me", headers=member_headers(LAN), json={"locale": "en"})
    await points.adjust(member_id, 250, reason="welcome back", actor=StaffActor(user_id=None, username="test"))
    await dispatcher.drain(sender, settings)
    inbox = await client.get("/api/v1/me/notifications", headers=member_headers(LAN))
    assert inbox.status_code == 200
    [item] = inbox.json()["items"]
    assert item["title"] == "Your points were adjusted"
    assert item["body"] == "Change: 250 points. Balance: 250 points."
    assert item["category"] == "points" and item["read_at"] is None
    [push] = fake_fcm.sends
    assert push.token == "ok-lan" and push.message["notification"]["title"] == "Your points were adjusted"
    assert push.message["data"]["message_id"] == str(item["id"])


async def test_inbox_pages_newest_first_and_read_is_own_only(
    client: httpx.AsyncClient, sender: FcmSender, settings: NotifySettings
) -> None:
    member_id = await _member_id(client, LAN)
    await _member_id(client, MINH)
    actor = StaffActor(user_id=None, username="test")
    for n in range(1, 4):
        await points.adjust(member_id, n, reason=f"gift {n}", actor=actor)
    await dispatcher.drain(sender, settings)
    first = await client.get("/api/v1/me/notifications?limit=2", headers=member_headers(LAN))
    page = first.json()
    assert [i["body"].split(" ")[2] for i in page["items"]] == ["3", "2"]
    rest = await client.get(
        f"/api/v1/me/notifications?limit=2&cursor={page['next_cursor']}", headers=member_headers(LAN)
    )
    assert len(rest.json()["items"]) == 1 and rest.json()["next_cursor"] is None
    assert (await client.get("/api/v1/me/notifications?limit=0", headers=member_headers(LAN))).status_code == 422
    assert (await client.get("/api/v1/me/notifications?cursor=%%%", headers=member_headers(LAN))).status_code == 422
    target = page["items"][0]["id"]
    assert (
        await client.post(f"/api/v1/me/notifications/{target}/read", headers=member_headers(MINH))
    ).status_code == 404
    assert (
        await client.post(f"/api/v1/me/notifications/{target}/read", headers=member_headers(LAN))
    ).status_code == 204
    again = await client.get("/api/v1/me/notifications?limit=1", headers=member_headers(LAN))
    assert again.json()["items"][0]["read_at"] is not None
    assert (await client.get("/api/v1/me/notifications", headers=member_headers(MINH))).json()["items"] == []


async def test_consents_default_to_no_marketing_and_are_stored_with_their_text_version(
    client: httpx.AsyncClient,
) -> None:
    empty = await client.get("/api/v1/me/consents", headers=member_headers(LAN))
    assert empty.json() == {
        "push_marketing": False,
        "email_marketing": False,
        "sms_marketing": False,
        "zalo_marketing": False,
        "push_transactional": True,
        "text_version": None,
        "updated_at": None,
    }
    body = {"push_marketing": True, "email_marketing": False, "sms_marketing": True}
    put = await client.put("/api/v1/me/consents", headers=member_headers(LAN), json=body)
    assert put.status_code == 200
    assert put.json()["push_marketing"] is True and put.json()["sms_marketing"] is True
    assert put.json()["text_version"] == "2026-11"
    assert datetime.fromisoformat(put.json()["updated_at"]) <= datetime.now(UTC)
    body["push_marketing"] = False
    await client.put("/api/v1/me/consents", headers=member_headers(LAN), json=body)
    got = await client.get("/api/v1/me/consents", headers=member_headers(LAN))
    assert got.json()["push_marketing"] is False
    assert await Consent.count() == 3
    bad = await client.put("/api/v1/me/consents", headers=member_headers(LAN), json={"push_marketing": "yes"})
    assert bad.status_code in (400, 422)


def test_staff_see_notification_tables_read_only() -> None:
    # Logging in through the admin here would trip its per-address login rate limit, which the
    # admin tests already exercise; the configuration is what this package adds.
    from admin.labels_vi import MENU_GROUPS
    from admin.site import TABLES

    groups = (MENU_GROUPS["Notifications"], MENU_GROUPS["System"])
    mine = {c.table_class._meta.tablename: c for c in TABLES if c.menu_group in groups}
    assert {"device", "inbox_message", "delivery", "consent", "job_schedule"} <= set(mine)
    assert all(config.validators is not None and config.validators.delete_single for config in mine.values())
