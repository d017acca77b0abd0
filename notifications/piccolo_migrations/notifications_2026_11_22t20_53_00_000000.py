"""Delivery indexes for the dispatcher's two scans of pending pushes.

Claims read pending rows in next_attempt_at order, and the lost-worker sweep looks for pending
rows past their last attempt. With only an index on status, each tick sorted or scanned every
pending row, so a large backlog made each batch slower than the last.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from loyalty.db import current_engine

ID = "2026-11-22T20:53:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "delivery dispatcher indexes"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="notifications", description=DESCRIPTION)

    async def create_index() -> None:
        engine = current_engine()
        await engine.run_ddl(
            'CREATE INDEX IF NOT EXISTS "delivery_status_next_attempt_at" ON "delivery" ("status", "next_attempt_at")'
        )
        await engine.run_ddl('CREATE INDEX IF NOT EXISTS "delivery_status_attempts" ON "delivery" ("status", "attempts")')

    manager.add_raw(create_index)
    return manager
