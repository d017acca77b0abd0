"""Devices and the inbox: what the member's app registers and reads.

Rules:
* A push token belongs to one member at a time. Registering a known token again refreshes it
  (idempotent); registering it from another member's session moves it to that member, and the
  dispatcher will not push the previous owner's messages to it any more.
* Removing a token deactivates it (deliveries keep pointing at it); another member's token is
  "not found".
* A member reads only its own inbox; another member's message id is "not found".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from loyalty import db
from loyalty.db import write_transaction
from loyalty.errors import InvalidInput, NotFound
from notifications.messages import stored_dict
from notifications.tables import Device, InboxMessage


class Platform(StrEnum):
    ANDROID = "android"
    IOS = "ios"
    WEB = "web"


class DeviceNotFound(NotFound):
    code = "device_not_found"


class MessageNotFound(NotFound):
    code = "notification_not_found"


@dataclass(frozen=True, slots=True)
class DeviceView:
    token: str
    platform: str
    app_version: str
    active: bool
    last_seen_at: datetime


async def register(
    member_id: int, token: str, platform: str, app_version: str = "", *, now: datetime | None = None
) -> DeviceView:
    now = now or datetime.now(UTC)
    if not token or len(token) > 1024 or any(c.isspace() for c in token) or not token.isprintable():
        raise InvalidInput("token must be 1-1024 printable characters without spaces", field="token")
    if platform not in set(Platform):
        raise InvalidInput("platform must be android, ios or web", field="platform")
    async with write_transaction():
        await Device.insert(
            Device(
                member=member_id,
                token=token,
                platform=platform,
                app_version=app_version,
                active=True,
                created_at=now,
                last_seen_at=now,
                deactivated_at=None,
                deactivated_reason="",
            )
        ).on_conflict(
            target=Device.token,
            action="DO UPDATE",
            values=[
                Device.member,
                Device.platform,
                Device.app_version,
                Device.active,
                Device.last_seen_at,
                Device.deactivated_at,
                Device.deactivated_reason,
            ],
        )
    return DeviceView(token, platform, app_version, True, now)


async def forget(member_id: int, token: str, *, now: datetime | None = None) -> None:
    now = now or datetime.now(UTC)
    async with write_transaction():
        rows = (
            await Device.update(
                {Device.active: False, Device.deactivated_at: now, Device.deactivated_reason: "removed by member"}
            )
            .where((Device.token == token) & (Device.member == member_id))
            .returning(Device.id)
        )
        if not rows:
            raise DeviceNotFound("no such device for this member", token=token[:16])


@dataclass(frozen=True, slots=True)
class InboxItem:
    id: int
    title: str
    body: str
    category: str
    data: dict[str, Any]
    created_at: datetime
    read_at: datetime | None


@dataclass(frozen=True, slots=True)
class InboxPage:
    items: list[InboxItem]
    next_before: int | None  # the id the next page continues below


# The member app reads its inbox after every push: fixed texts through the SQL runner, since
# the query builder cost more than the query (bench/reads.py).
_INBOX = "SELECT id, title, body, category, data, created_at, read_at FROM inbox_message WHERE member = $1"
INBOX_SQL = f"{_INBOX} ORDER BY id DESC LIMIT $2"
INBOX_BEFORE_SQL = f"{_INBOX} AND id < $3 ORDER BY id DESC LIMIT $2"


async def inbox(member_id: int, *, limit: int = 20, before: int | None = None) -> InboxPage:
    """The member's messages, newest first, keyset on id."""
    if before is None:
        rows = await db.fetch(INBOX_SQL, member_id, limit + 1)
    else:
        rows = await db.fetch(INBOX_BEFORE_SQL, member_id, limit + 1, before)
    more = len(rows) > limit
    items = [InboxItem(**{**row, "data": stored_dict(row["data"])}) for row in rows[:limit]]
    return InboxPage(items, items[-1].id if more and items else None)


async def mark_read(member_id: int, message_id: int, *, now: datetime | None = None) -> None:
    now = now or datetime.now(UTC)
    async with write_transaction():
        await InboxMessage.update({InboxMessage.read_at: now}).where(
            (InboxMessage.id == message_id) & (InboxMessage.member == member_id) & InboxMessage.read_at.is_null()
        )
        exists = await InboxMessage.exists().where((InboxMessage.id == message_id) & (InboxMessage.member == member_id))
    if not exists:
        raise MessageNotFound("no such notification for this member", id=message_id)
