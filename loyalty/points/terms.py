"""The ledger's terms: the kinds of entry, who caused a change, what a posting returns, its errors,
what the check reports.

Every module of the package speaks these; none of them touches the database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from dateutil.relativedelta import relativedelta

from loyalty.config import PROGRAMME
from loyalty.errors import Conflict, InvalidInput
from loyalty.schema import LedgerKind

# What a ledger entry is (``LedgerEntry.kind``): the table's choices, under the ledger's name.
Kind = LedgerKind

MAX_REFERENCE = 255  # the column's length: a longer reference is the caller's mistake, said so


class InsufficientPoints(Conflict):
    code = "insufficient_points"
    title = "Not enough points"


class ReferenceReused(Conflict):
    code = "reference_reused"
    title = "This reference was used for another change"


class LedgerBroken(RuntimeError):
    """The lots no longer cover the balance: a bug or tampering, never a user error.

    Carries the member when known, so the alert staff get names whose points to check.
    """

    def __init__(self, detail: str, *, member_id: int | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.member_id = member_id


@dataclass(frozen=True, slots=True)
class Origin:
    """Who caused a change: a till (store + terminal), a staff user, or the system."""

    store_id: int | None = None
    terminal_id: int | None = None
    staff_id: int | None = None
    description: str = ""


SYSTEM = Origin()


@dataclass(frozen=True, slots=True)
class Posting:
    """One change as written (or found already written under its reference)."""

    entry_id: int
    member_id: int
    delta: int
    balance_after: int
    shortfall: int
    replayed: bool  # True when the reference existed: nothing new was written


@dataclass(frozen=True, slots=True)
class Breach:
    """One thing ``check_ledger`` found wrong: whose points, and the entry or lot where known
    (member 0: the ledger as a whole, e.g. a checkpoint that does not verify)."""

    member_id: int
    what: str
    entry_id: int | None = None
    lot_id: int | None = None

    def __str__(self) -> str:
        where = f"member {self.member_id}" if self.member_id else "ledger"
        if self.entry_id is not None:
            where += f", entry {self.entry_id}"
        if self.lot_id is not None:
            where += f", lot {self.lot_id}"
        return f"{where}: {self.what}"


def default_expiry(now: datetime) -> datetime:
    expiry: datetime = now + relativedelta(months=PROGRAMME.points_expiry_months)
    return expiry


def utc_now() -> datetime:
    return datetime.now(UTC)


def require_positive(points: int) -> None:
    if not isinstance(points, int) or isinstance(points, bool) or points <= 0:
        raise InvalidInput(f"points must be a positive whole number, not {points!r}", field="points")


def require_reference(reference: str) -> None:
    if not reference or len(reference) > MAX_REFERENCE:
        raise InvalidInput(f"a ledger reference is 1-{MAX_REFERENCE} characters", field="reference")
