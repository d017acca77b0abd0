"""The member's rotating QR card.

Format: ``<public_id>.<totp>.<check>``, e.g. ``TT4K7PQ2MZ.492039.0`` (19 characters, all in
the QR "alphanumeric" set, so the QR stays small; lower case and spaces are forgiven).

* ``totp`` is a 6-digit RFC 6238 code (pyotp) over 30 s steps from ``Member.card_secret``,
  so the app can show it offline.
* ``check`` is a Luhn mod-34 character over everything before it: any single mistyped
  character and most swaps of neighbours are refused before the database is asked.
* The server accepts the current step and one step either side (clock drift, a slow scan),
  and each (member, step) once: a guarded ``UPDATE member SET last_card_step = step WHERE
  last_card_step < step``. A code older than the newest one used is therefore refused too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pyotp

from loyalty import db, points
from loyalty.db import write_transaction
from loyalty.errors import Conflict, InvalidInput
from loyalty.schema import Member

PERIOD_S = 30
DIGITS = 6
DRIFT_STEPS = 1
# Digits and letters without I and O: 34 symbols. Luhn mod N needs an even N to catch every
# single-character typo.
CHECK_ALPHABET = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class CodeInvalid(InvalidInput):
    code = "code_invalid"
    title = "The member code is not valid"


class CodeReused(Conflict):
    code = "code_reused"
    title = "This code was used already"


@dataclass(frozen=True, slots=True)
class CardCode:
    code: str
    step: int
    valid_until: datetime
    period_s: int = PERIOD_S


@dataclass(frozen=True, slots=True)
class ParsedCode:
    public_id: str
    otp: str


def step_at(now: datetime) -> int:
    return int((now - EPOCH).total_seconds()) // PERIOD_S


def check_char(payload: str) -> str:
    """Luhn mod N over CHECK_ALPHABET; characters outside it (the dots) are skipped."""
    n = len(CHECK_ALPHABET)
    factor, total = 2, 0
    for ch in reversed(payload):
        if ch not in CHECK_ALPHABET:
            continue
        addend = factor * CHECK_ALPHABET.index(ch)
        total += addend // n + addend % n
        factor = 1 if factor == 2 else 2
    return CHECK_ALPHABET[(n - total % n) % n]


def otp_for(secret: str, step: int) -> str:
    return str(pyotp.TOTP(secret, digits=DIGITS, interval=PERIOD_S).generate_otp(step))


def code_for(public_id: str, secret: str, now: datetime) -> CardCode:
    step = step_at(now)
    payload = f"{public_id}.{otp_for(secret, step)}"
    valid_until = EPOCH + timedelta(seconds=(step + 1) * PERIOD_S)
    return CardCode(f"{payload}.{check_char(payload)}", step, valid_until)


def parse(raw: str) -> ParsedCode:
    """Split and check a scanned or typed code; raise :class:`CodeInvalid` on any flaw."""
    text = "".join(raw.split()).upper() if isinstance(raw, str) else ""
    parts = text.split(".")
    if len(text) > 64 or len(parts) != 3:
        raise CodeInvalid("this is not a member code", reason="format")
    public_id, otp, check = parts
    if not public_id.isalnum() or len(otp) != DIGITS or not otp.isdigit() or len(check) != 1:
        raise CodeInvalid("this is not a member code", reason="format")
    if check_char(f"{public_id}.{otp}") != check:
        raise CodeInvalid("the member code is mistyped (check character)", reason="check")
    return ParsedCode(public_id, otp)


def public_id_of(raw: str) -> str | None:
    """The member a code names, without verifying it (None if unreadable)."""
    try:
        return parse(raw).public_id
    except CodeInvalid:
        return None


async def current_code(member_id: int, *, now: datetime | None = None) -> CardCode:
    row = await Member.select(Member.public_id, Member.card_secret).where(Member.id == member_id).first()
    if row is None:
        raise CodeInvalid("unknown member")
    return code_for(row["public_id"], row["card_secret"], now or datetime.now(UTC))


# The card's member, then the guarded use of the step. The UPDATE also locks the member row on
# PostgreSQL and returns it as the ledger needs it (points.LOCKED_MEMBER_COLUMNS), so the change
# the code authorises needs no second read of the member.
CODE_MEMBER_SQL = "SELECT id, card_secret, erased_at FROM member WHERE public_id = $1"
USE_STEP_SQL = (
    "UPDATE member SET last_card_step = $2 WHERE id = $1 AND last_card_step < $2 "
    f"RETURNING {points.LOCKED_MEMBER_COLUMNS}"
)


async def accept(raw: str, *, now: datetime | None = None) -> int:
    """Verify a member code and use it up; return the member id.

    Call inside the write transaction of the change it authorises, so that a failed change
    leaves the code usable.
    """
    return (await use_code(raw, now=now)).id


async def use_code(raw: str, *, now: datetime | None = None) -> points.LockedMember:
    """:func:`accept`, returning the member row locked by the use of the code."""
    parsed = parse(raw)
    now = now or datetime.now(UTC)
    async with write_transaction():
        row = await db.fetchrow(CODE_MEMBER_SQL, parsed.public_id)
        if row is None or row["erased_at"] is not None:
            raise CodeInvalid("no member has this code", reason="member")
        current = step_at(now)
        step = next(
            (
                s
                for s in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1)
                if otp_for(row["card_secret"], s) == parsed.otp
            ),
            None,
        )
        if step is None:
            raise CodeInvalid("the member code has expired or is wrong; ask for the current one", reason="otp")
        used = await db.fetchrow(USE_STEP_SQL, row["id"], step)
        if used is None:
            raise CodeReused("this member code was used already; ask for the current one", reason="step")
        return points.LockedMember.from_row(used)
