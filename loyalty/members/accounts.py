"""Members: sign-up on first sign-in, profile rules.

Rules: a member is found by its Firebase uid; the first valid sign-in creates it (or links a
member staff already recorded with the same phone number). ``points_balance``, ``tier``,
``id`` and ``phone`` are never written through the profile. A birthday is a real past date
(no one older than 120), e-mail looks like one, locale is ``vi`` or ``en``.

A phone that comes back: a phone number Firebase verified proves who owns the membership. A
new uid whose token carries the phone of a live member takes that membership over (points and
history stay with it); the move is one guarded UPDATE and an audit row (old uid, new uid,
reason). The uid it moved away from is refused (:class:`SignInSuperseded`) with any token issued
before the move, so an old device's still-valid token cannot pull it back and forth; a token
it gets later with the same phone means Firebase gave it the phone again, and the membership
moves back. Erased members hold no phone and no uid, so the phone is free for a new member. A
token without a phone for an unknown uid makes a new member without a phone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import pyotp

from loyalty import audit, db
from loyalty.codes import readable_code
from loyalty.db import write_transaction
from loyalty.errors import Conflict, DomainError, InvalidInput, NotFound
from loyalty.members.phones import normalise_phone
from loyalty.schema import AuditLog, Member

LOCALES = ("vi", "en")
GENDERS = ("female", "male", "other")
EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s.]{2,}$")
EDITABLE_FIELDS = ("name", "email", "birthday", "gender", "locale", "address", "city", "preferred_channel")
# The channels a message may leave by, in the order a member's messages try them: the one
# definition (campaigns, one-off messages, the preferred channel and notifications.routing use it).
CHANNELS = ("push", "zalo", "sms", "email")
MAX_AGE_YEARS = 120
UID_MOVED = "member.uid_moved"
SIGN_IN_ACTOR = audit.StaffActor(None, "firebase sign-in")
# Each pass loses only to a concurrent sign-in that changed the same row; three is plenty.
SIGN_IN_ATTEMPTS = 3


class SignInSuperseded(DomainError):
    """A token of a Firebase account the membership has since moved away from."""

    code = "token_superseded"
    kind = "unauthorized"
    title = "Signed in on another account"


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
        if value is None or value == "":
            return None
        if value not in GENDERS:
            raise InvalidInput(f"gender must be one of {', '.join(GENDERS)}", field="gender")
        return value
    if key == "locale":
        if value not in LOCALES:
            raise InvalidInput(f"locale must be one of {', '.join(LOCALES)}", field="locale")
        return value
    if key == "preferred_channel":
        if value not in CHANNELS:
            raise InvalidInput(f"preferred_channel must be one of {', '.join(CHANNELS)}", field=key)
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


async def member_for_sign_in(firebase_uid: str, phone: str | None, *, issued_at: float) -> Member:
    """The member behind a verified Firebase identity, created on its first sign-in.

    ``issued_at`` is the token's ``iat`` (epoch seconds): it tells a stale token of a uid the
    membership moved away from from one Firebase issued after the phone came back to it.
    """
    found = await _by_uid(firebase_uid)
    if found is not None:
        return found
    e164 = normalise_phone(phone) if phone else None
    async with write_transaction():
        for _ in range(SIGN_IN_ATTEMPTS):
            found = await _by_uid(firebase_uid)
            if found is not None:
                return found
            if e164 is not None:
                holder = (
                    await Member.select(Member.id, Member.firebase_uid)
                    .where((Member.phone == e164) & Member.erased_at.is_null())
                    .first()
                )
                if holder is not None:
                    taken = await _take_over(holder["id"], holder["firebase_uid"], firebase_uid, issued_at)
                    if taken is not None:
                        return taken
                    continue  # a concurrent sign-in changed that member first: look again
            # DO NOTHING: a concurrent first sign-in of the same uid or phone that wins the
            # unique index makes this a no-op (no error, no 500), and the next pass finds it.
            created = (
                await Member.insert(
                    Member(
                        public_id=new_public_id(),
                        firebase_uid=firebase_uid,
                        phone=e164,
                        card_secret=pyotp.random_base32(),
                    )
                )
                .on_conflict(action="DO NOTHING")
                .returning(Member.id)
            )
            if created:
                return await _get(created[0]["id"])
        raise Conflict("another sign-in with this phone is under way; try again", field="phone")


async def _take_over(member_id: int, old_uid: str | None, new_uid: str, issued_at: float) -> Member | None:
    """Give the member with this verified phone to ``new_uid``; None if the row changed meanwhile."""
    if old_uid is None:
        # Recorded by staff or at a till, never signed in: the first sign-in links it.
        linked = await (
            Member.update({Member.firebase_uid: new_uid, Member.updated_at: _now()})
            .where((Member.id == member_id) & Member.firebase_uid.is_null() & Member.erased_at.is_null())
            .returning(Member.id)
        )
        return await _get(member_id) if linked else None
    moved_away_at = await _moved_away_from(member_id, new_uid)
    if moved_away_at is not None and issued_at <= moved_away_at.timestamp():
        raise SignInSuperseded(
            "this membership moved to another sign-in with the same phone; sign in again",
            member_id=member_id,
        )
    moved = await (
        Member.update({Member.firebase_uid: new_uid, Member.updated_at: _now()})
        .where((Member.id == member_id) & (Member.firebase_uid == old_uid) & Member.erased_at.is_null())
        .returning(Member.id)
    )
    if not moved:
        return None
    await audit.record(
        SIGN_IN_ACTOR,
        UID_MOVED,
        "member",
        member_id,
        old_uid=old_uid,
        new_uid=new_uid,
        reason="phone number verified by Firebase for a new account",
    )
    return await _get(member_id)


async def _moved_away_from(member_id: int, uid: str) -> datetime | None:
    """When the member last moved away from ``uid``, if it ever did (from the audit log)."""
    rows = (
        await AuditLog.select(AuditLog.created_at, AuditLog.detail)
        .where((AuditLog.action == UID_MOVED) & (AuditLog.target == "member") & (AuditLog.target_id == str(member_id)))
        .order_by(AuditLog.id, ascending=False)
        .output(load_json=True)
    )
    for row in rows:
        if isinstance(row["detail"], dict) and row["detail"].get("old_uid") == uid:
            moved_at: datetime = row["created_at"]
            return moved_at
    return None


# Every member request signs in through this lookup: a fixed text through the SQL runner, since
# the query builder cost more than the query (bench/reads.py).
BY_UID_SQL = "SELECT * FROM member WHERE firebase_uid = $1"


async def _by_uid(firebase_uid: str) -> Member | None:
    row = await db.fetchrow(BY_UID_SQL, firebase_uid)
    return Member(**dict(row), _exists_in_db=True) if row is not None else None


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


PROFILE_CORRECTED = "member.profile_corrected"


async def correct_profile(member_id: int, raw: dict[str, Any], *, actor: audit.StaffActor, reason: str) -> Member:
    """Staff correct a member's profile (the fields the member may change in the app), with a
    reason, in one transaction with its audit row. Identity, points, tier and card are not here:
    they change only through sign-in, the ledger and the tier rules."""
    changes = validate_profile(raw, today=_now().date())
    why = reason.strip()
    if len(why) < 3:
        raise InvalidInput("say why the profile is corrected (kept in the audit log)", field="reason")
    async with write_transaction():
        columns = [getattr(Member, k) for k in changes.values]
        row = await Member.select(Member.erased_at, *columns).where(Member.id == member_id).first()
        if row is None:
            raise NotFound(f"member {member_id} not found")
        if row["erased_at"] is not None:
            raise InvalidInput("this member was erased on request: the profile stays empty")
        changed = {k: v for k, v in changes.values.items() if row[k] != v}
        if changed:
            values: dict[Any, Any] = {getattr(Member, k): v for k, v in changed.items()}
            values[Member.updated_at] = _now()
            await Member.update(values).where(Member.id == member_id)
        # The fields, not their values: the audit log outlives an erasure and keeps no personal data.
        await audit.record(actor, PROFILE_CORRECTED, "member", member_id, fields=sorted(changed), reason=why)
    return await _get(member_id)


async def _get(member_id: int) -> Member:
    member = await Member.objects().where(Member.id == member_id).first()
    if member is None:
        raise NotFound(f"member {member_id} not found")
    return member


def _now() -> datetime:
    return datetime.now(UTC)
