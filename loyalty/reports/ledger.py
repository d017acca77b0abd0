"""Points figures of a period, from the ledger in one pass: per bucket, per store and in total.

Rules: an entry counts in the period when it was written in it (``created_at``, in programme
time); with a store chosen, only the entries that store caused. *Issued* is what earning, gifts,
referrals and compensation credited; *redeemed* and *expired* are the points those entries took
(shown positive); *adjusted* and *reversed* are net and signed (staff corrections, refunds and
cancelled redemptions), so issued − redeemed − expired + adjusted + reversed is the period's
change of all balances. The breakage and redemption rates are per mille of the points issued in
the same period (None when none were issued).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from loyalty import db
from loyalty.reports.period import Period

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


def _points_sql(period: Period) -> str:
    bucket = db.local_bucket("created_at", "$3", period.grain.value)
    store = " AND store = $4" if period.store_id is not None else ""
    # One pass over the period's entries (the created_at index); Python adds up the few rows.
    return (
        f"SELECT {bucket} AS bucket, COALESCE(store, {NO_STORE}) AS store, kind, SUM(delta) AS points"
        f" FROM ledger_entry WHERE created_at >= $1 AND created_at < $2{store} GROUP BY 1, 2, 3"
    )


async def ledger_figures(period: Period) -> LedgerFigures:
    args: list[object] = [period.since, period.until, period.offset_minutes]
    if period.store_id is not None:
        args.append(period.store_id)
    rows = await db.fetch_tuples(_points_sql(period), *args)
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
