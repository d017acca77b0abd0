"""msgspec shapes of /me/devices, /me/notifications and /me/consents (CONTRACT.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec

from api.edge import SINGLE_LINE

Platform = Literal["android", "ios", "web"]


class DeviceIn(msgspec.Struct, forbid_unknown_fields=True):
    token: Annotated[str, msgspec.Meta(min_length=1, max_length=1024, pattern=SINGLE_LINE)]
    platform: Platform
    app_version: Annotated[str, msgspec.Meta(max_length=32, pattern=SINGLE_LINE)] = ""


class DeviceOut(msgspec.Struct):
    token: str
    platform: str
    app_version: str
    active: bool
    last_seen_at: datetime


class NotificationOut(msgspec.Struct):
    id: int
    title: str
    body: str
    category: str
    data: dict[str, Any]
    created_at: datetime
    read_at: datetime | None


class NotificationPage(msgspec.Struct):
    items: list[NotificationOut]
    next_cursor: str | None


class ConsentsIn(msgspec.Struct, forbid_unknown_fields=True):
    push_marketing: bool
    email_marketing: bool
    sms_marketing: bool
    # Left out: the Zalo answer stays as it was (apps written before Zalo send three answers).
    zalo_marketing: bool | None = None
    # The version of the consent text the app showed; the current one when left out.
    text_version: Annotated[str, msgspec.Meta(min_length=1, max_length=32, pattern=SINGLE_LINE)] | None = None


class TillConsentsIn(msgspec.Struct, forbid_unknown_fields=True):
    """A customer's answers at the counter; a channel left out keeps its answer."""

    phone: Annotated[str, msgspec.Meta(min_length=1, max_length=32, pattern=SINGLE_LINE)]
    text_version: Annotated[str, msgspec.Meta(min_length=1, max_length=32, pattern=SINGLE_LINE)]
    # The consent text exactly as the cashier read it out (or the till showed it).
    text_read: Annotated[str, msgspec.Meta(min_length=20, max_length=4000)]
    zalo_marketing: bool | None = None
    sms_marketing: bool | None = None
    email_marketing: bool | None = None


class ConsentsOut(msgspec.Struct):
    push_marketing: bool
    email_marketing: bool
    sms_marketing: bool
    zalo_marketing: bool
    push_transactional: bool
    text_version: str | None
    updated_at: datetime | None
