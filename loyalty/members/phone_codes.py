"""One-time codes that prove, at a till, that the customer holds the member's phone.

Rules: a phone number alone only earns; before a member spends at a till, the till asks for a
code, which is sent to the member's phone (by Zalo or SMS, outside this package) and typed back
by the cashier. A code:

* is 6 random digits, valid ``VALID_MINUTES``, used once; asking again replaces the one before;
* allows ``MAX_ATTEMPTS`` tries, each counted by a guarded UPDATE that commits before the spend,
  so neither a failed spend nor tries sent at once get round the count;
* is asked for at most ``MAX_PER_WINDOW`` times per member in ``WINDOW_MINUTES``, so a till
  cannot flood a customer's phone or try codes without end;
* is kept only as a salted SHA-256, never in the clear; it exists in the message alone.

A member who erased their data holds no phone and gets no code.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from loyalty import db
from loyalty.db import write_transaction
from loyalty.errors import Conflict, Forbidden
from loyalty.members.enrolment import MemberNotFound, member_by_phone
from loyalty.schema import PhoneCode

VALID_MINUTES = 5
MAX_ATTEMPTS = 5
LOCK_MEMBER_SQL = "SELECT phone, locale FROM member WHERE id = $1 AND erased_at IS NULL"
MAX_PER_WINDOW = 3
WINDOW_MINUTES = 15


class TooManyCodes(Conflict):
    code = "phone_code_rate_limited"
    title = "Too many codes were asked for this phone; wait a few minutes"


class PhoneCodeRefused(Forbidden):
    code = "phone_code_invalid"
    title = "The code is wrong, expired or already used; ask for a new one"


@dataclass(frozen=True)
class IssuedCode:
    """The code to send; only the sender ever sees ``code``."""

    member_id: int
    phone: str
    locale: str
    code: str
    valid_until: datetime
    challenge_id: int


def _digest(salt: str, code: str) -> str:
    return hashlib.sha256(f"{salt}:{code}".encode()).hexdigest()


async def issue_phone_code(phone: str, *, terminal_id: int, now: datetime | None = None) -> IssuedCode:
    """A new code for the member with this phone (any spelling), replacing any unused one."""
    member = await member_by_phone(phone)
    now = now or datetime.now(UTC)
    code = f"{secrets.randbelow(10**6):06d}"
    salt = secrets.token_hex(8)
    async with write_transaction():
        # The member's row is locked first, so two tills asking at once count one after the other.
        contact = await db.fetchrow(LOCK_MEMBER_SQL + db.for_update(), member.id)
        if contact is None:
            raise MemberNotFound("no member has this phone number; enrol the customer first", field="phone")
        recent = await PhoneCode.count().where(
            (PhoneCode.member == member.id) & (PhoneCode.created_at > now - timedelta(minutes=WINDOW_MINUTES))
        )
        if recent >= MAX_PER_WINDOW:
            raise TooManyCodes(f"at most {MAX_PER_WINDOW} codes in {WINDOW_MINUTES} minutes", member=member.public_id)
        await PhoneCode.update({PhoneCode.used_at: now}).where(
            (PhoneCode.member == member.id) & PhoneCode.used_at.is_null()
        )
        rows = await PhoneCode.insert(
            PhoneCode(
                member=member.id,
                terminal=terminal_id,
                code_hash=f"{salt}:{_digest(salt, code)}",
                created_at=now,
                expires_at=now + timedelta(minutes=VALID_MINUTES),
            )
        ).returning(PhoneCode.id)
    valid_until = now + timedelta(minutes=VALID_MINUTES)
    return IssuedCode(member.id, str(contact["phone"]), str(contact["locale"]), code, valid_until, int(rows[0]["id"]))


async def record_channel(challenge_id: int, channel: str, cost_vnd: int) -> None:
    """Which channel carried the code and what it cost (the member's messages, the costs)."""
    await PhoneCode.update({PhoneCode.channel: channel[:8], PhoneCode.cost_vnd: cost_vnd}).where(
        PhoneCode.id == challenge_id
    )


async def confirm_phone_code(member_id: int, code: str, *, now: datetime | None = None) -> None:
    """Use the member's live code, or :class:`PhoneCodeRefused` (the wrong try is counted)."""
    now = now or datetime.now(UTC)
    typed = code.strip()
    async with write_transaction():
        live = (
            await PhoneCode.select(PhoneCode.id, PhoneCode.code_hash)
            .where(
                (PhoneCode.member == member_id)
                & PhoneCode.used_at.is_null()
                & (PhoneCode.expires_at > now)
                & (PhoneCode.attempts < MAX_ATTEMPTS)
            )
            .order_by(PhoneCode.id, ascending=False)
            .first()
        )
        if live is None:
            raise PhoneCodeRefused("no live code for this member; ask for a new one")
        # Every try is counted first, guarded in SQL, so tries sent at once cannot pass the limit.
        counted = (
            await PhoneCode.update({PhoneCode.attempts: PhoneCode.attempts + 1})
            .where((PhoneCode.id == live["id"]) & (PhoneCode.attempts < MAX_ATTEMPTS) & PhoneCode.used_at.is_null())
            .returning(PhoneCode.id)
        )
        salt, _, digest = str(live["code_hash"]).partition(":")
        if counted and typed.isdigit() and hmac.compare_digest(digest, _digest(salt, typed)):
            used = (
                await PhoneCode.update({PhoneCode.used_at: now})
                .where((PhoneCode.id == live["id"]) & PhoneCode.used_at.is_null())
                .returning(PhoneCode.id)
            )
            if used:
                return
    raise PhoneCodeRefused("the code is wrong; ask the customer to read it again")
