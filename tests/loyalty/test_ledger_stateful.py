"""Hypothesis stateful test: random earn, spend, refund, expire and adjust keep every invariant.

The state machine runs synchronously and drives the async domain on the test session's event
loop (idle between steps), so the database engine and its pool stay on one loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections.abc import Awaitable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from loyalty import points
from loyalty.audit import StaffActor
from loyalty.db.engines import write_transaction
from loyalty.earning import purchases, refunds
from loyalty.members import stores
from loyalty.members.accounts import record_member
from loyalty.points.check import check
from loyalty.schema import Member, Purchase

T = TypeVar("T")
_SERIAL = itertools.count(1)
STAFF = StaffActor(None, "hypothesis")


async def _awaited(awaitable: Awaitable[T]) -> T:
    return await awaitable


@pytest.fixture
async def session_loop() -> asyncio.AbstractEventLoop:
    return asyncio.get_running_loop()


def test_random_histories_keep_the_ledger_invariants(session_loop: asyncio.AbstractEventLoop) -> None:
    def run(coro: Awaitable[T]) -> T:
        return session_loop.run_until_complete(_awaited(coro))

    class Ledger(RuleBasedStateMachine):
        @initialize()
        def setup(self) -> None:
            n = next(_SERIAL)
            self.clock = datetime(2026, 1, 1, tzinfo=UTC)
            self.store_id = run(stores.create_store(f"H{n}", f"Hypothesis {n}")).id
            self.members = [run(record_member(f"09{n:04d}{i:04d}")).id for i in range(2)]
            self.receipts: list[tuple[str, int]] = []
            self.serial = n

        def _tick(self, days: int) -> datetime:
            self.clock += timedelta(days=days, seconds=1)
            return self.clock

        @rule(who=st.integers(0, 1), amount=st.integers(1, 3_000_000), days=st.integers(0, 60))
        def earn(self, who: int, amount: int, days: int) -> None:
            now = self._tick(days)
            receipt = f"{self.serial}-{len(self.receipts)}"

            async def go() -> None:
                async with write_transaction():
                    await purchases.award_purchase(
                        self.members[who],
                        store_id=self.store_id,
                        terminal_id=None,
                        receipt_no=receipt,
                        amount=amount,
                        items=[],
                        channel=purchases.Channel.TILL,
                        digest="h",
                        now=now,
                    )

            run(go())
            self.receipts.append((receipt, amount))

        @rule(who=st.integers(0, 1), spent=st.integers(1, 400))
        def spend(self, who: int, spent: int) -> None:
            with contextlib.suppress(points.InsufficientPoints):
                run(
                    points.debit(
                        self.members[who],
                        spent,
                        kind=points.Kind.REDEEM,
                        reference=f"s{next(_SERIAL)}",
                        now=self.clock,
                    )
                )

        @precondition(lambda self: bool(self.receipts))
        @rule(pick=st.integers(0, 10_000), share=st.integers(1, 100))
        def refund(self, pick: int, share: int) -> None:
            receipt, amount = self.receipts[pick % len(self.receipts)]
            with contextlib.suppress(refunds.RefundTooLarge):
                run(
                    refunds.refund(
                        store_id=self.store_id,
                        terminal_id=None,
                        receipt_no=receipt,
                        amount=max(1, amount * share // 100),
                    )
                )

        @rule(days=st.integers(30, 400))
        def expire(self, days: int) -> None:
            run(points.expire_due(now=self._tick(days)))

        @rule(who=st.integers(0, 1), delta=st.integers(-200, 200).filter(bool))
        def adjust(self, who: int, delta: int) -> None:
            with contextlib.suppress(points.InsufficientPoints):
                run(points.adjust(self.members[who], delta, reason="hypothesis says so", actor=STAFF))

        @invariant()
        def ledger_holds(self) -> None:
            report = run(check(progress=False))
            assert report.ok, [str(b) for b in report.breaches]

        @invariant()
        def refunds_within_amounts(self) -> None:
            rows: list[dict[str, Any]] = run(
                Purchase.select(
                    Purchase.amount, Purchase.refunded_amount, Purchase.points_earned, Purchase.points_reversed
                ).run()
            )
            assert all(
                0 <= r["refunded_amount"] <= r["amount"] and r["points_reversed"] <= r["points_earned"] for r in rows
            )

        @invariant()
        def balances_never_negative(self) -> None:
            assert run(Member.count().where(Member.points_balance < 0).run()) == 0

    Ledger.TestCase.settings = settings(
        max_examples=12,
        stateful_step_count=12,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    Ledger.TestCase().runTest()
