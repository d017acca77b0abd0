"""Earning points: at the till with the member's card, by a receipt claim in the app, and refunds.

Rules and invariants:

* A receipt (store, receipt_no) earns once, by whichever path comes first: ``Purchase`` is unique
  on it and so is the ledger reference ``earn:<store>:<receipt>``.
* A till earn is idempotent: the same body again returns the first result (kept on the purchase,
  byte for byte), a different body is 409 ``duplicate_receipt``.
* One transaction: the card step is used up, the purchase recorded, the points credited, the
  tier upgraded if the earn qualifies, the statistics counted and the event written; a failure
  leaves nothing, not even a used code.
* How many points a purchase earns is pure (``rules``): tier multiplier and staff rules, whole
  points, never floats.
* The member's card is a TOTP code of 30 s steps; a step is accepted once and never an older one.
* A refund reverses points in proportion to the amount refunded, from the purchase's own lot
  first, never more than the purchase earned.
* The domain returns typed results (:class:`TillEarn`, :class:`Claimed`, :class:`Refunded`); the
  API makes its answers from them.

Modules:

* ``cards``: The member's rotating QR card.
* ``claims``: Receipt claims: a one-time code printed on a receipt, redeemed later in the member's app.
* ``outcome``: What a till earn results in, typed, and the form the purchase keeps it in.
* ``purchases``: Recording a purchase and crediting its points, for both paths.
* ``refunds``: Refunds: a receipt's earn is reversed in proportion to the amount refunded.
* ``rules``: Earning rules as pure functions: how many points a purchase earns, and which rules said so.
* ``till``: Earning points at the till with the member's live QR code.
"""

from loyalty.earning.cards import CardCode, current_code
from loyalty.earning.claims import Claim, Claimed, claim, claim_of_store, create_claim
from loyalty.earning.outcome import EarnedMember, EarnOutcome, TillEarn
from loyalty.earning.purchases import Channel, DuplicateReceipt, Item
from loyalty.earning.refunds import Refunded, refund
from loyalty.earning.rules import KINDS, Applied, RuleKind
from loyalty.earning.till import earn_at_till

__all__ = [
    "KINDS",
    "Applied",
    "CardCode",
    "Channel",
    "Claim",
    "Claimed",
    "DuplicateReceipt",
    "EarnOutcome",
    "EarnedMember",
    "Item",
    "Refunded",
    "RuleKind",
    "TillEarn",
    "claim",
    "claim_of_store",
    "create_claim",
    "current_code",
    "earn_at_till",
    "refund",
]
