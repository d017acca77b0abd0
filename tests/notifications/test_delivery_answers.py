"""The dispatcher's write-backs on a real database: each answer lands on its own delivery."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from loyalty.events import EventKind
from notifications import devices, dispatcher
from notifications.config import NotifySettings
from notifications.senders import Outcome, Result
from notifications.tables import Delivery, Device
from tests.support.notifications import event, member_with_devices

T0 = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)  # 10:00 in Hồ Chí Minh City
SETTINGS = NotifySettings(max_attempts=3, lease_s=120)


async def _claimed(*tokens: str, settings: NotifySettings = SETTINGS) -> list[dispatcher.Claimed]:
    member = await member_with_devices(*tokens)
    await event(EventKind.POINTS_EARNED, member, points=10, balance=10)
    assert await dispatcher.materialize(settings, now=T0) == 1
    return await dispatcher.claim(settings, now=T0)


async def _by_token() -> dict[str, dict[str, object]]:
    rows = await Delivery.select(
        Delivery.device.token, Delivery.status, Delivery.provider_id, Delivery.last_error, Delivery.next_attempt_at
    )
    return {str(r["device.token"]): r for r in rows}


async def test_each_delivery_keeps_its_own_provider_id_retry_time_and_error() -> None:
    claimed = await _claimed("a", "b", "c", "d")
    ids = {c.push.token: c.push.delivery_id for c in claimed}
    answers = [
        Result(ids["a"], Outcome.SENT, provider_id="projects/p/messages/A"),
        Result(ids["b"], Outcome.RETRY, error="RESOURCE_EXHAUSTED", retry_after_s=600),
        Result(ids["c"], Outcome.SENT, provider_id="projects/p/messages/C"),
        Result(ids["d"], Outcome.RETRY, error="UNAVAILABLE", retry_after_s=1200),
    ]
    done = await dispatcher.record(claimed, answers, SETTINGS, now=T0)
    assert (done.sent, done.retried, done.failed) == (2, 2, 0)
    rows = await _by_token()
    assert [rows[t]["status"] for t in "abcd"] == ["sent", "pending", "sent", "pending"]
    assert rows["a"]["provider_id"] == "projects/p/messages/A" and rows["c"]["provider_id"] == "projects/p/messages/C"
    assert rows["b"]["last_error"] == "RESOURCE_EXHAUSTED" and rows["d"]["last_error"] == "UNAVAILABLE"
    # Retry-After is the floor; the jittered backoff (5 s base) stays far below either.
    assert rows["b"]["next_attempt_at"] == T0 + timedelta(seconds=600)
    assert rows["d"]["next_attempt_at"] == T0 + timedelta(seconds=1200)


async def test_an_answer_for_a_delivery_no_longer_pending_changes_nothing() -> None:
    [first] = await _claimed("a")
    await dispatcher.record([first], [Result(first.push.delivery_id, Outcome.SENT, provider_id="x")], SETTINGS, now=T0)
    late = Result(first.push.delivery_id, Outcome.RETRY, error="UNAVAILABLE")
    await dispatcher.record([first], [late], SETTINGS, now=T0)
    row = (await _by_token())["a"]
    assert (row["status"], row["provider_id"], row["last_error"]) == ("sent", "x", "")


async def test_a_claim_whose_answer_never_comes_fails_after_its_last_lease_not_before() -> None:
    once = NotifySettings(max_attempts=1, lease_s=120)
    [lost] = await _claimed("a", settings=once)
    assert lost.attempts == 1
    assert await dispatcher.give_up_lost(once, now=T0 + timedelta(seconds=119)) == 0
    assert await dispatcher.give_up_lost(once, now=T0 + timedelta(seconds=120)) == 1
    row = (await _by_token())["a"]
    assert row["status"] == "failed" and row["last_error"] == "no answer after the last attempt (worker lost)"
    assert await dispatcher.give_up_lost(once, now=T0 + timedelta(days=1)) == 0


async def test_a_token_moved_to_another_member_never_gets_the_old_members_pushes() -> None:
    old = await member_with_devices("shared-phone")
    await event(EventKind.POINTS_EARNED, old, points=10, balance=10)
    await dispatcher.materialize(SETTINGS, now=T0)
    new = await member_with_devices()
    await devices.register(new, "shared-phone", "android")
    assert await dispatcher.claim(SETTINGS, now=T0) == []
    row = (await _by_token())["shared-phone"]
    assert row["status"] == "skipped" and row["last_error"] == "device inactive or reassigned"


async def test_deactivating_tokens_stops_their_waiting_pushes_only() -> None:
    await _claimed("dead", "alive")
    dead = await Device.select(Device.id).where(Device.token == "dead").first()
    assert dead is not None
    await dispatcher.deactivate_devices([dead["id"]], "unregistered", now=T0)
    rows = await _by_token()
    assert rows["dead"]["status"] == "skipped" and rows["dead"]["last_error"] == "device deactivated: unregistered"
    assert rows["alive"]["status"] == "pending"
    tokens = {
        r["token"]: (r["active"], r["deactivated_reason"])
        for r in await Device.select(Device.token, Device.active, Device.deactivated_reason)
    }
    assert tokens == {"dead": (False, "unregistered"), "alive": (True, "")}
