"""The rewards catalogue and redeeming points for a voucher.

Rules:

* The catalogue shows rewards that are active and inside their window (``valid_from`` ≤ now <
  ``valid_until`` or no end), in the member's locale, with what is left of the stock (None:
  unlimited) and the minimum tier; rewards above the member's tier are listed too, marked not
  ``eligible``, so the app can show what the next tier unlocks.
* Redeeming is ONE write transaction, in this order: the member row is locked, the reward is
  active and in its window (404 ``reward_unavailable``), the member's tier reaches ``min_tier``
  (403 ``tier_required``), the per-member limit counts the member's non-cancelled vouchers for
  the reward (409 ``limit_reached``), one unit of stock is taken by a guarded UPDATE (409
  ``out_of_stock``), the points are debited through the ledger (409 ``insufficient_points``), the
  voucher is issued, and VOUCHER_ISSUED and POINTS_REDEEMED are emitted. Any failure rolls the
  whole change back, so stock and points never move alone.
* ``reference`` makes a redemption idempotent: the same reference returns the same voucher.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from loyalty import db, points
from loyalty.db import write_transaction
from loyalty.errors import Conflict, Forbidden, NotFound
from loyalty.events import EventKind, emit
from loyalty.rewards.issuing import create_voucher, existing
from loyalty.rewards.records import VoucherRecord, VoucherSource
from loyalty.rewards.stock import take_stock
from loyalty.schema import Member, Reward, Tier, Voucher, VoucherStatus


class RewardUnavailable(NotFound):
    code = "reward_unavailable"
    title = "This reward is not available"


class TierRequired(Forbidden):
    code = "tier_required"
    title = "A higher tier is required"


class LimitReached(Conflict):
    code = "limit_reached"
    title = "You already have as many of these vouchers as allowed"


@dataclass(frozen=True, slots=True)
class RewardView:
    id: int
    name: str
    description: str
    points_cost: int
    stock_left: int | None
    per_member_limit: int | None
    min_tier: str | None
    valid_until: datetime | None
    image: str
    store_code: str | None
    eligible: bool


@dataclass(frozen=True, slots=True)
class Redemption:
    voucher: VoucherRecord
    points_balance: int
    replayed: bool


def _in_window(now: datetime) -> Any:
    return (
        (Reward.active == True)  # noqa: E712 - Piccolo builds SQL from ==
        & (Reward.valid_from <= now)
        & (Reward.valid_until.is_null() | (Reward.valid_until > now))
    )


async def member_rank(tier_id: int | None) -> int:
    """A member without a tier stands on the lowest tier (as ``tiers.standing`` shows it)."""
    if tier_id is not None:
        row = await Tier.select(Tier.rank).where(Tier.id == tier_id).first()
        if row is not None:
            return int(row["rank"])
    lowest = await Tier.select(Tier.rank).order_by(Tier.rank).first()
    return int(lowest["rank"]) if lowest else 0


# The member app reads the catalogue on every visit: fixed texts through the SQL runner, since
# the query builder cost more than the queries (bench/reads.py). A member without a tier (or
# with one that is gone) stands on the lowest, as member_rank says.
MEMBER_RANK_SQL = (
    "SELECT m.id, COALESCE(t.rank, (SELECT MIN(rank) FROM tier), 0) AS rank "
    "FROM member m LEFT JOIN tier t ON t.id = m.tier WHERE m.id = $1"
)
CATALOGUE_SQL = (
    "SELECT r.id, r.name_vi, r.name_en, r.description_vi, r.description_en, r.points_cost, r.stock_left, "
    "r.per_member_limit, r.valid_until, r.image, mt.code AS tier_code, mt.rank AS tier_rank, s.code AS store_code "
    "FROM reward r LEFT JOIN tier mt ON mt.id = r.min_tier LEFT JOIN store s ON s.id = r.store "
    "WHERE r.active = $1 AND r.valid_from <= $2 AND (r.valid_until IS NULL OR r.valid_until > $2) AND r.id > $3 "
    "ORDER BY r.id LIMIT $4"
)


async def catalogue(
    member_id: int, *, locale: str = "vi", now: datetime | None = None, limit: int = 20, after_id: int = 0
) -> list[RewardView]:
    """Rewards this member can see now, by id (keyset ``after_id``), at most ``limit``."""
    now = now or datetime.now(UTC)
    member = await db.fetchrow(MEMBER_RANK_SQL, member_id)
    if member is None:
        raise NotFound(f"member {member_id} not found")
    rank = int(member["rank"])
    rows = await db.fetch(CATALOGUE_SQL, True, now, after_id, limit)
    en = locale == "en"
    return [
        RewardView(
            id=r["id"],
            name=(r["name_en"] if en else r["name_vi"]) or r["name_vi"],
            description=(r["description_en"] if en else r["description_vi"]) or r["description_vi"],
            points_cost=int(r["points_cost"]),
            stock_left=r["stock_left"],
            per_member_limit=r["per_member_limit"],
            min_tier=r["tier_code"],
            valid_until=r["valid_until"],
            image=r["image"] or "",
            store_code=r["store_code"],
            eligible=r["tier_rank"] is None or rank >= r["tier_rank"],
        )
        for r in rows
    ]


async def redeem(member_id: int, reward_id: int, *, reference: str, now: datetime | None = None) -> Redemption:
    """Spend the reward's points for a voucher, in one transaction (see the module rules)."""
    now = now or datetime.now(UTC)
    async with write_transaction():
        await points.lock_member(member_id)
        found = await existing(reference, member_id, reward_id)
        if found is not None:
            return Redemption(found, await _balance(member_id), replayed=True)
        reward = (
            await Reward.select(
                Reward.id,
                Reward.points_cost,
                Reward.per_member_limit,
                Reward.voucher_valid_days,
                Reward.min_tier.rank.as_alias("tier_rank"),
                Reward.min_tier.code.as_alias("tier_code"),
            )
            .where((Reward.id == reward_id) & _in_window(now))
            .first()
        )
        if reward is None:
            raise RewardUnavailable(f"reward {reward_id} is not available now", reward_id=reward_id)
        member = await Member.select(Member.tier).where(Member.id == member_id).first()
        assert member is not None  # locked above
        if reward["tier_rank"] is not None and await member_rank(member["tier"]) < reward["tier_rank"]:
            raise TierRequired(f"this reward needs the {reward['tier_code']} tier", min_tier=reward["tier_code"])
        limit = reward["per_member_limit"]
        if limit is not None:
            held = await Voucher.count().where(
                (Voucher.member == member_id)
                & (Voucher.reward == reward_id)
                & (Voucher.status != VoucherStatus.CANCELLED)
            )
            if held >= limit:
                raise LimitReached(f"at most {limit} of this reward per member", limit=limit)
        await take_stock(reward_id)
        cost = int(reward["points_cost"])
        spend_entry: int | None = None
        balance = await _balance(member_id)
        if cost > 0:
            posting = await points.debit(
                member_id,
                cost,
                kind=points.Kind.REDEEM,
                reference=reference,
                origin=points.Origin(description=f"reward {reward_id}"),
                now=now,
            )
            spend_entry, balance = posting.entry_id, posting.balance_after
        voucher = await create_voucher(
            member_id,
            reward_id,
            source=VoucherSource.REDEMPTION,
            reference=reference,
            valid_days=int(reward["voucher_valid_days"]),
            now=now,
            points_paid=cost,
            spend_entry=spend_entry,
        )
        if cost > 0:
            await emit(
                EventKind.POINTS_REDEEMED,
                member_id,
                points=cost,
                balance=balance,
                reward_id=reward_id,
                voucher_code=voucher.code,
            )
        return Redemption(voucher, balance, replayed=False)


async def _balance(member_id: int) -> int:
    row = await Member.select(Member.points_balance).where(Member.id == member_id).first()
    return int(row["points_balance"]) if row else 0
