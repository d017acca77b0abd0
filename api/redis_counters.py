"""Rate-limit counts kept in Redis, so every API process spends one shared budget.

The ``redis`` package is not in the lock (``litestar[standard]`` does not bring it, and
Litestar's ``RedisStore`` needs it and has no atomic increment anyway), so this speaks the one
command it needs, ``EVAL``, in RESP2 over one asyncio connection per process and event loop.
Each count is a key that lives for its window (``INCR``, and ``EXPIRE`` on the first hit, in one
script: atomic across processes). Swap this for ``redis.asyncio`` once it is in the lock.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any
from urllib.parse import unquote, urlparse

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
CONNECT_TIMEOUT_S = 2.0
REPLY_TIMEOUT_S = 2.0


class RedisError(Exception):
    """Redis answered with an error, or could not be reached."""


class RedisCounters:
    """Fixed-window counters: ``hit`` counts one, ``peek`` reads; both give (count, seconds left)."""

    def __init__(self, url: str, prefix: str) -> None:
        parsed = urlparse(url)
        if parsed.scheme not in ("redis", "rediss"):
            raise ValueError(f"REDIS_URL must be redis://host:port/db, not {url!r}")
        if parsed.scheme == "rediss":
            raise ValueError("rediss:// (TLS) is not supported yet: use redis:// on a private network")
        self.host = parsed.hostname or "127.0.0.1"
        self.port = parsed.port or 6379
        self.db = int(parsed.path.strip("/") or 0)
        self.username = unquote(parsed.username) if parsed.username else None
        self.password = unquote(parsed.password) if parsed.password else None
        self.prefix = prefix
        self._streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._lock: asyncio.Lock | None = None

    async def hit(self, key: str, window_s: int) -> tuple[int, int]:
        count, ttl = await self.command("EVAL", HIT, 1, self.prefix + key, window_s)
        return int(count), max(int(ttl), 0)

    async def peek(self, key: str, window_s: int) -> tuple[int, int]:
        count, ttl = await self.command("EVAL", PEEK, 1, self.prefix + key)
        return int(count), max(int(ttl), 0) if int(count) else window_s

    async def clear(self, key: str) -> None:
        await self.command("DEL", self.prefix + key)

    async def command(self, *args: str | int) -> Any:
        """One command and its reply; a broken connection is dropped and the error raised."""
        loop = asyncio.get_running_loop()
        if self._loop is not loop:
            # A connection belongs to the loop that opened it (tests run apps on new loops).
            self._loop, self._lock, self._streams = loop, asyncio.Lock(), None
        assert self._lock is not None
        async with self._lock:
            try:
                reader, writer = await self._connected()
                writer.write(_encode(args))
                await writer.drain()
                reply = await asyncio.wait_for(_read_reply(reader), REPLY_TIMEOUT_S)
            except (TimeoutError, OSError, asyncio.IncompleteReadError) as exc:
                await self._drop()
                raise RedisError(f"redis at {self.host}:{self.port}: {exc!r}") from exc
        if isinstance(reply, RedisError):
            raise reply
        return reply

    async def close(self) -> None:
        await self._drop()

    async def _connected(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if self._streams is not None:
            return self._streams
        reader, writer = await asyncio.wait_for(asyncio.open_connection(self.host, self.port), CONNECT_TIMEOUT_S)
        self._streams = (reader, writer)
        setup: list[tuple[str | int, ...]] = []
        if self.password is not None:
            setup.append(("AUTH", self.username, self.password) if self.username else ("AUTH", self.password))
        if self.db:
            setup.append(("SELECT", self.db))
        for args in setup:
            writer.write(_encode(args))
            await writer.drain()
            reply = await asyncio.wait_for(_read_reply(reader), REPLY_TIMEOUT_S)
            if isinstance(reply, RedisError):
                await self._drop()
                raise reply
        return reader, writer

    async def _drop(self) -> None:
        streams, self._streams = self._streams, None
        if streams is not None:
            streams[1].close()
            with contextlib.suppress(OSError):
                await streams[1].wait_closed()


def _encode(args: tuple[str | int, ...]) -> bytes:
    out = [b"*%d\r\n" % len(args)]
    for arg in args:
        data = str(arg).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(data), data))
    return b"".join(out)


async def _read_reply(reader: asyncio.StreamReader) -> Any:
    line = (await reader.readuntil(b"\r\n"))[:-2]
    kind, rest = line[:1], line[1:]
    if kind == b"+":
        return rest.decode()
    if kind == b"-":
        return RedisError(rest.decode())
    if kind == b":":
        return int(rest)
    if kind == b"$":
        size = int(rest)
        if size < 0:
            return None
        data = await reader.readexactly(size + 2)
        return data[:-2].decode()
    if kind == b"*":
        size = int(rest)
        return None if size < 0 else [await _read_reply(reader) for _ in range(size)]
    raise RedisError(f"unexpected reply from redis: {line[:80]!r}")
