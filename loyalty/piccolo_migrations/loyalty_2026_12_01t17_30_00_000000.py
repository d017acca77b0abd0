"""A member's timeline, newest first: one index per source on (member, time, id).

The member page (``loyalty.members.story``) reads each source as ``WHERE member = $1 [AND time
before the page's cursor] ORDER BY time DESC, id DESC LIMIT n``. With these the read is the n
newest index entries of that member, on both engines; with only the member index it sorts all
of the member's rows, and with the time index alone a planner may walk the whole table's recent
rows looking for one member's.

Nothing here imports project code: a migration keeps doing what it did when it landed.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

ID = "2026-12-01T17:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "member timeline indexes"

INDEXES = [
    ("ledger_entry_member_time", "ledger_entry", "created_at"),
    ("purchase_member_time", "purchase", "created_at"),
    ("voucher_member_time", "voucher", "issued_at"),
    ("tier_change_member_time", "tier_change", "created_at"),
    ("complaint_member_time", "complaint", "created_at"),
]


async def _run(statements: list[str]) -> None:
    engine = engine_finder()
    if engine is None:
        raise RuntimeError("no database engine")
    for statement in statements:
        await engine.run_ddl(statement)


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="loyalty", description=DESCRIPTION)

    async def install() -> None:
        await _run([f'CREATE INDEX "{name}" ON "{table}" ("member", "{time}", "id")' for name, table, time in INDEXES])

    async def uninstall() -> None:
        await _run([f'DROP INDEX "{name}"' for name, _, _ in INDEXES])

    manager.add_raw(install)
    manager.add_raw_backwards(uninstall)
    return manager
