"""A worker process killed (SIGKILL) mid-batch on SMS or e-mail, then restarted: every message
goes, nothing is lost, and at most the batch in flight is sent again. The real SMS and e-mail
clients run in the worker against the fake gateway and a real SMTP server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from loyalty.events import EventKind
from loyalty.schema import Member
from notifications.tables import Delivery
from tests.support.fake_sms import API_KEY, BRAND, SECRET, FakeSms
from tests.support.fake_smtp import FakeSmtp
from tests.support.notifications import event, member_with_devices

ROOT = Path(__file__).resolve().parents[2]
MEMBERS = 40
BATCH = 8


@pytest.fixture
def gateway() -> Iterator[FakeSms]:
    fake = FakeSms().start()
    yield fake
    fake.stop()


@pytest.fixture
def smtp() -> Iterator[FakeSmtp]:
    server = FakeSmtp().start()
    yield server
    server.stop()


async def _spawn(channel_env: dict[str, str], *args: str) -> asyncio.subprocess.Process:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SMS_", "SMTP_", "ZALO_", "MAIL_"))}
    env.update(
        channel_env,
        NOTIFY_LEASE_SECONDS="2",
        NOTIFY_SEND_BATCH=str(BATCH),
        WORKER_POLL_SECONDS="0.2",
        LOG_LEVEL="WARNING",
    )
    env.pop("GOOGLE_APPLICATION_CREDENTIALS", None)  # push: the console (no member has the app)
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "notifications.worker", "--no-jobs", *args, cwd=ROOT, env=env
    )


async def _kill_mid_batch(channel_env: dict[str, str], sent_so_far: Callable[[], int]) -> None:
    """Start a worker, SIGKILL it inside its third batch, then run one until nothing is left."""
    first = await _spawn(channel_env)
    while sent_so_far() < 2 * BATCH + 1:
        assert first.returncode is None, "the worker ended before it could be killed"
        await asyncio.sleep(0.01)
    first.send_signal(signal.SIGKILL)
    await asyncio.wait_for(first.wait(), 30)
    assert sent_so_far() < MEMBERS, "the worker sent everything before it was killed"
    assert await asyncio.wait_for((await _spawn(channel_env, "--until-idle")).wait(), 120) == 0


async def _members_told(email: bool = False) -> list[int]:
    members = [await member_with_devices() for _ in range(MEMBERS)]
    for n, member in enumerate(members):
        if email:
            await Member.update({Member.email: f"crash-{n}@shop.example"}).where(Member.id == member)
        await event(EventKind.POINTS_EARNED, member, points=5, balance=5)
    return members


async def test_a_worker_killed_mid_batch_on_sms_loses_nothing_and_repeats_at_most_that_batch(
    gateway: FakeSms,
) -> None:
    await _members_told()
    gateway.delay_s = 0.3  # a batch is on the wire for a while
    env = {"SMS_URL": gateway.url, "SMS_API_KEY": API_KEY, "SMS_SECRET": SECRET, "SMS_BRANDNAME": BRAND}
    await _kill_mid_batch(env, lambda: len(gateway.sends))
    rows = await Delivery.select(Delivery.id, Delivery.channel, Delivery.status)
    assert Counter((r["channel"], r["status"]) for r in rows) == {("sms", "sent"): MEMBERS}
    # (a request the kill cut off before its body arrived is recorded empty)
    requests = Counter(str(s["RequestId"]) for s in gateway.sends if "RequestId" in s)
    assert set(requests) == {str(r["id"]) for r in rows}  # every delivery reached the gateway
    assert 0 < sum(requests.values()) - MEMBERS <= BATCH  # killed mid-batch: only that batch went again
    # The gateway refused the repeats by RequestId: each customer got one SMS.
    assert len(gateway._seen) == MEMBERS


async def test_a_worker_killed_mid_batch_on_email_loses_nothing_and_repeats_at_most_that_batch(
    smtp: FakeSmtp,
) -> None:
    await _members_told(email=True)
    smtp.handler.delay_s = 0.1
    env = {
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(smtp.port),
        "SMTP_STARTTLS": "false",
        "MAIL_FROM": "Thân Thiết <no-reply@shop.example>",
    }
    await _kill_mid_batch(env, lambda: len(smtp.received))
    rows = await Delivery.select(Delivery.channel, Delivery.status, Delivery.address)
    assert Counter((r["channel"], r["status"]) for r in rows) == {("email", "delivered"): MEMBERS}
    received = Counter(str(m["To"]) for m in smtp.received)
    assert set(received) == {r["address"] for r in rows}
    assert 0 < sum(received.values()) - MEMBERS <= BATCH  # killed mid-batch: only that batch went again
