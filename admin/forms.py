"""Shared plumbing for staff forms: who is acting, and domain errors shown on the form."""

from __future__ import annotations

import functools
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from pydantic import BaseModel, field_validator
from starlette.requests import Request

from loyalty.audit import StaffActor
from loyalty.config import PROGRAMME
from loyalty.db import MAX_ID
from loyalty.errors import DomainError, NotFound
from loyalty.members import normalise_phone
from loyalty.schema import Member

M = TypeVar("M")

# Staff type times in the programme's zone (loyalty.campaigns.schedule.staff_time): labels say which.
ZONE_LABEL = (
    f"Giờ Việt Nam ({PROGRAMME.timezone})"
    if PROGRAMME.timezone == "Asia/Ho_Chi_Minh"
    else f"Giờ địa phương / local time ({PROGRAMME.timezone})"
)


class StaffForm(BaseModel):
    """Every staff form: what it takes fits the database, so a typo is the form's error, not a 500.

    Whole numbers fit a 32-bit column (the ids staff type are of set-up tables, SERIAL; counts
    INTEGER) and text holds no NUL character (PostgreSQL refuses it)."""

    @field_validator("*", mode="after")
    @classmethod
    def _fits_the_database(cls, value: Any) -> Any:
        if isinstance(value, int) and not isinstance(value, bool) and not -MAX_ID <= value <= MAX_ID:
            raise ValueError(f"at most {MAX_ID:,} in size")
        if isinstance(value, str) and "\x00" in value:
            raise ValueError("contains a NUL character")
        return value


async def find_member(identifier: str) -> int:
    """The member a clerk names by phone (any common spelling) or public id (TT…)."""
    text = identifier.strip()
    if text.upper().startswith("TT"):
        row = await Member.select(Member.id).where(Member.public_id == text.upper()).first()
    else:
        row = await Member.select(Member.id).where(Member.phone == normalise_phone(text)).first()
    if row is None:
        raise NotFound(f"no member {text}")
    return int(row["id"])


def staff_actor(request: Request) -> StaffActor:
    user = getattr(request.user, "user", None)
    return StaffActor(user_id=getattr(user, "id", None), username=getattr(user, "username", "unknown"))


def shows_domain_errors(
    endpoint: Callable[[Request, M], Coroutine[Any, Any, str]],
) -> Callable[[Request, M], Coroutine[Any, Any, str]]:
    """Piccolo Admin shows a ValueError's text on the form; domain errors become that."""

    @functools.wraps(endpoint)
    async def wrapper(request: Request, data: M) -> str:
        try:
            return await endpoint(request, data)
        except DomainError as exc:
            raise ValueError(exc.detail) from exc

    return wrapper
