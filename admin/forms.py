"""Shared plumbing for staff forms: who is acting, and domain errors shown on the form."""

from __future__ import annotations

import functools
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from starlette.requests import Request

from loyalty.audit import StaffActor
from loyalty.errors import DomainError

M = TypeVar("M")


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
