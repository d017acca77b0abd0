"""The points ledger: entries, lots, the hash chain, set-wise credits, expiry, the check, statements.

Rules and invariants (re-checked by ``piccolo loyalty check_ledger``):

* Every change to a member's points is one append-only ``LedgerEntry`` written in one write
  transaction with the member's ``points_balance`` and its lots; nothing else moves a balance.
* balance = Σ deltas = Σ points left in the member's lots; 0 ≤ points_left ≤ points; balance ≥ 0
  (a CHECK in the database).
* Points arrive in a ``PointLot`` with an expiry date; spends draw from the lots that expire
  soonest, each draw a ``LotDraw`` row, so refunds and cancellations give back exactly those
  points and expiry removes exactly what is left of a lot.
* Each entry's ``entry_hash`` covers the previous hash and its own content; the member's
  ``ledger_head`` is the newest hash, so an edit of history breaks the chain.
* ``reference`` is unique: the same reference again returns the first posting (idempotency).
* The member row is locked first (:func:`lock_member`), and the balance UPDATE is still guarded.
* Set-wise credits (:func:`bulk_credit`) keep every one of these rules for a whole batch.

Modules:

* ``bulk``: Set-wise points credits for fan-outs (campaign gifts), with every invariant of ``ledger.credit``.
* ``check``: ``piccolo loyalty check_ledger``: re-check every invariant of the points ledger.
* ``expiry``: Scheduled job: points expire when their lot's date has passed (see loyalty.ledger).
* ``ledger``: Points ledger.
* ``statement``: A member's own ledger, newest first, by keyset pages on the entry id (no OFFSET scans).
"""

from loyalty.points.bulk import (
    Holder,
    bulk_credit,
    bulk_settings,
    execute,
    fetch,
    fetch_holders,
    fetch_template,
    next_sqlite_id,
    sqlite_timestamp,
)
from loyalty.points.check import check_ledger
from loyalty.points.expiry import expire_points  # jobs
from loyalty.points.ledger import (
    Kind,
    LedgerBroken,
    Origin,
    ReferenceReused,
    adjust,
    credit,
    credit_locked,
    debit,
    expire_due,
    give_back,
    lock_member,
    points_expiring,
    take_back,
)
from loyalty.points.statements import statement

__all__ = [
    "Holder",
    "Kind",
    "LedgerBroken",
    "Origin",
    "ReferenceReused",
    "adjust",
    "bulk_credit",
    "bulk_settings",
    "check_ledger",
    "credit",
    "credit_locked",
    "debit",
    "execute",
    "expire_due",
    "expire_points",
    "fetch",
    "fetch_holders",
    "fetch_template",
    "give_back",
    "lock_member",
    "next_sqlite_id",
    "points_expiring",
    "sqlite_timestamp",
    "statement",
    "take_back",
]
