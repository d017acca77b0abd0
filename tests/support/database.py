"""Create, migrate and empty the test database, on either engine."""

from __future__ import annotations

import asyncio
import os
import sqlite3
from typing import Any
from urllib.parse import urlparse, urlunparse

import asyncpg

KEEP_TABLES = {"migration"}


def prepare(url: str) -> None:
    """Make sure the database exists and is empty before Piccolo imports its engine."""
    if url.startswith("sqlite"):
        return  # a new file in a new temporary folder
    asyncio.run(recreate_postgres_schema(url))


async def recreate_postgres_schema(url: str) -> None:
    """Create the PostgreSQL database if it is missing, else empty its public schema (tests and
    benchmarks: everything in it is dropped)."""
    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    try:
        connection = await asyncpg.connect(url)
    except asyncpg.InvalidCatalogNameError:
        admin = await asyncpg.connect(urlunparse(parsed._replace(path="/postgres")))
        await admin.execute(f'CREATE DATABASE "{name}"')
        await admin.close()
        connection = await asyncpg.connect(url)
    await connection.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    await connection.close()


async def migrate() -> None:
    """Run every app's migrations forwards."""
    from piccolo.apps.migrations.commands.forwards import run_forwards

    result = await run_forwards(app_name="all")
    if not result.success:
        raise RuntimeError(f"migrations failed: {result.message}")


async def empty_all_tables() -> None:
    from loyalty.db.engines import current_engine, is_sqlite, sqlite_path

    if is_sqlite():
        path = sqlite_path(os.environ["DATABASE_URL"])
        with sqlite3.connect(path, timeout=30) as connection:
            connection.execute("PRAGMA foreign_keys = OFF")
            names = [
                r[0]
                for r in connection.execute(
                    "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"
                )
            ]
            for name in names:
                if name not in KEEP_TABLES:
                    connection.execute(f'DELETE FROM "{name}"')
            if connection.execute("SELECT 1 FROM sqlite_master WHERE name='sqlite_sequence'").fetchone():
                connection.execute("DELETE FROM sqlite_sequence")
        return
    engine: Any = current_engine()
    rows = await engine._run_in_new_connection("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    names = [r["tablename"] for r in rows if r["tablename"] not in KEEP_TABLES]
    if names:
        quoted = ", ".join(f'"{n}"' for n in names)
        await engine.run_ddl(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE")
