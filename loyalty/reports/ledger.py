"""Points figures of a period, from the ledger in one pass: per bucket, per store and in total.

Rules: an entry counts in the period when it was written in it (``created_at``, in programme
time); with a store chosen, only the entries that store caused. *Issued* is what earning, gifts,
referrals and compensation credited; *redeemed* and *expired* are the points those entries took
(shown positive); *adjusted* and *reversed* are net and signed (staff corrections, refunds and
cancelled redemptions), so issued − redeemed − expired + adjusted + reversed is the period's
change of all balances. The breakage and redemption rates are per mille of the points issued in
the same period (None when none were issued). Closed days are read from the daily summary
(``loyalty.reports.summary``), the rest from the ledger, so the figures are the same whether or
not the worker has refreshed it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from loyalty import db
from loyalty.reports.period import Period
from loyalty.reports.summary import refreshed_through, start_of

ISSUING = ("earn", "gift", "referral", "compensation")
NO_STORE = 0


@dataclass(frozen=True, slots=True)
class PointsFlow:
    issued: int = 0
    redeemed: int = 0
    expired: int = 0
    adjusted: int = 0
    reversed: int = 0

    def plus(self, kind: str, delta: int) -> PointsFlow:
        if kind in ISSUING:
            return PointsFlow(self.issued + delta, self.redeemed, self.expired, self.adjusted, self.reversed)
        if kind == "redeem":
            return PointsFlow(self.issued, self.redeemed - delta, self.expired, self.adjusted, self.reversed)
        if kind == "expire":
            return PointsFlow(self.issued, self.redeemed, self.expired - delta, self.adjusted, self.reversed)
        if kind == "adjust":
            return PointsFlow(self.issued, self.redeemed, self.expired, self.adjusted + delta, self.reversed)
        return PointsFlow(self.issued, self.redeemed, self.expired, self.adjusted, self.reversed + delta)

    @property
    def breakage_permille(self) -> int | None:
        return self.expired * 1000 // self.issued if self.issued > 0 else None

    @property
    def redemption_permille(self) -> int | None:
        return self.redeemed * 1000 // self.issued if self.issued > 0 else None


@dataclass(frozen=True, slots=True)
class StoreFlow:
    store_id: int
    code: str
    name: str
    flow: PointsFlow


@dataclass(frozen=True, slots=True)
class LedgerFigures:
    total: PointsFlow
    by_bucket: list[tuple[date, PointsFlow]]
    by_store: list[StoreFlow] = field(default_factory=list)


def _store(period: Period, placeholder: str) -> str:
    return f" AND store = {placeholder}" if period.store_id is not None else ""


async def _summarised(period: Period, through: date) -> list[tuple[Any, ...]]:
    """The period's closed days from ``ledger_day``: a few rows a day, whatever the ledger holds."""
    last = min(period.last, through)
    if last < period.first:
        return []
    bucket = db.day_bucket("day", period.grain.value)
    args: list[object] = [period.first.isoformat(), last.isoformat()]
    if period.store_id is not None:
        args.append(period.store_id)
    return await db.fetch_tuples(
        f"SELECT {bucket} AS bucket, store, kind, SUM(points) FROM ledger_day"
        f" WHERE day >= $1 AND day <= $2{_store(period, '$3')} GROUP BY 1, 2, 3",
        *args,
    )


async def _live(period: Period, since: datetime) -> list[tuple[Any, ...]]:
    """The entries not summarised yet (after the last refreshed day), from the ledger itself."""
    if since >= period.until:
        return []
    bucket = db.local_bucket("created_at", "$3", period.grain.value)
    args: list[object] = [since, period.until, period.offset_minutes]
    if period.store_id is not None:
        args.append(period.store_id)
    # The created_at index gives the range; Python adds up the few rows. The store is compared
    # through COALESCE so that no planner takes the store's index instead: a day's entries are
    # far fewer than a store's whole history (SQLite did, 1.4 s at 10,000,000 entries).
    store = f" AND COALESCE(store, {NO_STORE}) = $4" if period.store_id is not None else ""
    return await db.fetch_tuples(
        f"SELECT {bucket} AS bucket, COALESCE(store, {NO_STORE}) AS store, kind, SUM(delta) AS points"
        f" FROM ledger_entry WHERE created_at >= $1 AND created_at < $2{store} GROUP BY 1, 2, 3",
        *args,
    )


async def points_owed() -> int:
    """Every balance now, as the sum of every entry (the ledger's invariant: balance = Σ deltas):
    the summary's days plus the entries after them, not a scan of every member."""
    through = await refreshed_through()
    summed = await db.fetchrow("SELECT COALESCE(SUM(points), 0) AS owed FROM ledger_day")
    since = start_of(through + timedelta(days=1)) if through is not None else None
    live = await db.fetchrow(
        "SELECT COALESCE(SUM(delta), 0) AS owed FROM ledger_entry" + (" WHERE created_at >= $1" if since else ""),
        *([since] if since else []),
    )
    assert summed is not None and live is not None
    return int(summed["owed"]) + int(live["owed"])


async def ledger_figures(period: Period) -> LedgerFigures:
    through = await refreshed_through()
    rows = await _summarised(period, through) if through is not None else []
    since = period.since if through is None else max(period.since, start_of(through + timedelta(days=1)))
    rows += await _live(period, since)
    total = PointsFlow()
    buckets: dict[date, PointsFlow] = {b: PointsFlow() for b in period.buckets()}
    stores: dict[int, PointsFlow] = defaultdict(PointsFlow)
    for bucket, store, kind, points in rows:
        delta = int(points)
        day = date.fromisoformat(str(bucket))
        total = total.plus(kind, delta)
        buckets[day] = buckets.get(day, PointsFlow()).plus(kind, delta)
        stores[int(store)] = stores[int(store)].plus(kind, delta)
    names = {
        int(r["id"]): (str(r["code"]), str(r["name"]))
        for r in await db.fetch("SELECT id, code, name FROM store ORDER BY code")
    }
    by_store = [
        StoreFlow(store_id, *names.get(store_id, ("", "Không qua cửa hàng · no store")), flow)
        for store_id, flow in stores.items()
    ]
    by_store.sort(key=lambda s: (-s.flow.issued, s.code))
    return LedgerFigures(total, sorted(buckets.items()), by_store)
