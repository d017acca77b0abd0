"""How busy this process's PostgreSQL connection pool is, for the operators' metrics.

SQLite has no pool that can run out: the engine opens a connection when a query or transaction
needs one (keeping a few idle ones, ``loyalty.db.sqlite_engine``), with no upper bound, and what
writers wait for is the database's single write lock. So on SQLite there is nothing to report.
"""

from __future__ import annotations

from dataclasses import dataclass

from piccolo.engine.postgres import PostgresEngine

from loyalty.db.engines import current_engine


@dataclass(frozen=True)
class PoolUsage:
    open: int  # connections the pool holds now
    idle: int
    max_size: int

    @property
    def in_use(self) -> int:
        return self.open - self.idle


def pool_usage() -> PoolUsage | None:
    """None on SQLite, and before the pool is opened (or after it is closed)."""
    engine = current_engine()
    if not isinstance(engine, PostgresEngine) or engine.pool is None:
        return None
    pool = engine.pool
    return PoolUsage(open=pool.get_size(), idle=pool.get_idle_size(), max_size=pool.get_max_size())
