"""The database layer: engines, write transactions, and the one way to run hand-written SQL.

Rules and invariants:

* SQLite (the embedded default) runs in WAL mode with ``synchronous=FULL``; every write
  transaction starts ``BEGIN IMMEDIATE`` and writers of one process queue on a lock, so
  concurrent writers wait instead of failing with "database is locked". PostgreSQL is chosen by
  a ``postgresql://`` URL.
* Domain functions open writes with :func:`write_transaction` only; nested calls join the
  transaction already open, so domain functions compose into one transaction.
* Hand-written SQL (the earn hot path, the fan-out, the checks) runs through this package alone,
  on the open write transaction's connection, with values always passed as parameters.
* A failure to reach the database (:func:`is_connection_failure`) is told apart from a statement
  the database refused, so the API answers 503 for the first and 4xx/409 for the second.

Modules:

* ``engines``: Database engines and transactions.
* ``dialect``: What differs between SQLite and PostgreSQL in hand-written SQL, in one place.
* ``sql``: The one way to run hand-written SQL, on either engine.
* ``pool``: How much of the connection pool is in use (for the metrics).
* ``probes``: Whether the database is ready: reachable, and every shipped migration run.
* ``time_box``: Reads waited for at most so long, one at a time, never cancelled midway.
* ``sqlite_engine``: SQLite for the embedded set-up: durable pragmas and reused connections.
"""

from loyalty.db.dialect import (
    day_bucket,
    for_no_key_update,
    for_update,
    json_integer,
    listed,
    local_bucket,
    month_day,
    month_of,
    one_of,
    skip_locked,
    table_exists,
    typed,
    whole_days_between,
)
from loyalty.db.engines import (
    MAX_ID,
    SQLITE_BUSY_TIMEOUT_S,
    close_pool,
    current_engine,
    engine_from_url,
    is_connection_failure,
    is_sqlite,
    is_unique_violation,
    open_pool,
    write_transaction,
)
from loyalty.db.pool import PoolUsage, pool_usage
from loyalty.db.probes import readiness, shipped_migrations
from loyalty.db.sql import Row, execute, fetch, fetch_tuples, fetchrow
from loyalty.db.time_box import OneAtATime, within

__all__ = [
    "MAX_ID",
    "SQLITE_BUSY_TIMEOUT_S",
    "OneAtATime",
    "PoolUsage",
    "Row",
    "close_pool",
    "current_engine",
    "day_bucket",
    "engine_from_url",
    "execute",
    "fetch",
    "fetch_tuples",
    "fetchrow",
    "for_no_key_update",
    "for_update",
    "is_connection_failure",
    "is_sqlite",
    "is_unique_violation",
    "json_integer",
    "listed",
    "local_bucket",
    "month_day",
    "month_of",
    "one_of",
    "open_pool",
    "pool_usage",
    "readiness",
    "shipped_migrations",
    "skip_locked",
    "table_exists",
    "typed",
    "whole_days_between",
    "within",
    "write_transaction",
]
