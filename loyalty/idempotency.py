"""Keyed writes from tills and members: the same key and the same request run the change once.

Rules (CONTRACT.md "Conventions"):

* Same (scope, key) and the same request hash: the change is not run again; the answer recorded
  with it is returned. The same key with another request is 409 ``idempotency_mismatch``.
* The record is written in the same write transaction as the change, so a crash never leaves a
  change without its record (or the reverse); a concurrent duplicate loses on the unique
  (scope, key) and then gets the winner's record.
* Failed attempts are not recorded: the caller may retry them.

What the answer is, and its status, are the caller's (the API records the JSON it answered): the
domain keeps them as given and hands them back.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from loyalty.db import is_unique_violation, write_transaction
from loyalty.errors import IdempotencyMismatch
from loyalty.schema import IdempotencyRecord

T = TypeVar("T")


class KeyReused(IdempotencyMismatch):
    """The key was used with another request."""

    title = "Conflict"  # the title this answer has always had (it was the API's generic 409)


@dataclass(frozen=True, slots=True)
class Recorded:
    """The answer recorded with the first run of a key."""

    status_code: int
    answer: Any  # a plain JSON value, as recorded


async def run_once(
    scope: str,
    key: str,
    request_hash: str,
    change: Callable[[], Awaitable[T]],
    *,
    answer_of: Callable[[T], Any],
    status_code: int,
) -> T | Recorded:
    """Run ``change`` once per (scope, key), recording ``answer_of(result)`` and ``status_code``
    with it; a repeat returns the :class:`Recorded` answer instead of running it again."""
    found = await recorded(scope, key, request_hash)
    if found is not None:
        return found
    try:
        async with write_transaction():
            result = await change()
            await IdempotencyRecord(
                scope=scope, key=key, request_hash=request_hash, status_code=status_code, answer=answer_of(result)
            ).save()
    except Exception as exc:
        if not is_unique_violation(exc):
            raise
        found = await recorded(scope, key, request_hash)
        if found is None:
            raise
        return found
    return result


async def recorded(scope: str, key: str, request_hash: str) -> Recorded | None:
    """The answer recorded for (scope, key), if any; another request's key is :class:`KeyReused`."""
    found = (
        await IdempotencyRecord.select(
            IdempotencyRecord.request_hash, IdempotencyRecord.status_code, IdempotencyRecord.answer
        )
        .where((IdempotencyRecord.scope == scope) & (IdempotencyRecord.key == key))
        .first()
    )
    if found is None:
        return None
    if found["request_hash"] != request_hash:
        raise KeyReused("this Idempotency-Key was used with a different request")
    answer = found["answer"]
    return Recorded(int(found["status_code"]), json.loads(answer) if isinstance(answer, str) else answer)
