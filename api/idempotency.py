"""``Idempotency-Key`` for writes from tills and members (CONTRACT.md "Conventions").

Same key and same body: the first answer again. Same key, different body: 409
``idempotency_mismatch``. The record is written in the same transaction as the change, so a
crash never leaves a change without its record (or the reverse); a concurrent duplicate
loses on the unique (scope, key) and then replays the winner's answer. Failed attempts are
not recorded: the caller may retry them.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import msgspec
from litestar import Request, Response

from api.errors import ApiProblem
from loyalty.db import is_unique_violation, write_transaction
from loyalty.schema import IdempotencyRecord

HEADER = "idempotency-key"
T = TypeVar("T")


def request_hash(body: Any) -> str:
    raw = msgspec.json.encode(body) if not isinstance(body, bytes) else body
    canonical = json.dumps(json.loads(raw or b"null"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def key_of(request: Request[Any, Any, Any]) -> str | None:
    key = request.headers.get(HEADER)
    if key is None:
        return None
    if not 1 <= len(key) <= 255 or not key.isprintable():
        raise ApiProblem(422, "validation_error", "Idempotency-Key must be 1-255 printable characters")
    return key


async def run_once(
    request: Request[Any, Any, Any],
    scope: str,
    body: Any,
    change: Callable[[str | None], Awaitable[T]],
    *,
    status_code: int = 201,
) -> Response[Any]:
    """Run ``change(key)`` at most once per (scope, Idempotency-Key) and answer with its result.

    ``change`` receives the key (or None) so the domain can derive its own references from it.
    """
    key = key_of(request)
    if key is None:
        return Response(await change(None), status_code=status_code)
    digest = request_hash(body)
    replay = await _replay(scope, key, digest)
    if replay is not None:
        return replay
    try:
        async with write_transaction():
            result = await change(key)
            answer = msgspec.to_builtins(result)
            await IdempotencyRecord(
                scope=scope, key=key, request_hash=digest, status_code=status_code, answer=answer
            ).save()
    except Exception as exc:
        if not is_unique_violation(exc):
            raise
        replay = await _replay(scope, key, digest)
        if replay is None:
            raise
        return replay
    return Response(result, status_code=status_code)


async def _replay(scope: str, key: str, digest: str) -> Response[Any] | None:
    found = (
        await IdempotencyRecord.select(
            IdempotencyRecord.request_hash, IdempotencyRecord.status_code, IdempotencyRecord.answer
        )
        .where((IdempotencyRecord.scope == scope) & (IdempotencyRecord.key == key))
        .first()
    )
    if found is None:
        return None
    if found["request_hash"] != digest:
        raise ApiProblem(409, "idempotency_mismatch", "this Idempotency-Key was used with a different request")
    answer = found["answer"]
    body = json.loads(answer) if isinstance(answer, str) else answer
    return Response(body, status_code=found["status_code"], headers={"Idempotent-Replayed": "true"})
