"""A limited reward's stock: one unit taken per voucher, given back when one is cancelled.

Rules: stock only moves here, by a guarded ``stock_left = stock_left - 1 WHERE stock_left > 0``,
so it never goes below zero and two members taking the last unit get one success and one
:class:`OutOfStock`. A reward without a stock (NULL) is unlimited and never moves.

Staff add or withdraw units with :func:`change_stock`, a relative ``stock_left + units`` in SQL:
an absolute value typed in the grid would overwrite the units tills took between the page's load
and its Save, and the reward would be oversold.
"""

from __future__ import annotations

from loyalty import audit
from loyalty.audit import StaffActor
from loyalty.db import write_transaction
from loyalty.errors import Conflict, InvalidInput, NotFound
from loyalty.schema import Reward

MOST_UNITS_AT_ONCE = 1_000_000


class OutOfStock(Conflict):
    code = "out_of_stock"
    title = "This reward is out of stock"


class RewardUnlimited(Conflict):
    code = "reward_unlimited"
    title = "This reward has no stock limit"


async def take_stock(reward_id: int) -> None:
    """One unit of a limited reward, or :class:`OutOfStock`; unlimited (NULL) rewards pass."""
    taken = (
        await Reward.update({Reward.stock_left: Reward.stock_left - 1})
        .where((Reward.id == reward_id) & Reward.stock_left.is_not_null() & (Reward.stock_left > 0))
        .returning(Reward.id)
    )
    if taken:
        return
    row = await Reward.select(Reward.stock_left).where(Reward.id == reward_id).first()
    if row is None:
        raise NotFound(f"reward {reward_id} not found", field="reward_id")
    if row["stock_left"] is not None:
        raise OutOfStock(f"reward {reward_id} is out of stock", reward_id=reward_id)


async def restore_stock(reward_id: int) -> None:
    await Reward.update({Reward.stock_left: Reward.stock_left + 1}).where(
        (Reward.id == reward_id) & Reward.stock_left.is_not_null()
    )


async def change_stock(reward_id: int, units: int, *, reason: str, actor: StaffActor) -> int:
    """Staff add (``units`` > 0) or withdraw (< 0) units of a limited reward; the new stock.

    Withdrawing more than is left is :class:`OutOfStock` and changes nothing."""
    reason = reason.strip()
    if len(reason) < 3:
        raise InvalidInput("a reason of at least 3 characters is required", field="reason")
    if units == 0 or abs(units) > MOST_UNITS_AT_ONCE:
        raise InvalidInput(f"units must be between -{MOST_UNITS_AT_ONCE:,} and {MOST_UNITS_AT_ONCE:,}, not 0")
    async with write_transaction():
        moved = (
            await Reward.update({Reward.stock_left: Reward.stock_left + units})
            .where((Reward.id == reward_id) & Reward.stock_left.is_not_null() & (Reward.stock_left >= -units))
            .returning(Reward.stock_left)
        )
        if not moved:
            row = await Reward.select(Reward.stock_left).where(Reward.id == reward_id).first()
            if row is None:
                raise NotFound(f"reward {reward_id} not found", field="reward_id")
            if row["stock_left"] is None:
                raise RewardUnlimited(f"reward {reward_id} has no stock limit", reward_id=reward_id)
            raise OutOfStock(
                f"only {row['stock_left']} units are left to withdraw",
                reward_id=reward_id,
                stock_left=row["stock_left"],
            )
        stock_left = int(moved[0]["stock_left"])
        await audit.record(
            actor, "reward.stock_changed", "reward", reward_id, units=units, stock_left=stock_left, reason=reason
        )
    return stock_left
