"""What a voucher is to its callers: a frozen record, its code, where it came from.

Rules: a voucher leaves this package as a :class:`VoucherRecord` copied from its row, never as
the table row itself, so no caller can change a voucher except through this package's
functions. Codes are 12 characters from an alphabet without look-alikes (no 0/O, 1/I/L): ~59
bits, so they cannot be guessed; the code is what the QR carries, and what a cashier types is
read without regard to case, spaces or dashes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from loyalty.codes import READABLE_ALPHABET, readable_code
from loyalty.errors import InvalidInput, NotFound
from loyalty.schema import VoucherSource as VoucherSource
from loyalty.schema import VoucherStatus

CODE_ALPHABET = READABLE_ALPHABET
CODE_LENGTH = 12


class VoucherNotFound(NotFound):
    code = "not_found"
    title = "No such voucher"


@dataclass(frozen=True, slots=True)
class VoucherRecord:
    id: int
    code: str
    member: int
    reward: int
    reference: str
    status: VoucherStatus
    source: VoucherSource
    points_paid: int
    spend_entry: int | None
    issued_at: datetime
    valid_until: datetime
    redeemed_at: datetime | None
    cancelled_reason: str

    @classmethod
    def of(cls, row: Any) -> VoucherRecord:
        """From a ``Voucher`` row (the table object)."""
        return cls(
            id=int(row.id),
            code=str(row.code),
            member=int(row.member),
            reward=int(row.reward),
            reference=str(row.reference),
            status=VoucherStatus(row.status),
            source=VoucherSource(row.source),
            points_paid=int(row.points_paid),
            spend_entry=None if row.spend_entry is None else int(row.spend_entry),
            issued_at=row.issued_at,
            valid_until=row.valid_until,
            redeemed_at=row.redeemed_at,
            cancelled_reason=str(row.cancelled_reason),
        )


def source_of(source: str) -> VoucherSource:
    try:
        return VoucherSource(source)
    except ValueError:
        raise InvalidInput(f"source must be one of {', '.join(VoucherSource)}", field="source") from None


def new_code() -> str:
    return readable_code(CODE_LENGTH)


def normalise_code(code: str) -> str:
    """What a cashier types or a scanner reads: case and separators do not matter."""
    return "".join(ch for ch in code.upper() if ch not in " -")
