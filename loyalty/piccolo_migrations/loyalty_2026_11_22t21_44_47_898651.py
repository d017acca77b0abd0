"""Lean indexes for fan-outs: partial indexes replace the full ones dropped just before, and on
PostgreSQL the member table leaves room on each page so balance updates stay HOT (no index
entries written; a points gift updates every member's balance)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from loyalty.db import current_engine, is_sqlite
from loyalty.guards import LEAN_INDEXES, install

ID = "2026-11-22T21:44:47:898651"
VERSION = "1.38.0"
DESCRIPTION = "partial indexes and member fillfactor"
MEMBER_FILLFACTOR = 80


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="loyalty", description=DESCRIPTION)

    async def install_indexes() -> None:
        engine = current_engine()
        await install(engine, LEAN_INDEXES)
        if not is_sqlite():
            # Pages written from now on keep 20 % free; existing pages gain room as VACUUM frees it.
            await engine._run_in_new_connection(f"ALTER TABLE member SET (fillfactor = {MEMBER_FILLFACTOR})")

    manager.add_raw(install_indexes)
    return manager
