"""A member's messages, newest first, for the member page's timeline: (member, created_at, id).

Nothing here imports project code: a migration keeps doing what it did when it landed.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

ID = "2026-12-01T17:30:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "member timeline index on inbox messages"

CREATE = 'CREATE INDEX "inbox_message_member_time" ON "inbox_message" ("member", "created_at", "id")'
DROP = 'DROP INDEX "inbox_message_member_time"'


async def _run(statement: str) -> None:
    engine = engine_finder()
    if engine is None:
        raise RuntimeError("no database engine")
    await engine.run_ddl(statement)


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="notifications", description=DESCRIPTION)

    async def install() -> None:
        await _run(CREATE)

    async def uninstall() -> None:
        await _run(DROP)

    manager.add_raw(install)
    manager.add_raw_backwards(uninstall)
    return manager
