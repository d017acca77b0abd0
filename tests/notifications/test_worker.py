"""The worker: crash safety (SIGKILL mid-batch), two workers, clean shutdown, scheduled jobs."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from loyalty.events import EventKind
from loyalty.jobs import Job, registered_jobs
from loyalty.members.accounts import record_member
from notifications import worker
from notifications.config import NotifySettings
from notifications.senders import ConsoleSender
from notifications.tables import Delivery, Device, JobSchedule
from tests.support.fake_fcm import FakeFcm
from tests.support.notifications import event

ROOT = Path(__file__).resolve().parents[2]


async def _member_with_many_devices(count: int, prefix: str) -> int:
    member = await record_member("0909999999")
    rows = [Device(member=member.id, token=f"{prefix}-{i}", platform="android") for i in range(count)]
    for start in range(0, count, 500):
        await Device.insert(*rows[start : start + 500])
    return member.id


async def _spawn(
    service_account: Path,
    fake: FakeFcm,
    *args: str,
    lease_s: int = 120,
    log_level: str = "WARNING",
    stderr: int | None = None,
) -> asyncio.subprocess.Process:
    env = dict(os.environ)
    env.update(
        GOOGLE_APPLICATION_CREDENTIALS=str(service_account),
        FCM_ENDPOINT=fake.url,
        NOTIFY_LEASE_SECONDS=str(lease_s),
        WORKER_POLL_SECONDS="0.2",
        LOG_LEVEL=log_level,
    )
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "notifications.worker", "--no-jobs", *args, cwd=ROOT, env=env, stderr=stderr
    )


async def _wait(process: asyncio.subprocess.Process, within_s: float = 90) -> int:
    return await asyncio.wait_for(process.wait(), within_s)


async def test_a_worker_killed_mid_batch_loses_nothing_and_repeats_at_most_that_batch(
    fake_fcm: FakeFcm, service_account: Path
) -> None:
    member = await _member_with_many_devices(2000, "ok-crash")
    await event(EventKind.POINTS_EARNED, member, points=10, balance=10)
    fake_fcm.delay_s = 0.05  # a batch of 500 takes a while on the wire
    first = await _spawn(service_account, fake_fcm, lease_s=2)
    while len(fake_fcm.sends) < 700:  # inside the second batch of 500
        assert first.returncode is None, "the worker ended before it could be killed"
        await asyncio.sleep(0.01)
    first.send_signal(signal.SIGKILL)
    await _wait(first)
    fake_fcm.delay_s = 0.0
    assert await _wait(await _spawn(service_account, fake_fcm, "--until-idle", lease_s=2)) == 0
    statuses = Counter(r["status"] for r in await Delivery.select(Delivery.status))
    assert statuses == {"sent": 2000}
    sent = fake_fcm.tokens_sent()
    assert set(sent) == {f"ok-crash-{i}" for i in range(2000)}
    assert len(sent) - 2000 <= 500  # only the batch in flight may go twice


@pytest.mark.postgres_only
async def test_two_workers_never_send_the_same_delivery_twice(fake_fcm: FakeFcm, service_account: Path) -> None:
    member = await _member_with_many_devices(2000, "ok-pair")
    await event(EventKind.POINTS_EARNED, member, points=10, balance=10)
    fake_fcm.delay_s = 0.01
    workers = [await _spawn(service_account, fake_fcm, "--until-idle") for _ in range(2)]
    assert [await _wait(w) for w in workers] == [0, 0]
    sent = Counter(fake_fcm.tokens_sent())
    assert len(sent) == 2000 and max(sent.values()) == 1
    assert await Delivery.count().where(Delivery.status == "sent") == 2000


async def test_sigterm_stops_the_worker_cleanly(fake_fcm: FakeFcm, service_account: Path) -> None:
    process = await _spawn(service_account, fake_fcm, log_level="INFO", stderr=asyncio.subprocess.PIPE)
    assert process.stderr is not None
    # On a loaded machine the imports alone can take seconds: signal once the worker says it runs
    # (its handlers are installed by then), not after a fixed sleep.
    said = b""
    while b" started " not in said:
        line = await asyncio.wait_for(process.stderr.readline(), 60)
        assert line, "the worker ended before it started"
        said += line
    rest = asyncio.create_task(process.stderr.read())
    process.send_signal(signal.SIGTERM)
    assert await _wait(process, within_s=20) == 0
    assert b" stopped" in await rest


async def test_the_worker_loop_sends_and_stops_when_asked() -> None:
    member = await _member_with_many_devices(1, "ok-loop")
    await event(EventKind.POINTS_EARNED, member, points=1, balance=1)
    stop = asyncio.Event()
    settings = NotifySettings(poll_s=0.05)
    task = asyncio.create_task(worker.run(stop, settings=settings, sender=ConsoleSender(), with_jobs=False))
    for _ in range(200):
        if await Delivery.count().where(Delivery.status == "sent") == 1:
            break
        await asyncio.sleep(0.05)
    stop.set()
    await asyncio.wait_for(task, 10)
    assert await Delivery.count().where(Delivery.status == "sent") == 1


async def test_a_scheduled_job_runs_once_however_many_workers_try() -> None:
    runs: list[datetime] = []

    async def count(now: datetime) -> int:
        runs.append(now)
        await asyncio.sleep(0.05)
        return 7

    jobs = [Job("test.count", timedelta(minutes=5), count)]
    now = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)
    settings = NotifySettings()
    await worker.schedule_jobs(jobs, now=now)
    ran = await asyncio.gather(*(worker.run_jobs(jobs, settings, owner=f"w{i}", now=now) for i in range(4)))
    assert sum(ran) == 1 and len(runs) == 1
    row = await JobSchedule.objects().get(JobSchedule.name == "test.count")
    assert row is not None and row.last_result == 7 and row.next_run_at == now + timedelta(minutes=5)
    assert row.lease_until is None and row.last_error == ""
    assert await worker.run_jobs(jobs, settings, owner="w0", now=now + timedelta(minutes=1)) == 0
    assert await worker.run_jobs(jobs, settings, owner="w0", now=now + timedelta(minutes=5)) == 1


async def test_a_failing_job_keeps_its_error_and_the_registered_jobs_run() -> None:
    async def boom(now: datetime) -> int:
        raise RuntimeError("disk full")

    now = datetime.now(UTC)
    jobs = [Job("test.boom", timedelta(minutes=1), boom), *registered_jobs()]
    await worker.schedule_jobs(jobs, now=now)
    assert await worker.run_jobs(jobs, NotifySettings(), owner="w", now=now) == len(jobs)
    rows = {r["name"]: r for r in await JobSchedule.select()}
    assert "disk full" in rows["test.boom"]["last_error"]
    assert rows["points.expire"]["last_result"] == 0 and rows["points.expire"]["last_error"] == ""


async def test_a_job_that_starts_failing_still_shows_when_it_last_succeeded() -> None:
    outcomes: Iterator[int | Exception] = iter([3, RuntimeError("smtp down"), RuntimeError("smtp down")])

    async def flaky(now: datetime) -> int:
        outcome = next(outcomes)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    jobs = [Job("test.flaky", timedelta(minutes=1), flaky)]
    start = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)
    await worker.schedule_jobs(jobs, now=start)
    for minute in range(3):
        assert await worker.run_jobs(jobs, NotifySettings(), owner="w", now=start + timedelta(minutes=minute)) == 1
    row = await JobSchedule.objects().get(JobSchedule.name == "test.flaky")
    assert row is not None
    assert row.last_run_at == start + timedelta(minutes=2) and "smtp down" in row.last_error
    assert row.last_success_at == start


async def test_the_embedded_worker_runs_inside_the_app_lifespan_and_stops_with_it() -> None:
    from notifications.embedded import worker_lifespan

    member = await _member_with_many_devices(1, "ok-embedded")
    await event(EventKind.POINTS_EARNED, member, points=1, balance=1)
    async with worker_lifespan(None):
        for _ in range(100):
            if await Delivery.count().where(Delivery.status == "sent") == 1:
                break
            await asyncio.sleep(0.1)
    assert await Delivery.count().where(Delivery.status == "sent") == 1
    assert not [t for t in asyncio.all_tasks() if t.get_name() == "embedded-worker"]


async def test_the_worker_logs_json_lines_as_the_api_does() -> None:
    import json

    done = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "notifications.worker",
        "--until-idle",
        "--no-jobs",
        cwd=ROOT,
        env={**os.environ, "LOG_LEVEL": "INFO"},
        stderr=asyncio.subprocess.PIPE,
    )
    _, err = await asyncio.wait_for(done.communicate(), 120)
    assert done.returncode == 0, err.decode()[-2000:]
    lines = [json.loads(line) for line in err.decode().splitlines() if line.strip()]
    started = [line for line in lines if line["logger"] == "notifications.worker" and "started" in line["message"]]
    assert started and started[0]["level"] == "info" and started[0]["request_id"] == "-"
