"""Waiting at most so long for a database read, without cancelling the read.

Cancelling a statement mid-flight is not safe on SQLite: aiosqlite runs it to its end on the
connection's thread anyway, and the cursor the cancelled caller never received keeps its read
snapshot open, so the pooled connection's next ``BEGIN IMMEDIATE`` fails at once with "database
is locked". So the read runs to its end in a task of its own, and only the wait is time-boxed.

:class:`OneAtATime` also keeps a slow database from piling reads up: while one read is running,
callers wait for that one instead of starting another.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

T = TypeVar("T")


def _retrieve(task: asyncio.Task[object]) -> None:
    # A read nobody waited for to the end may still fail: take its error so asyncio does not log
    # "exception was never retrieved" (the caller already reported the read as not in time).
    if not task.cancelled():
        task.exception()


async def within(timeout_s: float, read: Awaitable[T]) -> T:
    """``read``'s result, or ``TimeoutError`` after ``timeout_s`` while ``read`` goes on to its end."""
    task = asyncio.ensure_future(read)
    task.add_done_callback(_retrieve)
    return await asyncio.wait_for(asyncio.shield(task), timeout_s)


class OneAtATime(Generic[T]):
    """One read of this kind in flight per event loop; callers share it."""

    def __init__(self, read: Callable[[], Awaitable[T]]) -> None:
        self._read = read
        self._running: dict[asyncio.AbstractEventLoop, asyncio.Task[T]] = {}

    async def within(self, timeout_s: float) -> T:
        loop = asyncio.get_running_loop()
        task = self._running.get(loop)
        if task is None or task.done():
            task = asyncio.ensure_future(self._read())
            task.add_done_callback(_retrieve)
            self._running = {loop: task}  # a loop that is gone keeps nothing alive
        return await asyncio.wait_for(asyncio.shield(task), timeout_s)
