"""``Idempotency-Key`` for writes from tills and members (CONTRACT.md "Conventions").

The header is read and the request hashed here; running the change once per key, and recording
its answer in the same transaction, is the domain's (:mod:`loyalty.idempotency`). Same key and
same body: the first answer again (``Idempotent-Replayed: true``). Same key, different body: 409
``idempotency_mismatch``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import msgspec
from litestar import Request, Response

from api.errors import ApiProblem
from loyalty import idempotency

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
    done = await idempotency.run_once(
        scope,
        key,
        request_hash(body),
        lambda: change(key),
        answer_of=msgspec.to_builtins,
        status_code=status_code,
    )
    if isinstance(done, idempotency.Recorded):
        return Response(done.answer, status_code=done.status_code, headers={"Idempotent-Replayed": "true"})
    return Response(done, status_code=status_code)
