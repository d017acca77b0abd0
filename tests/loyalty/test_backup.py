"""Backups that restore: a copy taken while tills and members write is one moment of the
database, holding every entry committed before it began, and its ledger checks OK once opened
as a database of its own (a SQLite file moved in, a pg_dump restored into a new database)."""

from __future__ import annotations

import asyncio
import json
import secrets
import sqlite3
import stat
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest

from loyalty import backup, points
from loyalty.db import engine_from_url
from loyalty.db.sqlite_engine import DurableSQLiteEngine
from loyalty.members import record_member
from loyalty.points import Kind
from loyalty.points.check import check
from tests.conftest import DATABASE_URL
from tests.support.backups import Writes, references, tables_on, writing_points

ROOT = Path(__file__).resolve().parents[2]


def _ballast(path: str, megabytes: int = 40) -> None:
    """Audit rows that make the database big enough for its copy to last a while (about 0.1 s
    for 40 MB on a developer machine), so the writers have time to commit during it."""
    detail = json.dumps({"pad": "x" * 1000})
    with closing(sqlite3.connect(path, timeout=30)) as db, db:
        db.executemany(
            "INSERT INTO audit_log (action, detail) VALUES ('test.ballast', ?)",
            ((detail,) for _ in range(megabytes * 1000)),
        )


@dataclass(frozen=True)
class Around:
    result: backup.BackupResult
    before: set[str]  # references committed before the backup started
    during: list[str]  # … while it copied, its snapshot held
    after: set[str]  # … once the copy had ended


async def _around(writes: Writes, take: Callable[[], Awaitable[backup.BackupResult]]) -> Around:
    """Run the backup ``take`` while ``writes`` go on, and say which writes came when."""
    await writes.at_least(30)
    started = time.monotonic()
    before = writes.before(started)
    result = await take()
    await writes.at_least(len(writes.committed) + 10)  # still writing after it, too
    copied_until = result.copy_started + result.copy_seconds
    return Around(result, before, writes.between(result.copy_started, copied_until), writes.after(copied_until))


@pytest.mark.sqlite_only
async def test_an_online_backup_while_tills_write_is_a_snapshot_with_every_entry_before_it(
    sqlite_path: str, tmp_path: Path
) -> None:
    _ballast(sqlite_path)
    target = tmp_path / "thanthiet-backup.sqlite"
    async with writing_points() as writes:
        around = await _around(writes, lambda: asyncio.to_thread(backup.back_up_sqlite, sqlite_path, target))
    result = around.result
    assert len(around.during) >= 3, f"writers held up: {len(around.during)} writes in {result.copy_seconds:.2f} s"

    restored = engine_from_url(f"sqlite:///{target}")  # as the app opens a file moved in
    assert isinstance(restored, DurableSQLiteEngine)
    try:
        with tables_on(restored):
            report = await check(progress=False)
            copied = await references()
    finally:
        await restored.close_idle()
    assert report.ok, [str(b) for b in report.breaches]
    assert around.before <= copied  # every entry committed before the backup began
    assert around.after and copied.isdisjoint(around.after)  # none of those after its copy
    assert result.ledger_entries == report.entries == len(copied)
    assert result.size_bytes == target.stat().st_size
    assert result.path == target


@asynccontextmanager
async def _restored(archive: Path) -> AsyncIterator[str]:
    """The archive restored, as docs/operations.md says, into a new database; dropped after."""
    name = f"{urlsplit(DATABASE_URL).path.lstrip('/')}_restored_{secrets.token_hex(4)}"
    url = urlunsplit(urlsplit(DATABASE_URL)._replace(path=f"/{name}"))
    admin = await asyncpg.connect(DATABASE_URL)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        try:
            restore = await asyncio.create_subprocess_exec(
                *("pg_restore", "--no-owner", "--exit-on-error", "--single-transaction", f"--dbname={url}"),
                str(archive),
                stderr=asyncio.subprocess.PIPE,
            )
            _, err = await asyncio.wait_for(restore.communicate(), timeout=300)
            assert restore.returncode == 0, err.decode()
            yield url
        finally:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


@pytest.mark.postgres_only
async def test_a_pg_dump_while_tills_write_restores_into_a_new_database_whose_ledger_checks_ok(
    app: Any, tmp_path: Path
) -> None:
    archive = tmp_path / "thanthiet.dump"
    async with writing_points() as writes:
        around = await _around(writes, lambda: backup.back_up_postgres(DATABASE_URL, archive))
    result = around.result
    assert len(around.during) >= 3, f"writers held up: {len(around.during)} writes in {result.copy_seconds:.2f} s"

    async with _restored(archive) as url:
        with tables_on(engine_from_url(url)):
            report = await check(progress=False)
            copied = await references()
    assert report.ok, [str(b) for b in report.breaches]
    assert around.before <= copied
    assert around.after and copied.isdisjoint(around.after)
    # Counted in the snapshot pg_dump read, so it is the restored database's count.
    assert result.ledger_entries == report.entries == len(copied)
    assert result.size_bytes == archive.stat().st_size


async def _backup_command(*args: str) -> tuple[int | None, str, str]:
    """``piccolo loyalty backup …`` in a process of its own, on the tests' database: exit, out, err."""
    process = await asyncio.create_subprocess_exec(
        *(sys.executable, "-m", "piccolo.main", "loyalty", "backup", *args),
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=120)
    return process.returncode, out.decode(), err.decode()


