"""The Zalo ZNS client against a fake Zalo speaking ZNS and OAuth v4 over real HTTP."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from notifications.channels import SendStatus
from notifications.channels.zalo import ZaloZnsSender, zalo_phone
from notifications.config import NotifySettings
from tests.notifications.channels.helpers import outgoing
from tests.support.fake_zalo import APP_ID, FIRST_REFRESH, SECRET_KEY, FakeZalo


@pytest.fixture
def zalo() -> Iterator[FakeZalo]:
    fake = FakeZalo().start()
    yield fake
    fake.stop()


def settings(fake: FakeZalo, tmp_path: Path) -> NotifySettings:
    return replace(
        NotifySettings(),
        zalo_app_id=APP_ID,
        zalo_secret_key=SECRET_KEY,
        zalo_refresh_token=FIRST_REFRESH,
        zalo_token_file=str(tmp_path / "zalo" / "token.json"),
        zalo_api_url=fake.url,
        zalo_oauth_url=fake.url,
        zalo_templates={"points_earned": "201234"},
        zalo_cost_vnd=300,
    )


async def test_every_reply_is_its_status_and_only_sent_messages_cost(zalo: FakeZalo, tmp_path: Path) -> None:
    zalo.replies = {
        "84900000002": -108,
        "84900000003": -115,
        "84900000004": -109,
        "84900000005": -112,
        "84900000006": -100,
    }
    sender = ZaloZnsSender(settings(zalo, tmp_path))
    try:
        batch = [outgoing(i, f"+8490000000{i}") for i in range(1, 7)]
        results = await sender.send(batch)
    finally:
        await sender.aclose()
    assert [r.delivery_id for r in results] == [1, 2, 3, 4, 5, 6]
    assert [r.status for r in results] == [
        SendStatus.SENT,
        SendStatus.INVALID_ADDRESS,
        SendStatus.OVER_QUOTA,
        SendStatus.REJECTED,
        SendStatus.REJECTED,
        SendStatus.RETRY,
    ]
    assert results[0].provider_id.startswith("zns-") and results[0].cost_vnd == 300
    assert all(r.cost_vnd == 0 for r in results[1:])
    assert "-108" in results[1].error
    first = next(s for s in zalo.sends if s["tracking_id"] == "1")
    assert first["phone"] == "84900000001"
    assert first["template_id"] == "201234"
    assert first["template_data"] == {"points": "120", "balance": "1.250"}
    assert sender.estimate_vnd(batch[0]) == 300


async def test_an_expired_token_is_refreshed_once_persisted_and_the_batch_retried(
    zalo: FakeZalo, tmp_path: Path
) -> None:
    s = settings(zalo, tmp_path)
    sender = ZaloZnsSender(s)
    try:
        assert [r.status for r in await sender.send([outgoing(1, "+84900000001")])] == [SendStatus.SENT]
        assert len(zalo.token_requests) == 1  # no token yet: the first refresh token bought one
        zalo.expire()
        results = await sender.send([outgoing(2, "+84900000002"), outgoing(3, "+84900000003")])
    finally:
        await sender.aclose()
    assert [r.status for r in results] == [SendStatus.SENT, SendStatus.SENT]
    assert len(zalo.token_requests) == 2  # one refresh for the whole batch
    assert zalo.token_requests[1]["refresh_token"] == "rt-1"  # the new refresh token, not the spent one
    stored = stored_pair(s.zalo_token_file)
    assert stored["refresh_token"] == zalo.refresh_token == "rt-2"
    assert stored["access_token"] == zalo.access_token
    assert stat.S_IMODE(os.stat(s.zalo_token_file).st_mode) == 0o600
    # Sent twice each (refused, then accepted), never more.
    assert [x["tracking_id"] for x in zalo.sends].count("2") == 2


async def test_a_restarted_sender_uses_the_stored_pair_not_the_spent_first_token(
    zalo: FakeZalo, tmp_path: Path
) -> None:
    s = settings(zalo, tmp_path)
    first = ZaloZnsSender(s)
    await first.send([outgoing(1, "+84900000001")])
    await first.aclose()
    zalo.expire()
    second = ZaloZnsSender(s)
    try:
        results = await second.send([outgoing(2, "+84900000002")])
    finally:
        await second.aclose()
    assert results[0].status is SendStatus.SENT
    assert [t["refresh_token"] for t in zalo.token_requests] == [FIRST_REFRESH, "rt-1"]


async def test_a_refused_refresh_is_retry_later_not_a_crash(zalo: FakeZalo, tmp_path: Path) -> None:
    sender = ZaloZnsSender(replace(settings(zalo, tmp_path), zalo_refresh_token="spent"))
    try:
        results = await sender.send([outgoing(1, "+84900000001")])
    finally:
        await sender.aclose()
    assert results[0].status is SendStatus.RETRY and "refused" in results[0].error


async def test_an_unreachable_zalo_is_retry(tmp_path: Path) -> None:
    fake = FakeZalo().start()
    s = settings(fake, tmp_path)
    fake.stop()
    sender = ZaloZnsSender(s)
    try:
        results = await sender.send([outgoing(1, "+84900000001")])
    finally:
        await sender.aclose()
    assert results[0].status is SendStatus.RETRY


def stored_pair(path: str) -> dict[str, str]:
    loaded: dict[str, str] = json.loads(Path(path).read_text(encoding="utf-8"))
    return loaded


def test_phone_forms() -> None:
    assert zalo_phone("+84912345678") == "84912345678"
    assert zalo_phone("0912345678") == "84912345678"
