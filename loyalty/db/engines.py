"""Database engines and transactions.

Rules: SQLite runs in WAL mode with ``synchronous=FULL`` and a busy timeout, and every
write transaction starts ``BEGIN IMMEDIATE`` so that concurrent writers queue instead of
failing with "database is locked". PostgreSQL is chosen by a ``postgres://`` or
``postgresql://`` URL. Domain functions open writes with :func:`write_transaction` only.

Nothing relies on session state (no session ``SET``, ``LISTEN``, advisory locks or temporary
tables), so a pooler in transaction mode (PgBouncer) may hand each transaction to another server
connection. With ``DB_TRANSACTION_POOLER`` asyncpg keeps no named prepared statements (PgBouncer
before 1.21 cannot follow them across server connections), and the API's and the worker's
statement timeout, which the pooler refuses as a connection parameter, is ``SET LOCAL`` at the
start of each write transaction, with asyncpg's own timeout behind every other statement.
"""

from __future__ import annotations

import asyncio
import errno
import socket
import sqlite3
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import unquote, urlparse

import asyncpg
from piccolo.engine.base import Engine
from piccolo.engine.finder import engine_finder
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, TransactionType

from loyalty.db.sqlite_engine import DurableSQLiteEngine
from loyalty.settings import DATABASE, DEFAULT_DATABASE_URL, PoolSettings

SQLITE_BUSY_TIMEOUT_S = 30.0
# The largest id a SERIAL column holds (PostgreSQL int4: the set-up tables, whose ids staff type;
# the tables that grow have 64-bit ids, see loyalty.ids): callers check a staff-typed id against
# it, so a bigger one is "not found" rather than an out-of-range error from the database.
MAX_ID = 2**31 - 1


def sqlite_path(url: str) -> str:
    """``sqlite:///rel/path`` is relative to the working folder, ``sqlite:////abs`` absolute."""
    rest = url[len("sqlite://") :]
    if not rest.startswith("/"):
        raise ValueError(f"bad SQLite URL {url!r}: expected sqlite:///path")
    return unquote(rest[1:]) or DEFAULT_DATABASE_URL[len("sqlite:///") :]


def engine_from_url(url: str, *, transaction_pooler: bool = False) -> Engine[Any]:
    scheme = urlparse(url).scheme
    if scheme == "sqlite":
        path = sqlite_path(url)
        prepare_sqlite_file(path)
        return DurableSQLiteEngine(path=path, timeout=SQLITE_BUSY_TIMEOUT_S)
    if scheme in ("postgres", "postgresql"):
        config: dict[str, Any] = {"dsn": url}
        if transaction_pooler:
            # Unnamed statements only: asyncpg sends Parse/Describe/Flush, then Bind/Execute/Sync,
            # and PgBouncer keeps one server connection until the Sync.
            config["statement_cache_size"] = 0
        return PostgresEngine(config=config, log_queries=False)
    raise ValueError(f"unsupported DATABASE_URL scheme {scheme!r}: use sqlite:/// or postgresql://")


def prepare_sqlite_file(path: str) -> None:
    """WAL is a property of the file, set once; it lets readers run beside a writer."""
    with sqlite3.connect(path, timeout=SQLITE_BUSY_TIMEOUT_S) as connection:
        connection.execute("PRAGMA journal_mode = WAL")


_engine: Engine[Any] | None = None


def current_engine() -> Engine[Any]:
    """The configured engine, found once: ``engine_finder`` imports piccolo_conf on every call,
    measurable at the till's rate. Piccolo's tables cache theirs the same way."""
    global _engine
    if _engine is None:
        found = engine_finder()
        if found is None:
            raise RuntimeError("no Piccolo engine configured (piccolo_conf.DB)")
        _engine = found
    return _engine


def is_sqlite() -> bool:
    return isinstance(current_engine(), SQLiteEngine)


def write_transaction() -> Any:
    """A transaction for a business change: IMMEDIATE on SQLite, ordinary on PostgreSQL.

    Nested calls join the transaction already open, so domain functions compose.
    """
    engine = current_engine()
    if isinstance(engine, SQLiteEngine):
        return _sqlite_write(engine)
    assert isinstance(engine, PostgresEngine)
    return _postgres_write(engine)


@asynccontextmanager
async def _postgres_write(engine: PostgresEngine) -> AsyncIterator[None]:
    """Piccolo's transaction, except that a task cancelled while it starts gives its connection
    back. Piccolo takes the connection, then awaits BEGIN; cancelled in between, its ``__aexit__``
    never runs, and the connection stays checked out "idle in transaction": closing the pool
    then waits for it for ever."""
    transaction = engine.transaction()
    try:
        await transaction.__aenter__()
    except BaseException:
        connection = getattr(transaction, "connection", None)
        if transaction._parent is None and connection is not None:
            # asyncpg rolls back a connection handed back mid-transaction.
            await (engine.pool.release(connection) if engine.pool else connection.close())
        raise
    try:
        if _local_timeout_ms and transaction._parent is None:
            await transaction.connection.execute(f"SET LOCAL statement_timeout = {_local_timeout_ms}")
        yield
    except BaseException as exc:
        await transaction.__aexit__(type(exc), exc, exc.__traceback__)
        raise
    await transaction.__aexit__(None, None, None)


