"""The draws written before lot draws named their member get it from their entry (a separate
migration: Piccolo runs a migration's literal SQL before it adds its columns).

Going back leaves the column to the previous migration, which drops it.

Nothing here imports project code: a migration keeps doing what it did when it landed.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

ID = "2026-12-01T14:30:00:000002"
VERSION = "1.38.0"
DESCRIPTION = "lot draws name their member: existing rows"

# The same statement on both engines.
BACKFILL = (
    'UPDATE "lot_draw" SET "member" = (SELECT e."member" FROM "ledger_entry" e WHERE e."id" = "lot_draw"."entry") '
    'WHERE "member" IS NULL'
)


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="loyalty", description=DESCRIPTION)

    async def backfill() -> None:
        engine = engine_finder()
        if engine is None:
            raise RuntimeError("no engine")
        await engine.run_ddl(BACKFILL)

    manager.add_raw(backfill)
    return manager
