"""msgspec shapes of the public API (CONTRACT.md). Field names are snake_case."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Generic, Literal, TypeVar

import msgspec

from api.edge import SINGLE_LINE

T = TypeVar("T")
Locale = Literal["vi", "en"]
Gender = Literal["female", "male", "other"]
ChannelName = Literal["push", "zalo", "sms", "email"]


class Page(msgspec.Struct, Generic[T]):
    items: list[T]
    next_cursor: str | None


class TierOut(msgspec.Struct):
    code: str
    name: str
    earn_multiplier: float
    earn_multiplier_pct: int


class NextTierOut(msgspec.Struct):
    code: str
    name: str
    points_needed: int


class MeOut(msgspec.Struct):
    id: str
    phone: str | None
    name: str
    email: str | None
    birthday: date | None
    gender: str | None
    locale: str
    address: str
    city: str
    points_balance: int
    tier: TierOut | None
    next_tier: NextTierOut | None
    member_since: datetime
    preferred_channel: str = "push"  # push | zalo | sms | email: where transactional messages go first


class ProfilePatch(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """Only these fields are writable; anything else (points_balance, tier, id, phone) is 422."""

    name: Annotated[str, msgspec.Meta(max_length=200, pattern=SINGLE_LINE)] | msgspec.UnsetType = msgspec.UNSET
    email: Annotated[str, msgspec.Meta(max_length=254, pattern=SINGLE_LINE)] | msgspec.UnsetType | None = msgspec.UNSET
    birthday: date | msgspec.UnsetType | None = msgspec.UNSET
    gender: Gender | msgspec.UnsetType | None = msgspec.UNSET
    locale: Locale | msgspec.UnsetType = msgspec.UNSET
    address: Annotated[str, msgspec.Meta(max_length=500)] | msgspec.UnsetType = msgspec.UNSET
    city: Annotated[str, msgspec.Meta(max_length=100, pattern=SINGLE_LINE)] | msgspec.UnsetType = msgspec.UNSET
    # The channel messages try first; the others follow when it cannot reach the member.
    preferred_channel: ChannelName | msgspec.UnsetType = msgspec.UNSET


class HealthOut(msgspec.Struct):
    status: str
    database: str


class LiveOut(msgspec.Struct):
    status: str


class ReadyOut(msgspec.Struct):
    status: str
    database: str
    migrations: str


class TerminalOut(msgspec.Struct):
    terminal_id: int
    terminal_name: str
    store_code: str
    store_name: str
