"""What SQL the member app's read routes run, captured from the app itself (for bench/reads.py).

The app is driven in this process (its lifespan entered, ``httpx.ASGITransport``) while the
database drivers' query methods are wrapped to record every statement text and its arguments.
The result is a *script* per route: the statements in order, with the calling member's values
(its id, Firebase uid, phone) and times turned into markers, so that the anchor
(``bench/reads_anchor.py``) replays the same texts for any member.
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

# Not the route's own: set-up of a new SQLite connection, asyncpg's reset of a pooled one on
# release (the anchor's pool runs it too, once per request).
DRIVER_STATEMENTS = ("PRAGMA", "SELECT PG_ADVISORY_UNLOCK_ALL()")
Script = dict[str, list[dict[str, Any]]]  # route → [{"method", "sql", "args"}]


@dataclass(frozen=True)
class Caller:
    member_id: int
    uid: str
    phone: str


@asynccontextmanager
async def running_app() -> AsyncIterator[Any]:
    """``api.app.create_app()`` with its lifespan entered (one task, as anyio demands)."""
    from api.app import create_app

    application = create_app()
    started, stop = asyncio.Event(), asyncio.Event()

    async def run_lifespan() -> None:
        async with application.lifespan():
            started.set()
            await stop.wait()

    task = asyncio.create_task(run_lifespan())
    await asyncio.wait([task, asyncio.create_task(started.wait())], return_when=asyncio.FIRST_COMPLETED)
    if task.done():
        task.result()
    try:
        yield application
    finally:
        stop.set()
        await task


@contextmanager
def recording(sink: list[tuple[str, str, tuple[Any, ...]]]) -> Iterator[None]:
    """Record (method, sql, args) of every statement either driver runs while inside."""
    import aiosqlite
    import asyncpg.connection

    patched: list[tuple[Any, str, Any]] = []

    def wrap(cls: Any, name: str, sqlite: bool) -> None:
        original = getattr(cls, name)

        @functools.wraps(original)
        def wrapper(self: Any, sql: str, *args: Any, **kwargs: Any) -> Any:
            values = tuple(args[0] or ()) if sqlite and args else tuple(args)
            sink.append((name, sql, values))
            return original(self, sql, *args, **kwargs)

        patched.append((cls, name, original))
        setattr(cls, name, wrapper)

    for name in ("execute", "execute_fetchall"):
        wrap(aiosqlite.Connection, name, sqlite=True)
    for name in ("fetch", "fetchrow", "fetchval", "execute"):
        wrap(asyncpg.connection.Connection, name, sqlite=False)
    try:
        yield
    finally:
        for cls, name, original in patched:
            setattr(cls, name, original)


def marker(value: Any, caller: Caller, at: datetime) -> Any:
    """A JSON form of one argument: the caller's own values and times become markers."""
    if isinstance(value, bool) or value is None or isinstance(value, float):
        return value
    if isinstance(value, int):
        return {"$": "member_id"} if value == caller.member_id else value
    if isinstance(value, str):
        if value == caller.uid:
            return {"$": "uid"}
        if value == caller.phone:
            return {"$": "phone"}
        return value
    if isinstance(value, datetime):
        return {"$": "time", "offset_s": (value - at).total_seconds()}
    if isinstance(value, date):
        return {"$": "date", "iso": value.isoformat()}
    raise TypeError(f"the read path passed a {type(value).__name__} the anchor cannot replay: {value!r}")


def unmark(value: Any, caller: Caller, now: datetime, time_text: Callable[[datetime], Any]) -> Any:
    """The argument for ``caller`` at ``now`` (``time_text``: how this engine takes a datetime)."""
    from datetime import timedelta

    if not isinstance(value, dict):
        return value
    kind = value["$"]
    if kind == "member_id":
        return caller.member_id
    if kind == "uid":
        return caller.uid
    if kind == "phone":
        return caller.phone
    if kind == "time":
        return time_text(now + timedelta(seconds=value["offset_s"]))
    return date.fromisoformat(value["iso"])


async def capture(routes: list[str], token: str, caller: Caller) -> Script:
    """Each route's statements, from its second call (the first warms caches)."""
    import httpx

    script: Script = {}
    async with running_app() as application:
        for name in ("httpx", "api.access"):  # the capture's own requests are not the report's
            logging.getLogger(name).setLevel(logging.WARNING)
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            headers = {"Authorization": f"Bearer {token}"}
            for route in routes:
                (await client.get(route, headers=headers)).raise_for_status()
                sink: list[tuple[str, str, tuple[Any, ...]]] = []
                at = datetime.now(UTC)
                with recording(sink):
                    (await client.get(route, headers=headers)).raise_for_status()
                script[route] = [
                    {"method": method, "sql": sql, "args": [marker(v, caller, at) for v in args]}
                    for method, sql, args in sink
                    if not sql.lstrip().upper().startswith(DRIVER_STATEMENTS)
                ]
    json.dumps(script)  # fails here, not in the anchor, if anything is not replayable
    return script
