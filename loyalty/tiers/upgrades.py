"""Membership tiers: where a member stands, and upgrades the moment a member qualifies.

Rules: tiers are data ordered by ``rank``. A tier qualifies on a rolling 12 months of either
points earned on purchases (net of refunds) or đồng spent (net of refunds), both read from
``Purchase``. A member is upgraded inside the transaction of the earn that qualifies it;
downgrades happen only at the periodic review. Every change is kept in ``TierChange``.
The till earn reads the ladder and the member's purchase history once and decides the upgrade
in Python (:func:`upgrade_after_purchase`); the qualifying values are the same sums.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

from piccolo.query.functions.aggregate import Sum

from loyalty import db
from loyalty.db import write_transaction
from loyalty.events import EventKind, emit
from loyalty.schema import Member, Purchase, Tier, TierMetric

# The table's choices (``loyalty.schema``), under this package's name.
Metric = TierMetric

QUALIFYING_WINDOW = timedelta(days=365)


class Qualifying(NamedTuple):
    """A member's values over the qualifying window, one per metric."""

    points: int
    spend: int

    def of(self, metric: str) -> int:
        return self.spend if metric == Metric.SPEND else self.points


@dataclass(frozen=True, slots=True)
class TierStanding:
    tier: Tier | None
    next_tier: Tier | None
    points_needed: int | None  # of the next tier's metric (points or đồng)


async def all_tiers() -> list[Tier]:
    return await Tier.objects().order_by(Tier.rank)


async def qualifying_value(member_id: int, metric: str, *, now: datetime | None = None) -> int:
    """Points earned (metric "points") or đồng spent ("spend") over the last 12 months, net of refunds."""
    since = (now or datetime.now(UTC)) - QUALIFYING_WINDOW
    row = (
        await Purchase.select(
            Sum(Purchase.points_earned - Purchase.points_reversed).as_alias("points"),
            Sum(Purchase.amount - Purchase.refunded_amount).as_alias("spend"),
        )
        .where((Purchase.member == member_id) & (Purchase.created_at > since))
        .first()
    )
    # SUM over no purchases is NULL; PostgreSQL's SUM of bigints is a numeric.
    return Qualifying(int(row["points"] or 0), int(row["spend"] or 0)).of(metric) if row else 0


def best_tier_for(tiers: list[Tier], values: Qualifying) -> Tier | None:
    """The highest-ranked tier whose threshold the member's values reach (pure)."""
    reached = [t for t in tiers if values.of(t.metric) >= t.threshold]
    return max(reached, key=lambda t: t.rank) if reached else None


# The member app's GET /me reads these on every call: fixed texts through the SQL runner, since
# building them with the query builder cost more than running them (bench/reads.py).
QUALIFYING_SQL = (
    "SELECT COALESCE(SUM(points_earned - points_reversed), 0) AS points, "
    "COALESCE(SUM(amount - refunded_amount), 0) AS spend "
    "FROM purchase WHERE member = $1 AND created_at > $2"
)


async def standing(member: Member, *, now: datetime | None = None) -> TierStanding:
    """The member's tier, the next one and how much of the next tier's metric is missing."""
    tiers = await ladder()
    if not tiers:
        return TierStanding(None, None, None)
    current = next((t for t in tiers if t.id == member.tier), tiers[0])
    following = next((t for t in tiers if t.rank > current.rank), None)
    if following is None:
        return TierStanding(current, None, None)
    since = (now or datetime.now(UTC)) - QUALIFYING_WINDOW
    row = await db.fetchrow(QUALIFYING_SQL, member.id, since)
    value = Qualifying(int(row["points"]), int(row["spend"])).of(following.metric) if row else 0
    return TierStanding(current, following, max(following.threshold - value, 0))


# The earn's tier reads: the ladder, and the member's purchases before this one (any at all, for
# a first-purchase bonus; both qualifying sums over the window) in one statement.
LADDER_SQL = "SELECT id, code, name_vi, name_en, rank, metric, threshold, earn_multiplier_pct FROM tier ORDER BY rank"
HISTORY_SQL = (
    "SELECT EXISTS(SELECT 1 FROM purchase WHERE member = $1) AS bought, "
    "COALESCE(SUM(points_earned - points_reversed), 0) AS points, "
    "COALESCE(SUM(amount - refunded_amount), 0) AS spend "
    "FROM purchase WHERE member = $1 AND created_at > $2"
)


@dataclass(frozen=True, slots=True)
class History:
    """A member's purchases before the one being recorded."""

    bought: bool
    values: Qualifying  # as qualifying_value


async def ladder() -> list[Tier]:
    """Every tier by rank, without its benefit texts (the earn's hot path, and GET /me)."""
    return [Tier(**dict(row)) for row in await db.fetch(LADDER_SQL)]


async def history(member_id: int, *, now: datetime) -> History:
    """Inside the write transaction that holds the member's lock, so no purchase slips in."""
    row = await db.fetchrow(HISTORY_SQL, member_id, now - QUALIFYING_WINDOW)
    assert row is not None
    return History(bool(row["bought"]), Qualifying(int(row["points"]), int(row["spend"])))


async def upgrade_after_purchase(
    member_id: int, current: Tier | None, tiers: list[Tier], values: Qualifying, *, now: datetime
) -> Tier | None:
    """Move the member up at once when it qualifies for a higher tier, from values the caller
    already knows (the history plus the purchase just recorded): nothing is read, and nothing
    written unless a higher tier's threshold is reached. Never moves down. Call inside the
    earn's transaction with the member row locked. Returns the new tier or None."""
    best = best_tier_for(tiers, values)
    if best is None or (current is not None and best.rank <= current.rank):
        return None
    return best if await change_tier(member_id, current, best, reason="qualified", now=now) else None


# change_tier's writes (the tier_review job and the earn both use them).
MOVE_SQL = "UPDATE member SET tier = $1, tier_since = $2 WHERE id = $3 AND tier IS NULL RETURNING id"
MOVE_FROM_SQL = "UPDATE member SET tier = $1, tier_since = $2 WHERE id = $3 AND tier = $4 RETURNING id"
CHANGE_SQL = "INSERT INTO tier_change (member, from_tier, to_tier, reason, created_at) VALUES ($1, $2, $3, $4, $5)"


async def change_tier(member_id: int, old: Tier | None, new: Tier, *, reason: str, now: datetime) -> bool:
    """Record the move, guarded on the tier the member had; emit the event. False: the member
    no longer had ``old`` (someone else moved it first), nothing was written."""
    async with write_transaction():
        if old is None:
            moved = await db.fetch(MOVE_SQL, new.id, now, member_id)
        else:
            moved = await db.fetch(MOVE_FROM_SQL, new.id, now, member_id, old.id)
        if not moved:
            return False
        await db.execute(CHANGE_SQL, member_id, old.id if old else None, new.id, reason[:500], now)
        direction = "up" if old is None or new.rank > old.rank else "down"
        await emit(
            EventKind.TIER_CHANGED,
            member_id,
            from_tier=old.code if old else None,
            to_tier=new.code,
            to_tier_name_vi=new.name_vi,
            to_tier_name_en=new.name_en,
            direction=direction,
            reason=reason,
        )
        return True
