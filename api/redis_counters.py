"""Rate-limit counts kept in Redis, so every API process spends one shared budget.

Each count is a key that lives for its window: ``INCR``, and ``EXPIRE`` on the first hit, in one
Lua script, so a hit is atomic across processes (Litestar's ``RedisStore`` offers get/set only,
which two processes would race on). The client is ``redis.asyncio`` with its own connection
pool; a pool belongs to the event loop that made it, so one is made per loop.
"""

from __future__ import annotations

import asyncio
from typing import Any

from redis import asyncio as aioredis
from redis.exceptions import RedisError as _DriverError

HIT = """
local n = redis.call('INCR', KEYS[1])
local ttl = redis.call('TTL', KEYS[1])
if ttl < 0 then redis.call('EXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {n, ttl}
"""
PEEK = """
local n = tonumber(redis.call('GET', KEYS[1]) or '0')
return {n, redis.call('TTL', KEYS[1])}
"""
TIMEOUT_S = 2.0


class RedisError(Exception):
    """Redis answered with an error, or could not be reached."""


class RedisCounters:
    """Fixed-window counters: ``hit`` counts one, ``peek`` reads; both give (count, seconds left)."""

    def __init__(self, url: str, prefix: str) -> None:
        if not url.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError(f"REDIS_URL must be redis://host:port/db (or rediss://, unix://), not {url!r}")
        self.url = url
        self.prefix = prefix
        self._client: aioredis.Redis | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    async def hit(self, key: str, window_s: int) -> tuple[int, int]:
        count, ttl = await self.command("EVAL", HIT, 1, self.prefix + key, window_s)
        return int(count), max(int(ttl), 0)

    async def peek(self, key: str, window_s: int) -> tuple[int, int]:
        count, ttl = await self.command("EVAL", PEEK, 1, self.prefix + key)
        return int(count), max(int(ttl), 0) if int(count) else window_s

    async def clear(self, key: str) -> None:
        await self.command("DEL", self.prefix + key)

    async def command(self, *args: str | int) -> Any:
        """One command and its reply, decoded to text; any failure is a :class:`RedisError`."""
        try:
            return await self._connected().execute_command(*args)  # type: ignore[no-untyped-call]
        except (_DriverError, OSError, TimeoutError) as exc:
            raise RedisError(f"redis at {self.url.rsplit('@', 1)[-1]}: {exc!r}") from exc

    async def close(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            await client.aclose()

    def _connected(self) -> aioredis.Redis:
        loop = asyncio.get_running_loop()
        if self._client is None or self._loop is not loop:
            # Tests run apps on new loops; a pool opened on another loop cannot be used here.
            self._loop = loop
            self._client = aioredis.Redis.from_url(
                self.url, decode_responses=True, socket_timeout=TIMEOUT_S, socket_connect_timeout=TIMEOUT_S
            )
        return self._client
