"""``piccolo loyalty backup --to FILE``: a copy of the live database, taken while it serves.

Rules:

* The copy is one moment of the database (a snapshot, never a torn copy), and the API and the
  workers keep writing while it is taken.

  - SQLite: the online backup API copies every page in a single step, inside one read
    transaction; WAL lets writers commit beside that reader. (Copied in several steps, SQLite
    starts the copy again whenever another connection writes, so under a steady flow of earns
    it would never finish.) The copy is switched out of WAL, so it is one self-contained file.
  - PostgreSQL: ``pg_dump --format=custom`` reads inside a snapshot this module exports from a
    repeatable-read transaction, and the ledger entries reported are counted in that same
    snapshot.

* The file is written under a temporary name (``.<name>.<random>.partial``) in the target's
  folder, flushed to disk, and only then given its name in one step: a crash leaves no half
  file under the final name. A failure removes the temporary file; a killed process can leave
  one behind, named as what it is.
* An existing file is never replaced unless ``force`` is given, and the live database (or its
  WAL) never. Backups hold members' personal data: the file is readable by its owner only.
* What was written is reported: the file, its size, the ledger entries it holds, the time taken.

Restoring is a procedure, not a command: docs/operations.md ("Backups and restore").
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sqlite3
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

import asyncpg
from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine

from loyalty.db import SQLITE_BUSY_TIMEOUT_S, current_engine, is_connection_failure
from loyalty.settings import ENV

NOT_MIGRATED = "the database has no ledger_entry table: is it migrated? (piccolo migrations forwards all)"


class BackupRefused(Exception):
    """A backup that cannot or must not be written; the message says why, for the operator."""


@dataclass(frozen=True)
class BackupResult:
    path: Path
    size_bytes: int
    ledger_entries: int
    seconds: float
    # The copy itself, while the snapshot is held (time.monotonic): WAL grows meanwhile.
    copy_started: float
    copy_seconds: float

    def summary(self) -> str:
        return (
            f"backup written to {self.path}\n"
            f"size {self.size_bytes / 1_000_000:.1f} MB ({self.size_bytes} bytes), "
            f"ledger entries {self.ledger_entries}, took {self.seconds:.2f} s ({self.copy_seconds:.2f} s copying)"
        )


def back_up_sqlite(source: str | os.PathLike[str], to: str | os.PathLike[str], *, force: bool = False) -> BackupResult:
    """Blocks for the length of the copy: call it in a thread from async code."""
    started = time.monotonic()
    live = Path(source).absolute()
    if not live.is_file():
        raise BackupRefused(f"there is no SQLite database at {live}")
    target = _target(to, force=force, live=[live, Path(f"{live}-wal"), Path(f"{live}-shm")])
    with _partial(target) as partial:
        # mode=rw: a mistyped path must not make a new, empty database to back up.
        source_uri = f"{live.as_uri()}?mode=rw"
        try:
            with (
                closing(sqlite3.connect(source_uri, uri=True, timeout=SQLITE_BUSY_TIMEOUT_S)) as db,
                closing(sqlite3.connect(partial)) as copy,
            ):
                copy_started = time.monotonic()
                db.backup(copy)  # pages=-1: the whole database in one step (see the module docstring)
                copy_seconds = time.monotonic() - copy_started
                copy.execute("PRAGMA journal_mode = DELETE")
                problems = [row[0] for row in copy.execute("PRAGMA quick_check")]
                if problems != ["ok"]:
                    raise BackupRefused(f"the copy fails SQLite's quick_check: {'; '.join(problems[:5])}")
                if not copy.execute("SELECT 1 FROM sqlite_master WHERE name = 'ledger_entry'").fetchone():
                    raise BackupRefused(NOT_MIGRATED)
                entries = int(copy.execute("SELECT COUNT(*) FROM ledger_entry").fetchone()[0])
        except sqlite3.Error as exc:  # a full disk, an unreadable file
            raise BackupRefused(f"the copy failed: {exc}") from exc
        _publish(partial, target, force=force)
    return BackupResult(target, target.stat().st_size, entries, time.monotonic() - started, copy_started, copy_seconds)


async def back_up_postgres(dsn: str, to: str | os.PathLike[str], *, force: bool = False) -> BackupResult:
    started = time.monotonic()
    target = _target(to, force=force, live=[])
    program = shutil.which("pg_dump")
    if program is None:
        raise BackupRefused("pg_dump is not on PATH: install the PostgreSQL client, of the server's version or newer")
    with _partial(target) as partial:
        try:
            connection = await asyncpg.connect(dsn)
        except Exception as exc:
            if is_connection_failure(exc):
                raise BackupRefused(f"cannot reach the database: {exc}") from exc
            raise
        try:
            # The exporting transaction stays open until pg_dump ends: the snapshot lives with it.
            async with connection.transaction(isolation="repeatable_read", readonly=True):
                snapshot = await connection.fetchval("SELECT pg_export_snapshot()")
                try:
                    entries = int(await connection.fetchval("SELECT count(*) FROM ledger_entry"))
                except asyncpg.UndefinedTableError as exc:
                    raise BackupRefused(NOT_MIGRATED) from exc
                copy_started = time.monotonic()
                await _pg_dump(program, dsn, f"--snapshot={snapshot}", f"--file={partial}")
                copy_seconds = time.monotonic() - copy_started
        finally:
            await connection.close()
        _publish(partial, target, force=force)
    return BackupResult(target, target.stat().st_size, entries, time.monotonic() - started, copy_started, copy_seconds)


async def back_up(engine: Engine[Any], to: str | os.PathLike[str], *, force: bool = False) -> BackupResult:
    if isinstance(engine, SQLiteEngine):
        return await asyncio.to_thread(back_up_sqlite, engine.path, to, force=force)
    if isinstance(engine, PostgresEngine):
        return await back_up_postgres(str(engine.config["dsn"]), to, force=force)
    raise BackupRefused(f"cannot back up a {type(engine).__name__} database")


async def backup(to: str, force: bool = False) -> None:
    """Copy the live database (the app may keep serving) to a new file; exit 2 if refused.

    :param to: the file to write: a SQLite file on SQLite, a pg_dump custom-format archive on PostgreSQL
    :param force: replace the file if it exists
    """
    try:
        result = await back_up(current_engine(), to, force=force)
    except BackupRefused as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)
    print(result.summary())


def _target(to: str | os.PathLike[str], *, force: bool, live: Sequence[Path]) -> Path:
    target = Path(to).expanduser().absolute()
    if target.is_dir():
        raise BackupRefused(f"{target} is a folder: give the backup file's name")
    if not target.parent.is_dir():
        raise BackupRefused(f"the folder {target.parent} does not exist")
    if any(target.resolve() == path.resolve() for path in live):
        raise BackupRefused(f"{target} is the live database")
    # Checked again when the file gets its name; refusing now saves copying for nothing.
    if target.exists() and not force:
        raise BackupRefused(f"{target} exists: give another name, or --force to replace it")
    return target


@contextmanager
def _partial(target: Path) -> Iterator[Path]:
    try:
        handle, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".partial")
    except OSError as exc:
        raise BackupRefused(f"cannot write in {target.parent}: {exc.strerror}") from exc
    os.close(handle)
    partial = Path(name)
    try:
        yield partial
    finally:
        partial.unlink(missing_ok=True)


def _publish(partial: Path, target: Path, *, force: bool) -> None:
    _fsync(partial)
    if force:
        os.replace(partial, target)
    else:
        # A hard link, unlike a rename, refuses a name that appeared since _target looked.
        try:
            os.link(partial, target)
        except FileExistsError:
            raise BackupRefused(f"{target} exists: give another name, or --force to replace it") from None
    _fsync(target.parent)  # the new name itself must survive a power cut


def _fsync(path: Path) -> None:
    handle = os.open(path, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


async def _pg_dump(program: str, dsn: str, *args: str) -> None:
    url, password = _split_password(dsn)
    # The password goes in pg_dump's environment, not its arguments, which any local user can list.
    env = {**ENV, "PGPASSWORD": password} if password is not None else None
    process = await asyncio.create_subprocess_exec(
        program,
        "--format=custom",
        f"--dbname={url}",
        *args,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
        env=env,
    )
    _, err = await process.communicate()
    if process.returncode != 0:
        raise BackupRefused(f"pg_dump failed (exit {process.returncode}): {err.decode(errors='replace').strip()}")


def _split_password(dsn: str) -> tuple[str, str | None]:
    parts = urlsplit(dsn)
    if parts.password is None:
        return dsn, None
    user_info, _, host = parts.netloc.rpartition("@")
    user = user_info.partition(":")[0]
    return urlunsplit(parts._replace(netloc=f"{user}@{host}")), unquote(parts.password)
