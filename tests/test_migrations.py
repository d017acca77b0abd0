"""Migrations stand alone, run both ways, and build the schema the Table classes declare.

They run here the way an operator runs them, with Piccolo's CLI in a process of its own, against
a database of their own so the session's database is left alone: on SQLite a new file per test,
on PostgreSQL the database of ``DATABASE_URL`` with the suffix ``_migrations`` (created if
missing, its public schema emptied before each test).
"""

from __future__ import annotations

import ast
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import asyncpg
import pytest

from tests.conftest import DATABASE_URL, IS_POSTGRES
from tests.support import database
from tests.support.schema import Snapshot, differences, snapshot

ROOT = Path(__file__).resolve().parent.parent
MIGRATION_FILES = sorted(
    path
    for folder in ("loyalty/piccolo_migrations", "notifications/piccolo_migrations")
    for path in (ROOT / folder).glob("*.py")
    if path.name != "__init__.py"
)
PROJECT_PACKAGES = {"loyalty", "notifications", "api", "admin"}
# What the migrations of Piccolo's own apps leave behind once undone: the table of migrations.
BOOKKEEPING = {"migration"}


@pytest.fixture
def migrations_url(tmp_path: Path) -> str:
    if not IS_POSTGRES:
        return f"sqlite:///{tmp_path}/migrations.sqlite"
    parsed = urlparse(DATABASE_URL)
    return urlunparse(parsed._replace(path=f"{parsed.path}_migrations"))


async def _empty(url: str) -> None:
    if IS_POSTGRES:
        await database.recreate_postgres_schema(url)
    else:
        _remove_sqlite_file(url[len("sqlite:///") :])


def _remove_sqlite_file(path: str) -> None:
    for leftover in (path, f"{path}-wal", f"{path}-shm"):  # a stale WAL would not match a new file
        Path(leftover).unlink(missing_ok=True)


def _run(url: str, *args: str) -> str:
    environment = {**os.environ, "DATABASE_URL": url, "PICCOLO_CONF": "piccolo_conf"}
    done = subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def _piccolo(url: str, *args: str) -> str:
    return _run(url, "-m", "piccolo.main", *args)


async def _schema(url: str) -> Snapshot:
    found = await snapshot(url)
    for table in BOOKKEEPING:
        found.pop(table, None)
    return found


async def _migrations_recorded(url: str) -> int:
    if IS_POSTGRES:
        connection = await asyncpg.connect(url)
        try:
            return int(await connection.fetchval("SELECT count(*) FROM migration"))
        finally:
            await connection.close()
    with sqlite3.connect(url[len("sqlite:///") :]) as connection:
        return int(connection.execute("SELECT count(*) FROM migration").fetchone()[0])


def _imported_packages(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_no_migration_imports_project_code_or_a_private_piccolo_api() -> None:
    assert MIGRATION_FILES, "no migration files found"
    offenders = {
        path.name: sorted(_imported_packages(path) & PROJECT_PACKAGES)
        for path in MIGRATION_FILES
        if _imported_packages(path) & PROJECT_PACKAGES
    }
    assert offenders == {}
    private = [path.name for path in MIGRATION_FILES if "_run_in_new_connection" in path.read_text()]
    assert private == []


async def test_migrations_run_forwards_from_empty_backwards_to_empty_and_forwards_again(migrations_url: str) -> None:
    await _empty(migrations_url)
    _piccolo(migrations_url, "migrations", "forwards", "all")
    first = await _schema(migrations_url)
    assert {"member", "ledger_entry", "campaign_lane", "delivery", "piccolo_user"} <= set(first)

    _piccolo(migrations_url, "migrations", "backwards", "all", "--auto_agree")
    # run_backwards("all") reports success whatever each app did: look at what is left.
    assert await _schema(migrations_url) == {}
    assert set(await snapshot(migrations_url)) == BOOKKEEPING
    assert await _migrations_recorded(migrations_url) == 0

    _piccolo(migrations_url, "migrations", "forwards", "all")
    again = await _schema(migrations_url)
    assert differences(first, again) == {}


async def test_the_migrated_schema_is_what_the_table_classes_declare(migrations_url: str) -> None:
    """Catches a column (or its type, nullability, default, uniqueness, index or foreign key)
    changed in a Table class without a migration, and a migration that drifted from the tables."""
    await _empty(migrations_url)
    _piccolo(migrations_url, "migrations", "forwards", "all")
    migrated = await _schema(migrations_url)

    await _empty(migrations_url)
    _run(migrations_url, "-m", "tests.support.build_schema")
    declared = await _schema(migrations_url)

    assert differences(migrated, declared) == {}
    assert migrated == declared


async def test_lot_draws_written_before_they_named_their_member_get_it_from_their_entry(migrations_url: str) -> None:
    await _empty(migrations_url)
    _piccolo(migrations_url, "migrations", "forwards", "user")  # staff: the ledger's tables refer to them
    _piccolo(migrations_url, "migrations", "forwards", "loyalty", "--migration_id", "2026-12-01T14:30:00:000000")
    statements = [
        "INSERT INTO member (id, public_id, card_secret) VALUES (7, 'TT7', 's')",
        "INSERT INTO ledger_entry (id, member, delta, kind, reference, balance_after) "
        "VALUES (70, 7, 5, 'earn', 'r', 5)",
        "INSERT INTO point_lot (id, member, entry, points, points_left, expires_at) "
        "VALUES (700, 7, 70, 5, 5, '2030-01-01 00:00:00+00:00')",
        "INSERT INTO lot_draw (id, entry, lot, points) VALUES (7000, 70, 700, 0)",
    ]
    await _execute(migrations_url, statements)
    _piccolo(migrations_url, "migrations", "forwards", "loyalty")
    assert await _execute(migrations_url, ["SELECT member FROM lot_draw WHERE id = 7000"]) == [(7,)]


async def _execute(url: str, statements: list[str]) -> list[tuple[object, ...]]:
    """Run ``statements`` in order; the rows of the last one."""
    if IS_POSTGRES:
        connection = await asyncpg.connect(url)
        try:
            for statement in statements[:-1]:
                await connection.execute(statement)
            return [tuple(row) for row in await connection.fetch(statements[-1])]
        finally:
            await connection.close()
    with sqlite3.connect(url[len("sqlite:///") :]) as connection:
        rows: list[tuple[object, ...]] = []
        for statement in statements:
            rows = list(connection.execute(statement).fetchall())
        return rows


async def test_staff_accounts_that_existed_before_roles_become_managers(migrations_url: str) -> None:
    await _empty(migrations_url)
    _piccolo(migrations_url, "migrations", "forwards", "user")
    _piccolo(migrations_url, "migrations", "forwards", "loyalty", "--migration_id", "2026-12-01T18:00:00:000000")
    columns = "(id, username, password, first_name, last_name, email, active, admin, superuser)"
    await _execute(
        migrations_url,
        [
            f"INSERT INTO piccolo_user {columns} VALUES (1, 'cu', 'x', '', '', 'cu@x.vn', true, true, false)",
            f"INSERT INTO piccolo_user {columns} VALUES (2, 'khach', 'x', '', '', 'k@x.vn', true, false, false)",
            f"INSERT INTO piccolo_user {columns} VALUES (3, 'nghi', 'x', '', '', 'n@x.vn', false, true, false)",
            "SELECT 1",
        ],
    )
    _piccolo(migrations_url, "migrations", "forwards", "loyalty")
    rows = await _execute(migrations_url, ["SELECT staff, role, store, granted_by FROM staff_role ORDER BY staff"])
    assert rows == [(1, "manager", None, "migration")]  # staff accounts only, and active ones
