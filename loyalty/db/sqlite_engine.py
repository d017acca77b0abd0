"""SQLite for the embedded set-up: durable pragmas and reused connections.

Piccolo's SQLite engine opens a new connection (and a thread) for every query outside a
transaction and for every transaction, and repeats ``PRAGMA foreign_keys`` before each query
inside one, a cost every read path pays. This engine keeps up to ``MAX_CONNECTIONS``
connections, each already set up (foreign keys on, ``synchronous = FULL``, dict rows), and hands
them out again. A connection goes back to the pool only when it is outside any transaction and
its statement ran to the end; otherwise it is closed. A statement whose caller was cancelled
would keep running in the connection's thread, and a connection handed out again in that state
made the next writer wait on it and fail with "database is locked": it is interrupted and
closed. Pooled connection threads are daemons, so an idle pool never keeps a command from
exiting (WAL keeps committed data safe whatever happens to an idle connection).

When all are in use, a caller waits for one to come back, first come first served: under a herd
of requests, opening a connection (and its thread) per query cost more than the query itself
(measured by bench/reads.py: one open per request at 200 clients). A caller that has waited
``OVERFLOW_AFTER_S`` opens one of its own, closed when given back: the bound never deadlocks a
caller that holds one connection and asks for another.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections import deque
from typing import Any

import aiosqlite
from piccolo.engine.sqlite import SQLiteEngine, dict_factory

MAX_CONNECTIONS = 8
OVERFLOW_AFTER_S = 5.0


class PooledConnection:
    """What a Piccolo transaction holds: ``close()`` gives the connection back to the pool."""

    def __init__(self, connection: aiosqlite.Connection, engine: DurableSQLiteEngine) -> None:
        self.raw = connection
        self._engine = engine

    def __getattr__(self, name: str) -> Any:
        return getattr(self.raw, name)

    async def close(self) -> None:
        await self._engine.release(self.raw)


class DurableSQLiteEngine(SQLiteEngine):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._idle: list[aiosqlite.Connection] = []
        self._closing: set[asyncio.Future[None]] = set()
        self._open_count = 0  # idle, in use, and being opened
        # Each waiter gets a connection handed over, or None: a slot is free, open one.
        self._waiters: deque[asyncio.Future[aiosqlite.Connection | None]] = deque()

    async def _open(self) -> aiosqlite.Connection:
        pending = aiosqlite.connect(**self.connection_kwargs)
        pending._thread.daemon = True  # see the module docstring
        connection = await pending
        connection.row_factory = dict_factory  # type: ignore[assignment]
        await connection.execute("PRAGMA foreign_keys = 1")
        await connection.execute("PRAGMA synchronous = FULL")
        return connection

    async def _open_counted(self) -> aiosqlite.Connection:
        self._open_count += 1
        try:
            return await self._open()
        except BaseException:
            self._open_count -= 1
            raise

    async def _close_counted(self, connection: aiosqlite.Connection) -> None:
        self._open_count -= 1
        try:
            await connection.close()
        finally:
            while self._waiters and self._open_count < MAX_CONNECTIONS:
                waiter = self._waiters.popleft()
                if not waiter.done():
                    waiter.set_result(None)
                    break

    async def acquire(self) -> aiosqlite.Connection:
        if self._idle:
            return self._idle.pop()
        if self._open_count < MAX_CONNECTIONS:
            return await self._open_counted()
        waiter: asyncio.Future[aiosqlite.Connection | None] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            await asyncio.wait({waiter}, timeout=OVERFLOW_AFTER_S)
        except BaseException:  # cancelled while waiting: a connection handed over goes back
            if waiter.done() and (handed := waiter.result()) is not None:
                await self.release(handed)
            waiter.cancel()
            raise
        if not waiter.done():
            waiter.cancel()
            self._waiters.remove(waiter)
            return await self._open_counted()
        handed = waiter.result()
        return handed if handed is not None else await self._open_counted()

    async def release(self, connection: aiosqlite.Connection) -> None:
        if connection.in_transaction or self._open_count > MAX_CONNECTIONS:
            await self._close_counted(connection)
            return
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(connection)
                return
        self._idle.append(connection)

    def discard(self, connection: aiosqlite.Connection) -> None:
        """Stop a statement whose caller has gone and close its connection, without waiting: the
        close queues behind that statement in the connection's own thread."""
        connection._conn.interrupt()  # thread-safe in sqlite3; the statement ends with "interrupted"
        closing = asyncio.ensure_future(self._close_counted(connection))
        self._closing.add(closing)
        closing.add_done_callback(self._closing.discard)

    async def close_idle(self) -> None:
        while self._idle:
            await self._close_counted(self._idle.pop())

    async def get_connection(self) -> Any:  # a transaction's connection
        return PooledConnection(await self.acquire(), self)

    async def _run_in_new_connection(
        self, query: str, args: list[Any] | None = None, query_type: str = "generic", table: Any = None
    ) -> Any:
        connection = await self.acquire()
        try:
            async with connection.execute(query, args or []) as cursor:
                rows = await cursor.fetchall()
            if connection.in_transaction:
                await connection.commit()
        except sqlite3.Error:
            await self.release(connection)  # the statement ended with its error
            raise
        except BaseException:
            self.discard(connection)
            raise
        await self.release(connection)
        return rows

    async def _run_in_existing_connection(
        self, connection: Any, query: str, args: list[Any] | None = None, query_type: str = "generic", table: Any = None
    ) -> Any:
        raw = connection.raw if isinstance(connection, PooledConnection) else connection
        async with raw.execute(query, args or []) as cursor:
            return await cursor.fetchall()
