"""Rewards and vouchers: the catalogue, redeeming points, vouchers at the till, reminders.

Rules and invariants:

* Redeeming is one transaction: window, tier, per-member limit, one unit of stock by a guarded
  UPDATE, the points debited, the voucher issued and the events written; any failure rolls all
  back, so stock and points never move alone.
* A voucher moves ``issued → redeemed | expired | cancelled`` and never back, each move one
  guarded UPDATE: two tills scanning one code get one success.
* Codes are 12 characters without look-alikes (~59 bits); ``reference`` makes every issue
  idempotent (redemptions, campaigns, compensation, birthdays).
* Stock never goes below zero; cancelling gives the points back and restores the stock, with the
  audit row and the event, in one transaction.
* Lock order on PostgreSQL: member, reward, vouchers.

Modules:

* ``catalogue``: The rewards catalogue and redeeming points for a voucher.
* ``reminders``: Scheduled reminders: points and vouchers that expire soon.
* ``vouchers``: Vouchers: issued for a reward, redeemed once at a till, expired by a job, cancelled by staff.
"""

from loyalty.rewards.redemptions import catalogue, redeem
from loyalty.rewards.reminders import remind_expiring_points, remind_expiring_vouchers  # jobs
from loyalty.rewards.vouchers import (
    OutOfStock,
    cancel,
    expire_vouchers,  # jobs
    fresh_reference,
    issue_voucher,
    member_voucher_code,
    member_vouchers,
    redeem_at_till,
)

__all__ = [
    "OutOfStock",
    "cancel",
    "catalogue",
    "expire_vouchers",
    "fresh_reference",
    "issue_voucher",
    "member_voucher_code",
    "member_vouchers",
    "redeem",
    "redeem_at_till",
    "remind_expiring_points",
    "remind_expiring_vouchers",
]
