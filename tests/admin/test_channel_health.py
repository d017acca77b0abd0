"""Channel health per day (sent, delivered, failed, cost), the staff page and its CSV, and the
member's messages with their channel, status and cost in the admin grid."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from admin.notifications import deliveries
from loyalty.events import EventKind
from loyalty.schema import Member
from notifications import dispatcher
from notifications.channel_health import channel_health
from notifications.channels.base import Channel, SendStatus
from notifications.config import NotifySettings
from notifications.senders import ConsoleSender
from tests.support.channel_senders import ScriptedSender, senders
from tests.support.notifications import event, member_with_devices
from tests.support.staff import sign_in, staff_http

SETTINGS = dataclasses.replace(NotifySettings(), max_attempts=1)


@pytest.fixture
async def staff_client(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    async with staff_http(app) as http:
        yield http


async def _traffic(now: datetime) -> None:
    app_user = await member_with_devices("health-app")
    zalo_ok = await member_with_devices()
    zalo_bad = await member_with_devices()
    bad_phone = (await Member.select(Member.phone).where(Member.id == zalo_bad).first() or {}).get("phone")
    zalo = ScriptedSender(Channel.ZALO, {str(bad_phone): SendStatus.INVALID_ADDRESS}, cost_vnd=300)
    sms = ScriptedSender(Channel.SMS, cost_vnd=750, parts=2)
    for member in (app_user, zalo_ok, zalo_bad):
        await event(EventKind.POINTS_EARNED, member, points=5, balance=5)
    await dispatcher.drain(ConsoleSender(), SETTINGS, now=now, senders=senders(zalo, sms))


async def test_channel_health_counts_each_day_and_channel_with_its_cost() -> None:
    now = datetime.now(UTC)
    await _traffic(now)
    rows = await channel_health(now - timedelta(days=1))
    got = {r.channel: (r.sent, r.delivered, r.failed, r.cost_vnd) for r in rows}
    # Zalo: one sent (no receipt yet), one invalid number; that one fell back to SMS.
    assert got == {"push": (1, 1, 0, 0), "zalo": (1, 0, 1, 300), "sms": (1, 0, 0, 750)}
    assert {r.day for r in rows} == {now.date()}


async def test_the_staff_page_and_csv_show_channel_health_in_vietnamese(staff_client: httpx.AsyncClient) -> None:
    await _traffic(datetime.now(UTC))
    await sign_in(staff_client)
    page = await staff_client.get("/staff/channels", headers={"Accept": "text/html"})
    assert page.status_code == 200, page.text
    assert "Tình trạng các kênh gửi tin" in page.text and "Thông báo ứng dụng" in page.text
    assert "<td>750\xa0₫</td>" in page.text and datetime.now(UTC).strftime("%d/%m/%Y") in page.text
    csv = await staff_client.get("/staff/channels.csv?days=7")
    assert csv.status_code == 200
    assert csv.content.startswith("\ufeff".encode())
    lines = csv.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "Ngày,Kênh,Đã gửi,Đã đến nơi,Thất bại,Chi phí (đồng)"
    assert any(line.endswith(",sms,1,0,0,750") for line in lines[1:])
    refused = await staff_client.get("/staff/channels.csv?days=0")
    assert refused.status_code == 400


def test_the_delivery_grid_shows_channel_status_and_cost_and_filters_by_channel() -> None:
    shown = {c._meta.name for c in deliveries.visible_columns or []}
    assert {"member", "channel", "status", "cost_vnd", "address", "delivered_at"} <= shown
    assert {c._meta.name for c in deliveries.visible_filters or []} >= {"member", "channel", "status"}
