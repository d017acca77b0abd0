"""Members: sign-up on first sign-in, profile rules.

Rules: a member is found by its Firebase uid; the first valid sign-in creates it (or links a
member staff already recorded with the same phone number). ``points_balance``, ``tier``,
``id`` and ``phone`` are never written through the profile. A birthday is a real past date
(no one older than 120), e-mail looks like one, locale is ``vi`` or ``en``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import pyotp

from loyalty.codes import readable_code
from loyalty.db import write_transaction
from loyalty.errors import InvalidInput, NotFound
from loyalty.phones import normalise_phone
from loyalty.tables import Member

LOCALES = ("vi", "en")
GENDERS = ("female", "male", "other")
EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s.]{2,}$")
EDITABLE_FIELDS = ("name", "email", "birthday", "gender", "locale", "address", "city")
MAX_AGE_YEARS = 120


def new_public_id() -> str:
    return "TT" + readable_code(8)


@dataclass(frozen=True)
class ProfileChanges:
    """Validated profile fields; only the keys present are changed."""

    values: dict[str, Any]


def validate_profile(raw: dict[str, Any], *, today: date) -> ProfileChanges:
    """Check a profile patch; raise :class:`InvalidInput` naming the first bad field."""
    values: dict[str, Any] = {}
    for key, value in raw.items():
        if key not in EDITABLE_FIELDS:
            raise InvalidInput(f"{key} cannot be changed through the profile", field=key)
        values[key] = _validate_field(key, value, today)
    return ProfileChanges(values)


def _validate_field(key: str, value: Any, today: date) -> Any:
    if key == "email":
        if value is None or value == "":
            return None
        if not isinstance(value, str) or len(value) > 254 or not EMAIL_RE.match(value):
            raise InvalidInput(f"{value!r} is not an e-mail address", field="email")
        return value.strip().lower()
    if key == "birthday":
        if value is None:
            return None
        if isinstance(value, str):
            try:
                value = date.fromisoformat(value)
            except ValueError as exc:
                raise InvalidInput(f"{value!r} is not a date (YYYY-MM-DD)", field="birthday") from exc
        if not isinstance(value, date):
            raise InvalidInput("birthday must be a date (YYYY-MM-DD)", field="birthday")
        if value > today:
            raise InvalidInput("birthday cannot be in the future", field="birthday")
        if value.year < today.year - MAX_AGE_YEARS:
            raise InvalidInput(f"birthday cannot be more than {MAX_AGE_YEARS} years ago", field="birthday")
        return value
    if key == "gender":
        if value is None:
            return None
        if value not in GENDERS:
            raise InvalidInput(f"gender must be one of {', '.join(GENDERS)}", field="gender")
        return value
    if key == "locale":
        if value not in LOCALES:
            raise InvalidInput(f"locale must be one of {', '.join(LOCALES)}", field="locale")
        return value
    limits = {"name": 200, "address": 500, "city": 100}
    if not isinstance(value, str):
        raise InvalidInput(f"{key} must be text", field=key)
    text = value.strip()
    if len(text) > limits[key]:
        raise InvalidInput(f"{key} is longer than {limits[key]} characters", field=key)
    if any(ord(ch) < 32 for ch in text):
        raise InvalidInput(f"{key} contains control characters", field=key)
    return text


async def member_for_sign_in(firebase_uid: str, phone: str | None) -> Member:
    """The member behind a verified Firebase identity, created on its first sign-in."""
    found = await Member.objects().where(Member.firebase_uid == firebase_uid).first()
    if found is not None:
        return found
    e164 = normalise_phone(phone) if phone else None
    async with write_transaction():
        found = await Member.objects().where(Member.firebase_uid == firebase_uid).first()
        if found is not None:
            return found
        if e164 is not None:
            # Staff may have recorded this customer already (VIP list, complaint by phone).
            linked = await (
                Member.update({Member.firebase_uid: firebase_uid, Member.updated_at: _now()})
                .where((Member.phone == e164) & Member.firebase_uid.is_null())
                .returning(Member.id)
            )
            if linked:
                return await _get(linked[0]["id"])
        member = Member(
            public_id=new_public_id(),
            firebase_uid=firebase_uid,
            phone=e164,
            card_secret=pyotp.random_base32(),
        )
        await member.save()
        return member


async def record_member(phone: str, name: str = "") -> Member:
    """A customer known to staff by phone only (no app yet); linked on first sign-in."""
    e164 = normalise_phone(phone)
    async with write_transaction():
        found = await Member.objects().where(Member.phone == e164).first()
        if found is not None:
            return found
        member = Member(public_id=new_public_id(), phone=e164, name=name.strip(), card_secret=pyotp.random_base32())
        await member.save()
        return member


async def update_profile(member_id: int, changes: ProfileChanges) -> Member:
    if changes.values:
        async with write_transaction():
            values: dict[Any, Any] = {getattr(Member, k): v for k, v in changes.values.items()}
            values[Member.updated_at] = _now()
            await Member.update(values).where(Member.id == member_id)
    return await _get(member_id)


async def _get(member_id: int) -> Member:
    member = await Member.objects().where(Member.id == member_id).first()
    if member is None:
        raise NotFound(f"member {member_id} not found")
    return member


def _now() -> datetime:
    return datetime.now(UTC)
