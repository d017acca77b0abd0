"""Lean indexes for fan-outs: partial indexes replace the full ones dropped just before, and on
PostgreSQL the member table leaves half of each page free so balance updates stay HOT.

A points gift to everyone updates every member row once, page after page within one batch's
transaction: the new versions fit beside the old ones only when half the page is free. Then no
index entries are written and the table does not grow; with less room each fan-out appended a
full copy of the table and of its five indexes (and the WAL for all of it) until vacuum.
Everyday earns and redemptions are HOT for the same reason."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from loyalty.db import current_engine, is_sqlite
from loyalty.guards import LEAN_INDEXES, install

ID = "2026-11-22T21:44:47:898651"
VERSION = "1.38.0"
DESCRIPTION = "partial indexes and member fillfactor"
MEMBER_FILLFACTOR = 50


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="loyalty", description=DESCRIPTION)

    async def install_indexes() -> None:
        engine = current_engine()
        await install(engine, LEAN_INDEXES)
        if not is_sqlite():
            # Pages written from now on keep half free; existing pages gain room as VACUUM frees it.
            await engine._run_in_new_connection(f"ALTER TABLE member SET (fillfactor = {MEMBER_FILLFACTOR})")

    manager.add_raw(install_indexes)
    return manager
