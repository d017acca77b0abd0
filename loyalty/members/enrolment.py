"""Customers who join at the counter by phone number, without the app.

Rules: the cashier types the number the customer says, in any common spelling; it is stored in
E.164, so the same number again, however typed, answers the same member (``created`` false).
Enrolling is one ``INSERT … ON CONFLICT DO NOTHING`` on the phone's unique index, so two tills
enrolling the same number at once make one member and neither fails. A new member gets its card
secret and public id like any other, its home store (the till's: the members that store's
staff see, ``loyalty.staff``), and an audit row naming the till. When that person later
signs in to the app with the same phone (Firebase verifies it), the sign-in links this member,
points and history included (``accounts.member_for_sign_in``). An erased member holds no phone,
so the number enrols a new, empty membership.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import pyotp

from loyalty import audit
from loyalty.db import write_transaction
from loyalty.errors import InvalidInput, NotFound
from loyalty.members.accounts import new_public_id
from loyalty.members.phones import normalise_phone
from loyalty.schema import Member, Terminal

ENROLLED_AT_TILL = "member.enrolled_at_till"
MAX_NAME = 200


@dataclass(frozen=True)
class TillMember:
    """What the till shows the cashier: enough to confirm the customer, nothing to sign in with."""

    id: int
    public_id: str
    name: str
    tier: str | None
    points_balance: int
    has_app: bool
    created: bool


async def enrol_at_till(phone: str, name: str = "", *, terminal_id: int, store_code: str) -> TillMember:
    e164 = normalise_phone(phone)
    clean = " ".join(name.split())
    if len(clean) > MAX_NAME:
        raise InvalidInput(f"name is longer than {MAX_NAME} characters", field="name")
    async with write_transaction():
        till = await Terminal.select(Terminal.store).where(Terminal.id == terminal_id).first()
        member = Member(
            public_id=new_public_id(),
            phone=e164,
            name=clean,
            card_secret=pyotp.random_base32(),
            home_store=till["store"] if till is not None else None,
        )
        created = await Member.insert(member).on_conflict(target=Member.phone, action="DO NOTHING").returning(Member.id)
        if created:
            await audit.record(
                audit.StaffActor(None, f"till {terminal_id}"),
                ENROLLED_AT_TILL,
                "member",
                created[0]["id"],
                store=store_code,
                terminal_id=terminal_id,
            )
        found = await member_by_phone(e164)
    return replace(found, created=bool(created))


async def member_by_phone(phone: str) -> TillMember:
    """The live member with this phone (any spelling), or :class:`NotFound` (``member_not_found``)."""
    e164 = normalise_phone(phone)
    row = (
        await Member.select(
            Member.id,
            Member.public_id,
            Member.name,
            Member.tier.code.as_alias("tier"),
            Member.points_balance,
            Member.firebase_uid,
        )
        .where((Member.phone == e164) & Member.erased_at.is_null())
        .first()
    )
    if row is None:
        raise MemberNotFound("no member has this phone number; enrol the customer first", field="phone")
    return TillMember(
        id=row["id"],
        public_id=row["public_id"],
        name=row["name"],
        tier=row["tier"],
        points_balance=row["points_balance"],
        has_app=row["firebase_uid"] is not None,
        created=False,
    )


class MemberNotFound(NotFound):
    code = "member_not_found"
    title = "No member has this phone number"
