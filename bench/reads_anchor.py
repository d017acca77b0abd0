"""The anchor of bench/reads.py: a bare Litestar app running the member app's own read SQL.

Served by uvicorn with the app's settings (``bench.reads_anchor:app``). It reads the script
``bench/reads_capture.py`` captured from the app (``BENCH_READS_SCRIPT``, a JSON file: route →
statements with markers) and the bench's tokens (``BENCH_READS_TOKENS``: token → member id, uid,
phone). Per request it finds the caller by the exact token string (no verification: the app's
token check is part of what is measured against this), replays that route's statements in order
through asyncpg (a pool of the app's size) or sqlite3 (one connection per thread, the app's
pragmas), and answers the rows as JSON. Nothing else: no guards, no middleware, no schemas.
"""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from litestar import Litestar, Request, Response, get

from bench.reads_capture import Caller, unmark

DATABASE_URL = os.environ.get("DATABASE_URL", "")
SQLITE = DATABASE_URL.startswith("sqlite")
POOL_SIZE = 20  # loyalty.db.open_pool's default
SQLITE_THREADS = 8  # loyalty.db.sqlite_engine.IDLE_CONNECTIONS


class State:
    script: dict[str, list[dict[str, Any]]] = {}
    callers: dict[str, Caller] = {}
    pool: Any = None
    executor: ThreadPoolExecutor | None = None
    local = threading.local()


def load() -> None:
    State.script = json.loads(Path(os.environ["BENCH_READS_SCRIPT"]).read_text())
    tokens = json.loads(Path(os.environ["BENCH_READS_TOKENS"]).read_text())
    State.callers = {token: Caller(**fields) for token, fields in tokens.items()}


async def startup() -> None:
    load()
    if SQLITE:
        import piccolo.engine.sqlite  # noqa: F401  (registers the app's datetime adapters)

        State.executor = ThreadPoolExecutor(max_workers=SQLITE_THREADS)
        return
    import asyncpg

    State.pool = await asyncpg.create_pool(DATABASE_URL, min_size=1, max_size=POOL_SIZE)


async def shutdown() -> None:
    if State.pool is not None:
        await State.pool.close()
    if State.executor is not None:
        State.executor.shutdown()


def sqlite_connection() -> sqlite3.Connection:
    if not hasattr(State.local, "c"):
        from loyalty.db.engines import sqlite_path

        connection = sqlite3.connect(sqlite_path(DATABASE_URL), timeout=30, isolation_level=None)
        connection.row_factory = sqlite3.Row
        connection.execute("PRAGMA foreign_keys = 1")
        connection.execute("PRAGMA synchronous = FULL")
        State.local.c = connection
    found: sqlite3.Connection = State.local.c
    return found


def replay_sqlite(statements: list[dict[str, Any]], caller: Caller) -> list[list[dict[str, Any]]]:
    connection, now = sqlite_connection(), datetime.now(UTC)
    out = []
    for s in statements:
        args = [unmark(v, caller, now, lambda t: t) for v in s["args"]]
        out.append([dict(r) for r in connection.execute(s["sql"], args).fetchall()])
    return out


async def replay_postgres(statements: list[dict[str, Any]], caller: Caller) -> list[list[dict[str, Any]]]:
    now = datetime.now(UTC)
    out = []
    async with State.pool.acquire() as connection:
        for s in statements:
            args = [unmark(v, caller, now, lambda t: t) for v in s["args"]]
            out.append([dict(r) for r in await connection.fetch(s["sql"], *args)])
    return out


async def replay(request: Request[Any, Any, Any], route: str) -> Response[Any]:
    parts = request.headers.get("authorization", "").split()
    caller = State.callers.get(parts[-1]) if len(parts) == 2 else None
    if caller is None:
        return Response({"detail": "unknown token"}, status_code=401)
    statements = State.script[route]
    if SQLITE:
        loop = asyncio.get_running_loop()
        rows = await loop.run_in_executor(State.executor, replay_sqlite, statements, caller)
    else:
        rows = await replay_postgres(statements, caller)
    return Response(rows)


@get("/api/v1/me")
async def me(request: Request[Any, Any, Any]) -> Response[Any]:
    return await replay(request, "/api/v1/me")


@get("/api/v1/me/notifications")
async def notifications(request: Request[Any, Any, Any]) -> Response[Any]:
    return await replay(request, "/api/v1/me/notifications")


@get("/api/v1/rewards")
async def rewards(request: Request[Any, Any, Any]) -> Response[Any]:
    return await replay(request, "/api/v1/rewards")


@get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}


app = Litestar([me, notifications, rewards, health], on_startup=[startup], on_shutdown=[shutdown])
