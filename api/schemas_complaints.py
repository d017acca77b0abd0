"""msgspec shapes of the member complaints API (CONTRACT.md, /me/complaints)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec

from api.edge import SINGLE_LINE

Text = Annotated[str, msgspec.Meta(max_length=5000)]


class ComplaintIn(msgspec.Struct, forbid_unknown_fields=True):
    category: Annotated[str, msgspec.Meta(min_length=1, max_length=32, pattern=SINGLE_LINE)]
    description: Text
    store_code: Annotated[str, msgspec.Meta(max_length=16, pattern=SINGLE_LINE)] | None = None
    # Base64 JPEG or PNG; at most 3, each at most 1 MB decoded (checked by the domain).
    photos: list[str] = msgspec.field(default_factory=list)


class ComplaintCreated(msgspec.Struct):
    id: str
    status: str
    category: str
    created_at: datetime
    first_response_due: datetime


class TimelineOut(msgspec.Struct):
    at: datetime
    kind: str
    author: str  # member | staff | system
    body: str


class ComplaintSummary(msgspec.Struct):
    id: str
    status: str
    category: str
    channel: str
    store_code: str | None
    created_at: datetime
    updated_at: datetime
    first_response_due: datetime
    resolution_due: datetime
    resolved_at: datetime | None
    rating: int | None


class ComplaintDetail(msgspec.Struct):
    id: str
    status: str
    category: str
    channel: str
    store_code: str | None
    description: str
    photos: int
    created_at: datetime
    updated_at: datetime
    first_response_due: datetime
    resolution_due: datetime
    resolved_at: datetime | None
    rating: int | None
    rating_comment: str
    can_rate: bool
    timeline: list[TimelineOut]


class ComplaintPage(msgspec.Struct):
    items: list[ComplaintSummary]
    next_cursor: str | None


class MessageIn(msgspec.Struct, forbid_unknown_fields=True):
    body: Text


class RatingIn(msgspec.Struct, forbid_unknown_fields=True):
    score: Annotated[int, msgspec.Meta(ge=1, le=5)]
    comment: Annotated[str, msgspec.Meta(max_length=1000)] = ""


class CategoryOut(msgspec.Struct):
    code: str
    name: str
