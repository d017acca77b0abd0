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
* The chain is plain SHA-256, so someone who can write the database could recompute it: signed
  checkpoints, kept outside the database with the Ed25519 key that signs them, pin every
  member's head (the ``points.checkpoint`` job, ``piccolo loyalty ledger_checkpoint``), and the
  check holds each chain to the newest one. Purchases, claims, refunds, vouchers and gifts are
  checked against the entries that moved their points, so a deleted entry is missed.
* A member's statement is signed with the same key; anyone with the public key verifies it.
* ``reference`` is unique: the same reference again returns the first posting (idempotency).
* The member row is locked first, and the balance UPDATE is still guarded in SQL.
* Set-wise credits (:func:`bulk_credit`) keep every one of these rules for a whole batch.

Locking a member: :func:`lock_member` is the one way any capability locks a member's row (the
member first, then what the change touches: a reward, a voucher, a claim). It returns a
:class:`LockedMember` (frozen: id, public_id, name, tier, points_balance, ledger_head as they were
when locked; an unknown member is ``NotFound``), which :func:`credit_locked` takes, so a change
reads the member once. A caller that only needs the lock may ignore the value.

Modules:

* ``terms``: The ledger's terms: entry kinds, who caused a change, a posting, the errors.
* ``chain``: The hash chain: one definition of an entry's hashed text.
* ``locks``: The member's row lock and the row it returns (``LockedMember``).
* ``entries``: Writing one entry: the replay of a used reference, the entry with its guarded balance.
* ``lots``: Lots and draws: spends take from the soonest-expiring lots; cancellations put back.
* ``ledger``: The postings: credit, debit, take back, give back, staff adjustments.
* ``fast_credit``: The till earn's credit in fixed statements (the hot path; ``bench/earn.py``).
* ``bulk``: Set-wise points credits for fan-outs (campaign gifts), with every invariant of ``credit``.
* ``batches``: What a fan-out batch needs around its credit: its settings, the members it reads.
* ``expiry``: Points expire when their lot's date has passed; what expires soon.
* ``check``: ``piccolo loyalty check_ledger``: re-check every invariant of the points ledger.
* ``crosscheck``: Purchases, claims, refunds, vouchers, gifts and lots against their entries.
* ``seal``: Signing with Ed25519 over the canonical JSON form ``verify_statement`` defines.
* ``keys``: The ledger's signing key, from ``LEDGER_SIGNING_KEY_FILE``, never the database.
* ``checkpoints``: Signed checkpoints of every member's chain head, and walking one in the check.
* ``sealing``: ``piccolo loyalty ledger_checkpoint`` and the ``points.checkpoint`` job: check, then seal.
* ``statements``: A member's own ledger, newest first, by keyset pages on the entry id.
* ``signed``: A member's whole statement, signed with the ledger key.
* ``verify_statement``: Verify a statement offline; a file that stands alone (stdlib + cryptography).
"""

from loyalty.points.batches import (
    Holder,
    bulk_settings,
    next_sqlite_id,
    sqlite_timestamp,
)
from loyalty.points.bulk import Credited, bulk_credit
from loyalty.points.chain import entry_hash, gift_hashes
from loyalty.points.check import Report, check_ledger
from loyalty.points.expiry import expire_due, expire_lot, expire_points, points_expiring  # jobs
from loyalty.points.fast_credit import credit_locked
from loyalty.points.keys import PublicKey, SigningKeyMissing, public_key
from loyalty.points.ledger import adjust, credit, debit, give_back, take_back
from loyalty.points.locks import LOCKED_MEMBER_COLUMNS, LockedMember, lock_member
from loyalty.points.seal import BadSeal
from loyalty.points.sealing import checkpoint_ledger, ledger_checkpoint, ledger_public_key, seal_ledger
from loyalty.points.signed import signed_statement
from loyalty.points.statements import StatementLine, StatementPage, statement
from loyalty.points.terms import (
    SYSTEM,
    Breach,
    InsufficientPoints,
    Kind,
    LedgerBroken,
    Origin,
    Posting,
    ReferenceReused,
    default_expiry,
)

__all__ = [
    "LOCKED_MEMBER_COLUMNS",
    "SYSTEM",
    "BadSeal",
    "Breach",
    "Credited",
    "Holder",
    "InsufficientPoints",
    "Kind",
    "LedgerBroken",
    "LockedMember",
    "Origin",
    "Posting",
    "PublicKey",
    "ReferenceReused",
    "Report",
    "SigningKeyMissing",
    "StatementLine",
    "StatementPage",
    "adjust",
    "bulk_credit",
    "bulk_settings",
    "check_ledger",
    "checkpoint_ledger",
    "credit",
    "credit_locked",
    "debit",
    "default_expiry",
    "entry_hash",
    "expire_due",
    "expire_lot",
    "expire_points",
    "gift_hashes",
    "give_back",
    "ledger_checkpoint",
    "ledger_public_key",
    "lock_member",
    "next_sqlite_id",
    "points_expiring",
    "public_key",
    "seal_ledger",
    "signed_statement",
    "sqlite_timestamp",
    "statement",
    "take_back",
]
