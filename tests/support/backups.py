"""Backup tests' parts: tills and members writing points while a backup runs, and the tables
pointed at a restored database for the ledger check."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from piccolo.conf.apps import Finder
from piccolo.engine.base import Engine

from loyalty import earning, members, points
from loyalty.earning import cards
from loyalty.members import record_member
from loyalty.points import Kind
from loyalty.schema import LedgerEntry


@dataclass
class Writes:
    """Each committed ledger reference with the moment (monotonic) its write returned."""

    committed: list[tuple[float, str]] = field(default_factory=list)

    def before(self, moment: float) -> set[str]:
        return {reference for at, reference in self.committed if at < moment}

    def after(self, moment: float) -> set[str]:
        return {reference for at, reference in self.committed if at > moment}

    def between(self, start: float, end: float) -> list[str]:
        return [reference for at, reference in self.committed if start < at < end]

    async def at_least(self, count: int, within_s: float = 60) -> None:
        deadline = time.monotonic() + within_s
        while len(self.committed) < count:
            assert time.monotonic() < deadline, f"only {len(self.committed)} writes in {within_s} s"
            await asyncio.sleep(0.005)


@asynccontextmanager
async def writing_points(spenders: int = 2) -> AsyncIterator[Writes]:
    """A till earning receipt after receipt for one member (each earn on its own card step, as
    the till sees a new code every 30 s), and ``spenders`` members earning and spending through
    the ledger, until the block ends. A write that fails fails the test."""
    writes = Writes()
    stop = asyncio.Event()
    store = await members.create_store("BK", "Backup store")
    till = await members.create_terminal("BK", "Till 1")

    async def till_earns() -> None:
        member = await record_member("0901000000")
        moment = datetime.now(UTC)
        n = 0
        while not stop.is_set():
            moment += timedelta(seconds=cards.PERIOD_S)
            code = (await cards.current_code(member.id, now=moment)).code
            receipt = f"BK-{n}"
            await earning.earn_at_till(
                store_id=store.id,
                terminal_id=till.terminal_id,
                member_code=code,
                receipt_no=receipt,
                amount=150_000,
                now=moment,
            )
            writes.committed.append((time.monotonic(), f"earn:{store.id}:{receipt}"))
            n += 1

    async def earns_and_spends(i: int) -> None:
        member = await record_member(f"090200000{i}")
        n = 0
        while not stop.is_set():
            reference = f"spender-{i}-{n}"
            if n % 3 == 2:
                await points.debit(member.id, 5, kind=Kind.REDEEM, reference=reference)
            else:
                await points.credit(member.id, 7, kind=Kind.EARN, reference=reference)
            writes.committed.append((time.monotonic(), reference))
            n += 1

    tasks = [asyncio.create_task(till_earns())] + [asyncio.create_task(earns_and_spends(i)) for i in range(spenders)]
    try:
        yield writes
    finally:
        stop.set()
        await asyncio.gather(*tasks)


async def references() -> set[str]:
    """Every ledger reference in the database the tables use."""
    return {row["reference"] for row in await LedgerEntry.select(LedgerEntry.reference)}


@contextmanager
def tables_on(engine: Engine[Any]) -> Iterator[None]:
    """Every table of the project reads and writes ``engine`` inside the block: the domain's
    own queries (the ledger check) run against another database, e.g. a restored backup."""
    tables = Finder().get_table_classes()
    saved = [(table, table._meta._db) for table in tables]
    for table in tables:
        table._meta.db = engine
    try:
        yield
    finally:
        for table, db in saved:
            table._meta._db = db
