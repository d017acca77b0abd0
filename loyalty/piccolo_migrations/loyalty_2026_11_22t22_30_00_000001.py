"""SQLite: one CHECK trigger per table and event instead of one per rule (see
``loyalty.guards.merged_sqlite_triggers``). Nothing changes on PostgreSQL, where the rules are
constraints."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from loyalty.db import current_engine, is_sqlite
from loyalty.guards import CAMPAIGN_RULES, COMPLAINT_RULES, LEDGER_RULES, merged_sqlite_triggers

ID = "2026-11-22T22:30:00:000001"
VERSION = "1.38.0"
DESCRIPTION = "merged SQLite check triggers"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="loyalty", description=DESCRIPTION)

    async def merge_triggers() -> None:
        if not is_sqlite():
            return
        engine = current_engine()
        for statement in merged_sqlite_triggers([*LEDGER_RULES, *CAMPAIGN_RULES, *COMPLAINT_RULES]):
            await engine._run_in_new_connection(statement)

    manager.add_raw(merge_triggers)
    return manager
