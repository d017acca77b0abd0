"""What the desk accepts in its forms and the app's requests: texts, staff users, stores.

Rules: a text is stripped, within its limit, required where the field says so, and free of
control characters other than line breaks and tabs; a staff user named on a case is an active
Piccolo user; a store is named by its code. Anything else is a 422 naming the field.
"""

from __future__ import annotations

from piccolo.apps.user.tables import BaseUser

from loyalty.errors import InvalidInput
from loyalty.schema import Store

MAX_TEXT = 5000


def clean_text(value: str | None, field: str, limit: int, *, required: bool) -> str:
    text = (value or "").strip()
    if required and not text:
        raise InvalidInput(f"{field} must not be empty", field=field)
    if len(text) > limit:
        raise InvalidInput(f"{field} is longer than {limit} characters", field=field)
    if any(ord(ch) < 32 and ch not in "\n\r\t" for ch in text):
        raise InvalidInput(f"{field} contains control characters", field=field)
    return text


async def active_staff(user_id: int) -> str:
    """The username of an active staff user, or a 422 on ``assignee_id``."""
    row = await BaseUser.select(BaseUser.username, BaseUser.active).where(BaseUser.id == user_id).first()
    if row is None or not row["active"]:
        raise InvalidInput(f"no active staff user {user_id}", field="assignee_id")
    return str(row["username"])


async def staff_id(username: str) -> int | None:
    """The id of the staff user a form names (None when the field was left empty)."""
    if not username.strip():
        return None
    row = await BaseUser.select(BaseUser.id).where(BaseUser.username == username.strip()).first()
    if row is None:
        raise InvalidInput(f"no staff user {username!r}", field="assignee")
    return int(row["id"])


async def store_id(code: str | None) -> int | None:
    if code is None or not code.strip():
        return None
    row = await Store.select(Store.id).where(Store.code == code.strip()).first()
    if row is None:
        raise InvalidInput(f"no store {code!r}", field="store_code")
    return int(row["id"])
