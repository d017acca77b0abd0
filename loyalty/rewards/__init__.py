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
* A customer named by phone number alone spends only with the one-time code sent to that
  phone (``phone_spend``); the reward is redeemed and used at the till at once.
* Lock order on PostgreSQL: member (``points.lock_member``), reward, vouchers.
* Vouchers leave the package as frozen records (:class:`VoucherRecord`, :class:`VoucherView`),
  never as table rows.

Modules:

* ``phone_spend``: A customer without the app spends points at the till: named by phone, proven by a code.
* ``records``: What a voucher is to its callers: a frozen record, its code, where it came from.
* ``stock``: A limited reward's stock: one unit taken per voucher, given back when one is cancelled;
  staff add or withdraw units (relative, never an absolute value typed over the tills' takes).
* ``issuing``: Issuing vouchers: a new voucher for a reward, once per reference.
* ``redemptions``: The rewards catalogue and redeeming points for a voucher.
* ``till``: Redeeming a voucher at a till, once.
* ``expiry``: The expiry job: issued vouchers past their date become expired.
* ``cancellation``: Staff cancel a voucher that was not used: its points go back, its stock returns.
* ``wallet``: The member's own vouchers, as the app lists them and shows their QR.
* ``reminders``: Scheduled reminders: points and vouchers that expire soon.
"""

from loyalty.rewards.cancellation import cancel
from loyalty.rewards.expiry import expire_vouchers  # jobs
from loyalty.rewards.issuing import (
    RewardChoice,
    VoucherReferenceReused,
    fresh_reference,
    give_by_staff,
    issue_voucher,
    reward_choices,
)
from loyalty.rewards.phone_spend import PhoneSpend, spend_by_phone
from loyalty.rewards.records import VoucherNotFound, VoucherRecord, VoucherSource
from loyalty.rewards.redemptions import (
    LimitReached,
    Redemption,
    RewardUnavailable,
    RewardView,
    TierRequired,
    catalogue,
    redeem,
)
from loyalty.rewards.reminders import remind_expiring_points, remind_expiring_vouchers  # jobs
from loyalty.rewards.stock import OutOfStock, RewardUnlimited, change_stock
from loyalty.rewards.till import (
    Redeemed,
    VoucherExpired,
    VoucherNotUsable,
    VoucherOtherStore,
    VoucherRedeemed,
    redeem_at_till,
)
from loyalty.rewards.wallet import VoucherView, member_voucher_code, member_vouchers

__all__ = [
    "LimitReached",
    "OutOfStock",
    "PhoneSpend",
    "Redeemed",
    "Redemption",
    "RewardChoice",
    "RewardUnavailable",
    "RewardUnlimited",
    "RewardView",
    "TierRequired",
    "VoucherExpired",
    "VoucherNotFound",
    "VoucherNotUsable",
    "VoucherOtherStore",
    "VoucherRecord",
    "VoucherRedeemed",
    "VoucherReferenceReused",
    "VoucherSource",
    "VoucherView",
    "cancel",
    "catalogue",
    "change_stock",
    "expire_vouchers",
    "fresh_reference",
    "give_by_staff",
    "issue_voucher",
    "member_voucher_code",
    "member_vouchers",
    "redeem",
    "redeem_at_till",
    "remind_expiring_points",
    "remind_expiring_vouchers",
    "reward_choices",
    "spend_by_phone",
]
