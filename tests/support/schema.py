"""What a database's schema is, read from its catalog (not through Piccolo), so two databases
built different ways can be compared table by table.

A snapshot maps each table to its columns (type, nullability, default, primary key; on
PostgreSQL also the type and bound of each column's sequence), foreign keys (with ON UPDATE /
ON DELETE), indexes (unique or not, columns, partial condition), constraints and triggers.
Names that an engine makes up from the order of the columns (SQLite's
``sqlite_autoindex_<table>_<n>``) are replaced by what they index, so a column declared in
another position compares equal; whitespace inside SQL text does not count.
"""

from __future__ import annotations

import re
import sqlite3
from typing import Any

import asyncpg

Snapshot = dict[str, dict[str, Any]]


def _squash(sql: str | None) -> str:
    return re.sub(r"\s+", " ", sql or "").replace("IF NOT EXISTS ", "").strip()


def sqlite_snapshot(path: str) -> Snapshot:
    with sqlite3.connect(path) as connection:
        tables = [
            row[0]
            for row in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
        snapshot: Snapshot = {}
        for table in tables:
            columns = {
                name: {"type": kind, "not_null": bool(not_null), "default": default, "primary_key": bool(pk)}
                for _, name, kind, not_null, default, pk, _hidden in connection.execute(
                    f'PRAGMA table_xinfo("{table}")'
                )
            }
            foreign_keys = sorted(
                (column, target, target_column, on_update, on_delete)
                for _, _, target, column, target_column, on_update, on_delete, _ in connection.execute(
                    f'PRAGMA foreign_key_list("{table}")'
                )
            )
            indexes: dict[str, Any] = {}
            for _, name, unique, origin, partial in connection.execute(f'PRAGMA index_list("{table}")'):
                index_columns = tuple(row[2] for row in connection.execute(f'PRAGMA index_info("{name}")'))
                sql = connection.execute("SELECT sql FROM sqlite_master WHERE name = ?", (name,)).fetchone()[0]
                key = name if origin == "c" else f"<{origin} {', '.join(index_columns)}>"
                indexes[key] = {
                    "unique": bool(unique),
                    "columns": index_columns,
                    "partial": bool(partial),
                    "sql": _squash(sql),
                }
            triggers = {
                name: _squash(sql)
                for name, sql in connection.execute(
                    "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?", (table,)
                )
            }
            snapshot[table] = {
                "columns": columns,
                "foreign_keys": foreign_keys,
                "indexes": indexes,
                "triggers": triggers,
            }
    return snapshot


async def postgres_snapshot(url: str) -> Snapshot:
    connection = await asyncpg.connect(url)
    try:
        tables = [
            row["tablename"]
            for row in await connection.fetch(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
            )
        ]
        snapshot: Snapshot = {}
        for table in tables:
            columns = {
                row["column_name"]: {
                    "type": row["data_type"],
                    "length": row["character_maximum_length"],
                    "not_null": row["is_nullable"] == "NO",
                    "default": row["column_default"],
                }
                for row in await connection.fetch(
                    "SELECT column_name, data_type, character_maximum_length, is_nullable, column_default "
                    "FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1",
                    table,
                )
            }
            constraints = {
                row["conname"]: {"kind": row["contype"], "definition": row["definition"]}
                for row in await connection.fetch(
                    "SELECT conname, contype::text AS contype, pg_get_constraintdef(oid) AS definition "
                    "FROM pg_constraint WHERE conrelid = ('public.' || quote_ident($1))::regclass",
                    table,
                )
            }
            indexes = {
                row["indexname"]: _squash(row["indexdef"])
                for row in await connection.fetch(
                    "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename = $1", table
                )
            }
            triggers = {
                row["tgname"]: row["definition"]
                for row in await connection.fetch(
                    "SELECT tgname, pg_get_triggerdef(oid) AS definition FROM pg_trigger "
                    "WHERE tgrelid = ('public.' || quote_ident($1))::regclass AND NOT tgisinternal",
                    table,
                )
            }
            options = await connection.fetchval(
                "SELECT reloptions FROM pg_class WHERE oid = ('public.' || quote_ident($1))::regclass", table
            )
            # A column's sequence has a type of its own: a SERIAL widened to bigint still stops at
            # 2**31 - 1 unless its sequence was widened too.
            sequences = {
                row["column_name"]: (row["data_type"], row["maximum_value"])
                for row in await connection.fetch(
                    "SELECT a.attname AS column_name, format_type(s.seqtypid, NULL) AS data_type, "
                    "s.seqmax AS maximum_value FROM pg_depend d "
                    "JOIN pg_sequence s ON s.seqrelid = d.objid "
                    "JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid "
                    "WHERE d.classid = 'pg_class'::regclass AND d.refobjid = ('public.' || quote_ident($1))::regclass "
                    "AND d.deptype = 'a'",
                    table,
                )
            }
            snapshot[table] = {
                "columns": columns,
                "sequences": sequences,
                "constraints": constraints,
                "indexes": indexes,
                "triggers": triggers,
                "options": sorted(options or []),
            }
        return snapshot
    finally:
        await connection.close()


async def snapshot(url: str) -> Snapshot:
    if url.startswith("sqlite"):
        return sqlite_snapshot(url[len("sqlite:///") :])
    return await postgres_snapshot(url)


def differences(left: Snapshot, right: Snapshot) -> dict[str, Any]:
    """Per table, what differs: a readable assertion message when two schemas disagree."""
    found: dict[str, Any] = {}
    for table in sorted(set(left) | set(right)):
        if table not in left or table not in right:
            found[table] = "only in " + ("left" if table in left else "right")
            continue
        for part in left[table]:
            a, b = left[table][part], right[table][part]
            if a == b:
                continue
            if isinstance(a, dict) and isinstance(b, dict):
                found[f"{table}.{part}"] = {
                    key: (a.get(key, "<missing>"), b.get(key, "<missing>"))
                    for key in sorted(set(a) | set(b))
                    if a.get(key) != b.get(key)
                }
            else:
                found[f"{table}.{part}"] = (a, b)
    return found