def _names(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir())


async def test_the_backup_command_keeps_an_existing_file_unless_forced(tmp_path: Path) -> None:
    member = await record_member("0901234567")
    for n in range(3):
        await points.credit(member.id, 10, kind=Kind.EARN, reference=f"e{n}")
    target = tmp_path / "nightly.backup"
    target.write_bytes(b"last night's backup")

    code, _, err = await _backup_command("--to", str(target))
    assert code == 2
    assert f"error: {target} exists: give another name, or --force to replace it" in err
    assert target.read_bytes() == b"last night's backup"

    code, out, err = await _backup_command("--to", str(target), "--force")
    assert code == 0, err
    size = target.stat().st_size
    assert out.splitlines()[0] == f"backup written to {target}"
    assert f"({size} bytes), ledger entries 3, took " in out and " s copying)" in out
    assert stat.S_IMODE(target.stat().st_mode) == 0o600  # members' personal data: the owner's only
    assert _names(tmp_path) == ["nightly.backup"]  # no temporary file left


def _sqlite_file(path: Path, *, wal: bool) -> Path:
    with closing(sqlite3.connect(path)) as db, db:
        if wal:
            db.execute("PRAGMA journal_mode = WAL")
        db.execute("CREATE TABLE ledger_entry (id INTEGER PRIMARY KEY)")
        db.execute("INSERT INTO ledger_entry DEFAULT VALUES")
    return path


def test_a_backup_killed_mid_copy_leaves_no_file_under_its_name(tmp_path: Path) -> None:
    source = _sqlite_file(tmp_path / "live.sqlite", wal=False)
    target = tmp_path / "copy.sqlite"
    # Without WAL a writer's EXCLUSIVE lock keeps readers out: the copy waits on it, mid-backup.
    writer = sqlite3.connect(source, isolation_level=None)
    writer.execute("BEGIN EXCLUSIVE")
    script = "import sys; from loyalty import backup; backup.back_up_sqlite(*sys.argv[1:])"
    process = subprocess.Popen(
        [sys.executable, "-c", script, str(source), str(target)], cwd=ROOT, stderr=subprocess.PIPE
    )
    try:
        deadline = time.monotonic() + 60
        while not list(tmp_path.glob(".copy.sqlite.*.partial")):
            assert process.poll() is None, process.communicate()[1]
            assert time.monotonic() < deadline, "the backup never started"
            time.sleep(0.01)
        time.sleep(0.3)  # well inside the copy's wait for the lock
        assert process.poll() is None
        process.kill()
        process.wait()
    finally:
        writer.rollback()
        writer.close()
    assert not target.exists()
    assert len(list(tmp_path.glob(".copy.sqlite.*.partial"))) == 1  # named as what it is

    again = backup.back_up_sqlite(source, target)
    assert again.ledger_entries == 1 and target.exists()


def test_a_refused_backup_leaves_nothing_behind(tmp_path: Path) -> None:
    not_migrated = tmp_path / "other.sqlite"
    with closing(sqlite3.connect(not_migrated)) as db, db:
        db.execute("CREATE TABLE something_else (x)")
    with pytest.raises(backup.BackupRefused, match="no ledger_entry table: is it migrated"):
        backup.back_up_sqlite(not_migrated, tmp_path / "copy.sqlite")
    assert _names(tmp_path) == ["other.sqlite"]

    with pytest.raises(backup.BackupRefused, match="there is no SQLite database at"):
        backup.back_up_sqlite(tmp_path / "mistyped.sqlite", tmp_path / "copy.sqlite")
    assert _names(tmp_path) == ["other.sqlite"]  # and no empty database made


def test_the_live_database_and_its_wal_are_never_overwritten(tmp_path: Path) -> None:
    live = _sqlite_file(tmp_path / "live.sqlite", wal=True)
    before = live.read_bytes()
    for target in (live, Path(f"{live}-wal"), tmp_path / "." / "live.sqlite"):
        with pytest.raises(backup.BackupRefused, match="is the live database"):
            backup.back_up_sqlite(live, target, force=True)
    assert live.read_bytes() == before
    with pytest.raises(backup.BackupRefused, match="is a folder"):
        backup.back_up_sqlite(live, tmp_path)
    with pytest.raises(backup.BackupRefused, match="does not exist"):
        backup.back_up_sqlite(live, tmp_path / "no-such-folder" / "copy.sqlite")


async def test_an_unreachable_postgresql_is_a_clear_refusal_that_leaves_nothing(tmp_path: Path) -> None:
    with pytest.raises(backup.BackupRefused, match="cannot reach the database"):
        await backup.back_up_postgres("postgresql://postgres@127.0.0.1:1/thanthiet", tmp_path / "thanthiet.dump")
    assert _names(tmp_path) == []


def test_a_password_in_the_url_reaches_pg_dump_by_its_environment_not_its_arguments() -> None:
    assert backup._split_password("postgresql://app:s%40cret@db.example:5432/thanthiet?sslmode=require") == (
        "postgresql://app@db.example:5432/thanthiet?sslmode=require",
        "s@cret",
    )
    assert backup._split_password("postgresql://postgres@127.0.0.1:5432/thanthiet") == (
        "postgresql://postgres@127.0.0.1:5432/thanthiet",
        None,
    )
