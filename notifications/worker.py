"""The worker: ``python -m notifications.worker`` runs the dispatcher and the scheduled jobs.

Any number of workers may run against one database: the dispatcher claims its work (see
``notifications.dispatcher``) and each scheduled job (``loyalty.jobs.registered_jobs()``) runs
only after its ``JobSchedule`` row is claimed with a guarded UPDATE of ``lease_until``, so one
worker runs a job at a time; a worker that dies holding a lease loses it when it runs out.
SIGTERM and SIGINT stop the loop after the batch in hand; nothing is left half-written.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import signal
import socket
import traceback
from datetime import UTC, datetime, timedelta
from typing import Any

from loyalty.db import close_pool, open_pool, write_transaction
from loyalty.jobs import Job, registered_jobs
from loyalty.json_logs import configure_logging
from loyalty.settings import DATABASE, SERVICE
from notifications import dispatcher
from notifications.channels.registry import senders_from_settings
from notifications.config import NotifySettings
from notifications.senders import Sender, make_sender
from notifications.tables import Delivery, DeliveryStatus, JobSchedule

log = logging.getLogger("notifications.worker")


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:100]


async def run_jobs(jobs: list[Job], settings: NotifySettings, *, owner: str, now: datetime | None = None) -> int:
    """Run every job that is due and not held by another worker; returns how many ran."""
    now = now or datetime.now(UTC)
    due = {
        r["name"]
        for r in await JobSchedule.select(JobSchedule.name).where(
            (JobSchedule.next_run_at <= now) & (JobSchedule.lease_until.is_null() | (JobSchedule.lease_until < now))
        )
    }
    ran = 0
    for job in jobs:
        if job.name not in due:
            continue
        lease = now + timedelta(seconds=max(settings.job_lease_s, job.every.total_seconds()))
        async with write_transaction():
            claimed = (
                await JobSchedule.update({JobSchedule.lease_until: lease, JobSchedule.lease_owner: owner})
                .where(
                    (JobSchedule.name == job.name)
                    & (JobSchedule.next_run_at <= now)
                    & (JobSchedule.lease_until.is_null() | (JobSchedule.lease_until < now))
                )
                .returning(JobSchedule.id)
            )
        if not claimed:
            continue
        result: int | None = None
        error = ""
        try:
            result = await job.run(now)
            log.info("job %s handled %s", job.name, result)
        except Exception:
            error = traceback.format_exc(limit=5)[-2000:]
            log.exception("job %s failed", job.name)
        ran += 1
        finished: dict[Any, Any] = {
            JobSchedule.last_run_at: now,
            JobSchedule.last_result: result,
            JobSchedule.last_error: error,
            JobSchedule.next_run_at: now + job.every,
            JobSchedule.lease_until: None,
            JobSchedule.lease_owner: "",
        }
        if not error:
            finished[JobSchedule.last_success_at] = now
        await JobSchedule.update(finished).where((JobSchedule.name == job.name) & (JobSchedule.lease_owner == owner))
    return ran


async def schedule_jobs(jobs: list[Job], *, now: datetime | None = None) -> None:
    """One JobSchedule row per job, due at once the first time a worker sees it."""
    now = now or datetime.now(UTC)
    for job in jobs:
        await JobSchedule.insert(JobSchedule(name=job.name, next_run_at=now)).on_conflict(action="DO NOTHING")


async def work_left(channels: list[str] | None = None) -> bool:
    """Anything a running worker would still send (held marketing waits for its time; a channel
    this worker has no sender for is another worker's)."""
    from loyalty.schema import DomainEvent

    if await DomainEvent.exists().where(DomainEvent.processed_at.is_null()):
        return True
    on = channels or ["push"]
    return bool(await Delivery.exists().where((Delivery.status == DeliveryStatus.PENDING) & Delivery.channel.is_in(on)))


async def run(
    stop: asyncio.Event,
    *,
    settings: NotifySettings | None = None,
    sender: Sender | None = None,
    senders: dispatcher.Senders | None = None,
    until_idle: bool = False,
    with_jobs: bool = True,
) -> None:
    """The worker loop; returns when ``stop`` is set (or, with ``until_idle``, when all is sent)."""
    settings = settings or NotifySettings.from_env()
    own_sender = sender is None
    sender = sender or make_sender(settings)
    # The Zalo, SMS and e-mail senders; a channel without one is off.
    channel_senders = dict(senders) if senders is not None else senders_from_settings(settings)
    jobs = registered_jobs() if with_jobs else []
    owner = worker_name()
    log.info("worker %s started (sender %s, %d jobs)", owner, sender.name, len(jobs))
    next_jobs = 0.0
    loop = asyncio.get_running_loop()
    try:
        await schedule_jobs(jobs)
        while not stop.is_set():
            busy = False
            try:
                done = await dispatcher.tick(sender, settings, senders=channel_senders)
                busy = done.busy
                if busy:
                    log.info(
                        "events %d, released %d, sent %d, failed %d, retried %d",
                        done.events,
                        done.released,
                        done.sent,
                        done.failed,
                        done.retried,
                    )
                if jobs and loop.time() >= next_jobs:
                    next_jobs = loop.time() + settings.poll_s
                    await run_jobs(jobs, settings, owner=owner)
            except Exception:
                log.exception("worker round failed; trying again")
            if busy:
                continue
            if until_idle and not await work_left(["push", *channel_senders]):
                break
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=settings.poll_s)
    finally:
        if own_sender:
            await sender.aclose()
        if senders is None:
            for channel_sender in channel_senders.values():
                await channel_sender.aclose()
        log.info("worker %s stopped", owner)


async def main_async(until_idle: bool, with_jobs: bool = True) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await open_pool(DATABASE.pool("worker"))
    try:
        await run(stop, until_idle=until_idle, with_jobs=with_jobs)
    finally:
        await close_pool()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m notifications.worker", description=__doc__)
    parser.add_argument("--until-idle", action="store_true", help="exit once nothing is left to send")
    parser.add_argument("--no-jobs", action="store_true", help="only dispatch notifications, run no scheduled jobs")
    args = parser.parse_args()
    configure_logging(SERVICE.log_level)
    asyncio.run(main_async(args.until_idle, with_jobs=not args.no_jobs))


if __name__ == "__main__":
    main()
