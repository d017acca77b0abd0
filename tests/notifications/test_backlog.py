"""The backlog the metrics report: what waits, since when, how late the jobs are, how far the
campaign runs have gone. Against the real tables, filled the way the programme fills them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from loyalty import campaigns
from loyalty.campaigns import gift_vouchers, lanes, runs_in_progress
from loyalty.events import EventKind
from loyalty.jobs import Job
from loyalty.schema import DomainEvent, Reward
from notifications import backlog, dispatcher, worker
from notifications.config import NotifySettings
from notifications.tables import Delivery, DeliveryStatus, JobSchedule
from tests.support.campaigns import NOW, launched_campaign, member
from tests.support.notifications import event, member_with_devices


async def _age_events_by(seconds: float) -> None:
    rows = await DomainEvent.select(DomainEvent.id, DomainEvent.created_at)
    for row in rows:
        await DomainEvent.update({DomainEvent.created_at: row["created_at"] - timedelta(seconds=seconds)}).where(
            DomainEvent.id == row["id"]
        )


async def test_nothing_waiting_is_zero_of_age_zero() -> None:
    figures = await backlog.snapshot(timeout_s=5)
    assert (figures.events.count, figures.events.oldest_age_s) == (0, 0.0)
    assert {s: (w.count, w.oldest_age_s) for s, w in figures.deliveries.items()} == {
        "pending": (0, 0),
        "held": (0, 0),
    }
    assert figures.jobs == [] and figures.campaign_runs == []


async def test_events_waiting_are_counted_with_the_age_of_the_oldest() -> None:
    member_id = await member_with_devices("tok-backlog-1")
    await event(EventKind.POINTS_EARNED, member_id, points=5, balance=5)
    await _age_events_by(90)
    await event(EventKind.POINTS_EARNED, member_id, points=6, balance=11)

    figures = await backlog.snapshot(timeout_s=5)

    assert figures.events.count == 2
    assert 90 <= figures.events.oldest_age_s < 150


async def test_processed_events_no_longer_wait_and_their_deliveries_do_until_sent() -> None:
    member_id = await member_with_devices("tok-backlog-2", "tok-backlog-3")
    await event(EventKind.POINTS_EARNED, member_id, points=5, balance=5)
    assert await dispatcher.materialize(NotifySettings()) == 1
    first, second = await Delivery.select(Delivery.id).order_by(Delivery.id)
    await Delivery.update({Delivery.created_at: datetime.now(UTC) - timedelta(minutes=10)}).where(
        Delivery.id == first["id"]
    )
    await Delivery.update(
        {Delivery.status: DeliveryStatus.HELD, Delivery.created_at: datetime.now(UTC) - timedelta(hours=2)}
    ).where(Delivery.id == second["id"])

    figures = await backlog.snapshot(timeout_s=5)

    assert figures.events.count == 0
    pending, held = figures.deliveries["pending"], figures.deliveries["held"]
    assert pending.count == 1 and 600 <= pending.oldest_age_s < 660
    assert held.count == 1 and 7200 <= held.oldest_age_s < 7260
    await Delivery.update({Delivery.status: DeliveryStatus.SENT}).where(Delivery.id == first["id"])
    assert (await backlog.snapshot(timeout_s=5)).deliveries["pending"].count == 0


async def test_a_job_shows_its_lag_its_hold_its_failure_and_its_last_success() -> None:
    results: Iterator[int | Exception] = iter([4, RuntimeError("gateway down")])

    async def flaky(now: datetime) -> int:
        outcome = next(results)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    jobs = [Job("test.flaky", timedelta(minutes=5), flaky)]
    start = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)
    await worker.schedule_jobs(jobs, now=start)
    (due,) = (await backlog.snapshot(timeout_s=5, now=start + timedelta(seconds=30))).jobs
    assert (due.name, due.lag_s, due.running, due.last_failed, due.last_success_at) == (
        "test.flaky",
        30,
        False,
        False,
        None,
    )

    await worker.run_jobs(jobs, NotifySettings(), owner="w", now=start)
    (ran,) = (await backlog.snapshot(timeout_s=5, now=start + timedelta(minutes=1))).jobs
    assert (ran.lag_s, ran.last_failed, ran.last_success_at) == (0, False, start)

    await worker.run_jobs(jobs, NotifySettings(), owner="w", now=start + timedelta(minutes=5))
    (failed,) = (await backlog.snapshot(timeout_s=5, now=start + timedelta(minutes=12))).jobs
    # Due again at minute 10 and not run since: two minutes late; the last success stays known.
    assert (failed.lag_s, failed.last_failed, failed.last_success_at) == (120, True, start)

    await JobSchedule.update({JobSchedule.lease_until: start + timedelta(minutes=20)}).where(
        JobSchedule.name == "test.flaky"
    )
    (held,) = (await backlog.snapshot(timeout_s=5, now=start + timedelta(minutes=12))).jobs
    assert held.running


async def test_a_points_run_stopped_half_way_shows_how_far_it_went(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lanes, "GIVE_BATCH", 2)
    monkeypatch.setattr(lanes, "LANE_BATCHES", 2)
    people = [await member() for _ in range(6)]
    campaign_id = await launched_campaign()

    assert await campaigns.run_campaign(campaign_id, now=NOW, max_batches=1) == 2

    (run,) = await runs_in_progress()
    assert (run.campaign_id, run.gift_kind, run.members_total) == (campaign_id, "points", len(people))
    assert run.members_done == 2
    assert await campaigns.run_campaign(campaign_id, now=NOW) == 4
    assert await runs_in_progress() == []


async def test_a_voucher_run_shows_the_gifts_handled_of_the_audience_chosen(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(gift_vouchers, "VOUCHER_BATCH", 1)
    reward = Reward(name_vi="Cà phê", name_en="Coffee", points_cost=0, voucher_valid_days=30)
    await reward.save()
    for _ in range(3):
        await member()
    campaign_id = await launched_campaign(
        gift_kind="voucher", reward=reward.id, gift_points=0, message_en="Enjoy a $reward, code $code"
    )

    # The whole audience is chosen at once; the job's batch budget stops it after one voucher.
    assert await campaigns.run_campaign(campaign_id, now=NOW, max_batches=1) == 1

    (run,) = await runs_in_progress()
    assert (run.campaign_id, run.gift_kind, run.members_done, run.members_total) == (campaign_id, "voucher", 1, 3)
    assert await campaigns.run_campaign(campaign_id, now=NOW) == 2
    assert await runs_in_progress() == []


async def test_a_backlog_not_read_in_time_raises_instead_of_answering_part() -> None:
    member_id = await member_with_devices("tok-backlog-4")
    await event(EventKind.POINTS_EARNED, member_id, points=5, balance=5)
    with pytest.raises(TimeoutError):
        await backlog.snapshot(timeout_s=0)
    # The read itself went on to its end; a caller with time to wait gets that same read.
    assert (await backlog.snapshot(timeout_s=10)).events.count == 1
