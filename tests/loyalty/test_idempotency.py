"""Keyed writes run once (loyalty.idempotency): the record goes in with the change, on a real database."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest

from loyalty import idempotency, points
from loyalty.members.accounts import record_member
from loyalty.schema import IdempotencyRecord, LedgerEntry

Answer = dict[str, int]


async def _gift(member_id: int, reference: str) -> Answer:
    posting = await points.credit(member_id, 10, kind=points.Kind.GIFT, reference=reference)
    return {"balance": posting.balance_after}


def _recorded(result: Answer) -> Answer:
    return dict(result)


async def _once(
    request_hash: str, change: Callable[[], Awaitable[Answer]], *, scope: str = "test:gift", status: int = 201
) -> Answer | idempotency.Recorded:
    return await idempotency.run_once(scope, "k1", request_hash, change, answer_of=_recorded, status_code=status)


async def test_the_same_key_and_request_run_the_change_once_and_get_its_recorded_answer() -> None:
    member = (await record_member("0901234567")).id
    runs: list[str] = []

    async def change() -> Answer:
        runs.append("ran")
        return await _gift(member, f"gift:{len(runs)}")

    assert await _once("h1", change) == {"balance": 10}
    assert await _once("h1", change) == idempotency.Recorded(201, {"balance": 10})
    assert runs == ["ran"] and await LedgerEntry.count() == 1
    assert await _once("h1", change, scope="test:other", status=200) == {"balance": 20}
    assert runs == ["ran", "ran"]


async def test_the_same_key_with_another_request_is_refused_and_changes_nothing() -> None:
    member = (await record_member("0901234567")).id
    await _once("h1", lambda: _gift(member, "a"))
    with pytest.raises(idempotency.KeyReused) as refused:
        await _once("h2", lambda: _gift(member, "b"))
    assert refused.value.code == "idempotency_mismatch" and refused.value.title == "Conflict"
    assert await LedgerEntry.count() == 1


async def test_a_change_that_fails_records_nothing_so_the_key_can_be_tried_again() -> None:
    member = (await record_member("0901234567")).id

    async def fails() -> Answer:
        await _gift(member, "a")
        raise points.InsufficientPoints("made to fail")

    with pytest.raises(points.InsufficientPoints):
        await _once("h1", fails)
    assert await IdempotencyRecord.count() == 0 and await LedgerEntry.count() == 0
    assert await _once("h1", lambda: _gift(member, "a")) == {"balance": 10}


async def test_concurrent_runs_of_one_key_change_once_and_all_get_the_same_answer() -> None:
    member = (await record_member("0901234567")).id
    serial = iter(range(100))

    async def change() -> Answer:
        return await _gift(member, f"gift:{next(serial)}")

    done = await asyncio.gather(*(_once("h1", change) for _ in range(8)))
    answers = [d.answer if isinstance(d, idempotency.Recorded) else d for d in done]
    assert answers == [{"balance": 10}] * 8
    assert await LedgerEntry.count() == 1 and await IdempotencyRecord.count() == 1
