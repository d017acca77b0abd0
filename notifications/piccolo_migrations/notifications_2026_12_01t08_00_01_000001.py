"""Baseline of the notifications app, part 2: the rules Piccolo cannot declare, as literal SQL.

* Multi-column UNIQUE rules (unique indexes on both engines): a member gets one message per
  event, a message one push per device, a member one consent per channel and purpose.
* CHECK rules on deliveries: constraints on PostgreSQL; on SQLite, which cannot add a constraint
  to an existing table, BEFORE INSERT/UPDATE triggers (one per rule and event, as the tables had
  before the baseline). Each refusal names its rule, "CHECK constraint failed: <rule>".
* The dispatcher's two composite indexes: claims read pending rows in ``next_attempt_at`` order
  and the lost-worker sweep looks for pending rows past their last attempt; with an index on
  status only, each tick sorted or scanned every pending row.

Nothing here imports project code: a migration keeps doing what it did when it landed.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

ID = "2026-12-01T08:00:01:000001"
VERSION = "1.38.0"
DESCRIPTION = "baseline: rules, dispatcher indexes"

INDEXES = [
    'CREATE UNIQUE INDEX "inbox_message_once_per_event_member" ON "inbox_message" ("event", "member")',
    'CREATE UNIQUE INDEX "delivery_once_per_message_device" ON "delivery" ("message", "device")',
    'CREATE UNIQUE INDEX "consent_once_per_member_channel_purpose" ON "consent" ("member", "channel", "purpose")',
    'CREATE INDEX "delivery_status_next_attempt_at" ON "delivery" ("status", "next_attempt_at")',
    'CREATE INDEX "delivery_status_attempts" ON "delivery" ("status", "attempts")',
]
DROP_INDEXES = [
    'DROP INDEX "delivery_status_attempts"',
    'DROP INDEX "delivery_status_next_attempt_at"',
    'DROP INDEX "consent_once_per_member_channel_purpose"',
    'DROP INDEX "delivery_once_per_message_device"',
    'DROP INDEX "inbox_message_once_per_event_member"',
]

POSTGRES_CHECKS = [
    'ALTER TABLE "delivery" ADD CONSTRAINT "delivery_attempts_not_negative" CHECK ("attempts" >= 0)',
    'ALTER TABLE "delivery" ADD CONSTRAINT "delivery_status_known" '
    "CHECK (\"status\" IN ('pending', 'sent', 'failed', 'held', 'skipped'))",
]
POSTGRES_DROP_CHECKS = [
    'ALTER TABLE "delivery" DROP CONSTRAINT "delivery_status_known"',
    'ALTER TABLE "delivery" DROP CONSTRAINT "delivery_attempts_not_negative"',
]

SQLITE_TRIGGERS = [
    '''CREATE TRIGGER "delivery_attempts_not_negative_insert" BEFORE INSERT ON "delivery" FOR EACH ROW
    WHEN NOT (NEW."attempts" >= 0)
    BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: delivery_attempts_not_negative'); END''',
    '''CREATE TRIGGER "delivery_attempts_not_negative_update" BEFORE UPDATE ON "delivery" FOR EACH ROW
    WHEN NOT (NEW."attempts" >= 0)
    BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: delivery_attempts_not_negative'); END''',
    '''CREATE TRIGGER "delivery_status_known_insert" BEFORE INSERT ON "delivery" FOR EACH ROW
    WHEN NOT (NEW."status" IN ('pending', 'sent', 'failed', 'held', 'skipped'))
    BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: delivery_status_known'); END''',
    '''CREATE TRIGGER "delivery_status_known_update" BEFORE UPDATE ON "delivery" FOR EACH ROW
    WHEN NOT (NEW."status" IN ('pending', 'sent', 'failed', 'held', 'skipped'))
    BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: delivery_status_known'); END''',
]
SQLITE_DROP_TRIGGERS = [
    'DROP TRIGGER "delivery_status_known_update"',
    'DROP TRIGGER "delivery_status_known_insert"',
    'DROP TRIGGER "delivery_attempts_not_negative_update"',
    'DROP TRIGGER "delivery_attempts_not_negative_insert"',
]

FORWARDS = {
    "postgres": [*INDEXES, *POSTGRES_CHECKS],
    "sqlite": [*INDEXES, *SQLITE_TRIGGERS],
}
BACKWARDS = {
    "postgres": [*POSTGRES_DROP_CHECKS, *DROP_INDEXES],
    "sqlite": [*SQLITE_DROP_TRIGGERS, *DROP_INDEXES],
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