_WRITERS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = weakref.WeakKeyDictionary()


@asynccontextmanager
async def _sqlite_write(engine: SQLiteEngine) -> AsyncIterator[None]:
    """SQLite has one writer at a time. Writers of this process queue first-come first-served
    on a lock instead of all polling the busy timeout (which made the slowest wait seconds);
    other processes are still held off by BEGIN IMMEDIATE and the busy timeout."""
    if engine.current_transaction.get() is not None:
        async with engine.transaction(transaction_type=TransactionType.immediate):
            yield
        return
    loop = asyncio.get_running_loop()
    lock = _WRITERS.setdefault(loop, asyncio.Lock())
    async with lock, engine.transaction(transaction_type=TransactionType.immediate):
        yield


# The statement timeout each write transaction sets (transaction pooler only; 0: none).
_local_timeout_ms = 0


async def open_pool(pool: PoolSettings | None = None, *, max_size: int | None = None) -> None:
    """PostgreSQL only: this process's pool (the API's settings unless told). With min_size 0 (the
    default) the API starts, and /health says 503, while the database is down.

    The statement timeout is the server's ``statement_timeout``: a connection parameter when
    connected straight to PostgreSQL; behind a transaction pooler, ``SET LOCAL`` in each write
    transaction plus asyncpg's ``command_timeout`` (a second later, so inside a transaction the
    server's own cancel comes first) for the statements run outside one."""
    global _local_timeout_ms
    engine = current_engine()
    if not isinstance(engine, PostgresEngine):
        return
    pool = pool or DATABASE.pool("api")
    size = max_size or pool.max_size
    kwargs: dict[str, Any] = {"min_size": min(pool.min_size, size), "max_size": size}
    timeout = pool.statement_timeout_ms
    if timeout and pool.transaction_pooler:
        _local_timeout_ms = timeout
        kwargs["command_timeout"] = timeout / 1000 + 1
    elif timeout:
        kwargs["server_settings"] = {"statement_timeout": str(timeout)}
    await engine.start_connection_pool(**kwargs, reset=_keep_session)


async def _keep_session(connection: asyncpg.Connection[Any]) -> None:
    """What a connection given back to the pool runs on the server: nothing.

    asyncpg's default sends ``pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; RESET ALL`` on
    every release, a round trip as long as the query itself, and Piccolo takes a connection per
    query outside a transaction. None of that state is ever left behind here: no advisory locks
    or LISTEN (DESIGN.md §3), cursors only inside transactions, settings only by ``SET LOCAL``
    (the statement timeout set when the connection opens is meant to stay). asyncpg still rolls
    back a transaction left open before calling this.
    """


async def close_pool() -> None:
    global _local_timeout_ms
    _local_timeout_ms = 0
    engine = current_engine()
    if isinstance(engine, PostgresEngine):
        await engine.close_connection_pool()
    elif isinstance(engine, DurableSQLiteEngine):
        await engine.close_idle()


def is_unique_violation(exc: BaseException) -> bool:
    """A UNIQUE rule refused a write (sqlite3.IntegrityError or asyncpg's UniqueViolationError)."""
    text = f"{type(exc).__name__} {exc}".lower()
    return "unique" in text or "duplicate key" in text


# Failures of reaching the database at all, as opposed to a statement it refused.
_UNREACHABLE = (
    asyncpg.PostgresConnectionError,  # SQLSTATE class 08: connection lost, cannot connect
    asyncpg.CannotConnectNowError,  # starting up or shutting down
    asyncpg.AdminShutdownError,
    asyncpg.CrashShutdownError,
    asyncpg.TooManyConnectionsError,
    asyncpg.QueryCanceledError,  # the statement timeout: the database is too busy just now
    ConnectionError,  # refused, reset, aborted
    TimeoutError,
    socket.gaierror,  # the host name does not resolve
)
_NET_ERRNOS = {errno.ENETUNREACH, errno.EHOSTUNREACH, errno.ENETDOWN, errno.EHOSTDOWN, errno.ECONNRESET}
_SQLITE_UNREACHABLE = ("unable to open database", "disk i/o error", "database is locked")


def is_connection_failure(exc: BaseException) -> bool:
    """The database could not be reached, opened or used just now: a retry later may succeed.

    Looks through the exception's causes too, since drivers and pools re-raise what they met.
    """
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if _unreachable(current):
            return True
        current = current.__cause__ or current.__context__
    return False


def _unreachable(exc: BaseException) -> bool:
    if isinstance(exc, _UNREACHABLE):
        return True
    if isinstance(exc, sqlite3.OperationalError):
        return str(exc).lower().startswith(_SQLITE_UNREACHABLE)
    if isinstance(exc, OSError):
        # asyncio joins the failures of several addresses (localhost: ::1 and 127.0.0.1) in one.
        return exc.errno in _NET_ERRNOS or str(exc).startswith("Multiple exceptions: [Errno")
    return False
