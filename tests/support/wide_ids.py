"""Ids past 2**31 in every 64-bit table, so a test sees what a database years old would hold.

PostgreSQL: each table's sequence restarts far past 2**31 (each table at its own offset, so an
id used in the wrong table names nothing). SQLite picks the largest id plus one, so a
placeholder row sits at the offset until the test has written its own rows, then goes:
:func:`drop_placeholders`. A placeholder is made to match nothing the code looks for (no member,
no status, already processed), and the tables are emptied after each test anyway.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from loyalty.db.engines import current_engine, is_sqlite, sqlite_path
from loyalty.ids import WIDE_TABLES

BASE = 3_000_000_000
STEP = 10_000_000
OFFSETS = {table: BASE + STEP * number for number, table in enumerate(sorted(WIDE_TABLES))}
STAMP = "2000-01-01T00:00:00+00:00"
# Values a CHECK rule demands, chosen so that no job picks the row up.
SET = {("delivery", "status"): "skipped"}


@contextmanager
def _sqlite() -> Iterator[sqlite3.Connection]:
    with sqlite3.connect(sqlite_path(os.environ["DATABASE_URL"]), timeout=30) as connection:
        connection.execute("PRAGMA foreign_keys = OFF")
        yield connection


def _filler(kind: str, not_null: bool, is_reference: bool) -> object:
    kind = kind.upper()
    if is_reference:
        return 0 if not_null else None
    if "TIMESTAMP" in kind:
        return STAMP  # set even where NULL is allowed: "already processed, read, sent"
    if not not_null:
        return None
    if kind in ("INTEGER", "BIGINT", "SMALLINT"):
        return 1
    if kind == "JSON":
        return "{}"
    return ""


async def ids_past_int32() -> None:
    if not is_sqlite():
        for table, offset in OFFSETS.items():
            await current_engine().run_ddl(f'ALTER SEQUENCE "{table}_id_seq" RESTART WITH {offset}')
        return
    with _sqlite() as connection:
        for table, offset in OFFSETS.items():
            references = {row[3] for row in connection.execute(f'PRAGMA foreign_key_list("{table}")')}
            values: dict[str, object] = {}
            for _, name, kind, not_null, _default, _pk in connection.execute(f'PRAGMA table_info("{table}")'):
                if name == "id":
                    values[name] = offset - 1
                elif (table, name) in SET:
                    values[name] = SET[table, name]
                else:
                    values[name] = _filler(kind, bool(not_null), name in references)
            names = ", ".join(f'"{name}"' for name in values)
            marks = ", ".join("?" for _ in values)
            connection.execute(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', list(values.values()))


async def drop_placeholders() -> None:
    if is_sqlite():
        with _sqlite() as connection:
            for table, offset in OFFSETS.items():
                connection.execute(f'DELETE FROM "{table}" WHERE id = ?', (offset - 1,))
