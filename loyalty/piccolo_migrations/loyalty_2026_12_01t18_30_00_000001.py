"""The staff accounts that exist when roles arrive keep what they could do: each active admin
account becomes a manager (a separate migration: Piccolo runs a migration's literal SQL before
it adds its tables). Accounts made later have no role until one is granted.

Going back leaves the table to the previous migration, which drops it.

Nothing here imports project code: a migration keeps doing what it did when it landed.
"""

from datetime import UTC, datetime

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder
from piccolo.querystring import QueryString

ID = "2026-12-01T18:30:00:000001"
VERSION = "1.38.0"
DESCRIPTION = "existing staff accounts become managers"

STAFF = 'SELECT "id" FROM "piccolo_user" WHERE "admin" = {} AND "active" = {}'
GRANT = (
    'INSERT INTO "staff_role" ("staff", "role", "store", "approval_limit_vnd", "granted_by", "granted_at") '
    "VALUES ({}, 'manager', NULL, 0, 'migration', {})"
)


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="loyalty", description=DESCRIPTION)

    async def grant_managers() -> None:
        engine = engine_finder()
        if engine is None:
            raise RuntimeError("no engine")
        now = datetime.now(UTC)
        # Few rows (staff accounts), so one statement each keeps the SQL the same on both engines.
        for row in await engine.run_querystring(QueryString(STAFF, True, True)):
            await engine.run_querystring(QueryString(GRANT, row["id"], now))

    manager.add_raw(grant_managers)
    return manager
