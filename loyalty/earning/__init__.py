"""Earning points: at the till with the member's card, by a receipt claim in the app, and refunds.

Rules and invariants:

* A receipt (store, receipt_no) earns once, by whichever path comes first: ``Purchase`` is unique
  on it and so is the ledger reference ``earn:<store>:<receipt>``.
* A till earn is idempotent: the same body again returns the first answer, a different body is
  409 ``duplicate_receipt``.
* One transaction: the card step is used up, the purchase recorded, the points credited, the
  tier upgraded if the earn qualifies, the statistics counted and the event written; a failure
  leaves nothing, not even a used code.
* How many points a purchase earns is pure (``rules``): tier multiplier and staff rules, whole
  points, never floats.
* The member's card is a TOTP code of 30 s steps; a step is accepted once and never an older one.
* A refund reverses points in proportion to the amount refunded, from the purchase's own lot
  first, never more than the purchase earned.

Modules:

* ``cards``: The member's rotating QR card.
* ``claims``: Receipt claims: a one-time code printed on a receipt, redeemed later in the member's app.
* ``refunds``: Refunds: a receipt's earn is reversed in proportion to the amount refunded.
* ``rules``: Earning rules as pure functions: how many points a purchase earns, and which rules said so.
* ``till``: Earning points for a purchase: at the till with the member's QR, or later by a receipt claim.
"""

from loyalty.earning.cards import current_code
from loyalty.earning.claims import claim, claim_of_store, create_claim
from loyalty.earning.refunds import refund
from loyalty.earning.rules import KINDS
from loyalty.earning.till import Item, earn_at_till

__all__ = ["KINDS", "Item", "claim", "claim_of_store", "create_claim", "current_code", "earn_at_till", "refund"]
