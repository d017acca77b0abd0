"""Deliveries on every channel, part 2: the rules and indexes over the new columns, as literal SQL.

* ``delivered`` joins the known statuses (the CHECK rule on PostgreSQL, the triggers on SQLite).
* One delivery per (message, channel) off push, a partial unique index: a fallback to a channel
  is made once, however many workers try (pushes stay one per device).
* Receipts find their delivery by (channel, provider_id); claims read one channel's pending rows
  in ``next_attempt_at`` order.

Going back fails (and changes nothing) once a delivery is ``delivered``.

Nothing here imports project code: a migration keeps doing what it did when it landed.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

ID = "2026-12-01T15:00:01:000001"
VERSION = "1.38.0"
DESCRIPTION = "deliveries on every channel: rules and indexes"

STATUSES = "('pending', 'sent', 'failed', 'held', 'skipped', 'delivered')"
OLD_STATUSES = "('pending', 'sent', 'failed', 'held', 'skipped')"

INDEXES = [
    'CREATE UNIQUE INDEX "delivery_once_per_message_channel" ON "delivery" ("message", "channel") '
    "WHERE \"channel\" <> 'push'",
    'CREATE INDEX "delivery_channel_provider_id" ON "delivery" ("channel", "provider_id")',
    'CREATE INDEX "delivery_channel_status_next_attempt_at" ON "delivery" ("channel", "status", "next_attempt_at")',
]
DROP_INDEXES = [
    'DROP INDEX IF EXISTS "delivery_channel_status_next_attempt_at"',
    'DROP INDEX IF EXISTS "delivery_channel_provider_id"',
    'DROP INDEX IF EXISTS "delivery_once_per_message_channel"',
]


def _postgres_check(statuses: str) -> list[str]:
    return [
        'ALTER TABLE "delivery" DROP CONSTRAINT "delivery_status_known"',
        f'ALTER TABLE "delivery" ADD CONSTRAINT "delivery_status_known" CHECK ("status" IN {statuses})',
    ]


def _sqlite_triggers(statuses: str) -> list[str]:
    out = []
    for event in ("insert", "update"):
        out.append(f'DROP TRIGGER "delivery_status_known_{event}"')
        out.append(
            f'''CREATE TRIGGER "delivery_status_known_{event}" BEFORE {event.upper()} ON "delivery" FOR EACH ROW
    WHEN NOT (NEW."status" IN {statuses})
    BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: delivery_status_known'); END'''
        )
    return out


FORWARDS = {"postgres": [*_postgres_check(STATUSES), *INDEXES], "sqlite": [*_sqlite_triggers(STATUSES), *INDEXES]}
BACKWARDS = {
    "postgres": [*DROP_INDEXES, *_postgres_check(OLD_STATUSES)],
    "sqlite": [*DROP_INDEXES, *_sqlite_triggers(OLD_STATUSES)],
}


async def _run(statements: dict[str, list[str]]) -> None:
    engine = engine_finder()
    if engine is None or engine.engine_type not in statements:
        raise RuntimeError(f"no statements for engine {getattr(engine, 'engine_type', None)!r}")
    for statement in statements[engine.engine_type]:
        await engine.run_ddl(statement)


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="notifications", description=DESCRIPTION)

    async def install() -> None:
        await _run(FORWARDS)

    async def uninstall() -> None:
        await _run(BACKWARDS)

    manager.add_raw(install)
    manager.add_raw_backwards(uninstall)
    return manager
