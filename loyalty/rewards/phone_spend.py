"""A customer without the app spends points at the till: named by phone, proven by a code.

Rules: the till names the member by phone number, and the cashier types the one-time code the
member's phone received (``loyalty.members.phone_codes``); only a code that is right, live and
unused lets the points be spent. A reward of another store is refused before the code is used.
The code is used up first, in its own transaction, so a spend that then fails (too few points,
out of stock) needs a new code, and a wrong code counts as a try although nothing is spent. The
spend is the member's own redemption (``redeem``: window, tier, limit, stock and points), and
the voucher it makes is redeemed at this till at once, in the same transaction, since the
customer takes the reward at the counter. Replays are the caller's (the API's Idempotency-Key).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from loyalty import members
from loyalty.db import write_transaction
from loyalty.rewards.redemptions import RewardUnavailable, redeem
from loyalty.rewards.till import Redeemed, VoucherOtherStore, redeem_at_till
from loyalty.schema import Reward, Store, Terminal


@dataclass(frozen=True)
class PhoneSpend:
    redeemed: Redeemed
    points_balance: int


async def spend_by_phone(
    phone: str,
    phone_code: str,
    reward_id: int,
    terminal: Terminal,
    *,
    reference: str,
    receipt_no: str | None = None,
    now: datetime | None = None,
) -> PhoneSpend:
    """Confirm the code, redeem the reward with the member's points, use the voucher here."""
    member = await members.member_by_phone(phone)
    reward = await Reward.select(Reward.store).where(Reward.id == reward_id).first()
    if reward is None:
        raise RewardUnavailable("no such reward", reward_id=reward_id)
    store_id = terminal.store.id if isinstance(terminal.store, Store) else int(terminal.store)
    if reward["store"] is not None and reward["store"] != store_id:
        raise VoucherOtherStore("this reward is given only at another store", reward_id=reward_id)
    await members.confirm_phone_code(member.id, phone_code, now=now)
    # One transaction for the spend and the voucher's use: points are never paid for a voucher a
    # customer without the app would not know they hold.
    async with write_transaction():
        redemption = await redeem(member.id, reward_id, reference=f"redeem:{member.id}:till:{reference}", now=now)
        redeemed = await redeem_at_till(redemption.voucher.code, terminal, receipt_no=receipt_no, now=now)
    return PhoneSpend(redeemed, redemption.points_balance)
