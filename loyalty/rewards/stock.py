"""A limited reward's stock: one unit taken per voucher, given back when one is cancelled.

Rules: stock only moves here, by a guarded ``stock_left = stock_left - 1 WHERE stock_left > 0``,
so it never goes below zero and two members taking the last unit get one success and one
:class:`OutOfStock`. A reward without a stock (NULL) is unlimited and never moves.
"""

from __future__ import annotations

from loyalty.errors import Conflict, NotFound
from loyalty.schema import Reward


class OutOfStock(Conflict):
    code = "out_of_stock"
    title = "This reward is out of stock"


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
