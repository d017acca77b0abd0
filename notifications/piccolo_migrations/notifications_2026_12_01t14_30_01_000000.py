"""Devices, inbox messages and deliveries take 64-bit ids, like the loyalty tables that grow with
members' activity (that app's migration of the same time), and every column that refers to them
or to the domain events follows: every event becomes a message and a delivery per device.

* PostgreSQL: each table is rewritten once (its id and its columns that refer to a widened
  table in one ALTER TABLE), and its sequence becomes ``bigint`` as well: a SERIAL's sequence is
  ``AS integer`` and would stop at 2,147,483,647 whatever the column's type.
* SQLite: an INTEGER column already holds 64 bits; nothing to do.
* Piccolo is told each id is now a ``BigSerial`` (``alter_column``) so its record of the tables
  matches the Table classes. It cannot change a SERIAL's type itself and says so with a warning;
  the literal SQL below does it.

Going back narrows the columns again, which fails (and changes nothing) once an id above
2,147,483,647 exists.

Nothing here imports project code: a migration keeps doing what it did when it landed.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import BigSerial, Serial
from piccolo.engine.finder import engine_finder

ID = "2026-12-01T14:30:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "64-bit ids for the tables that grow with activity"

# Table class, table, and the columns of that table referring to a widened table ("id" first).
WIDENED = [
    ("Device", "device", ["id"]),
    ("InboxMessage", "inbox_message", ["id", "event"]),
    ("Delivery", "delivery", ["id", "message", "device"]),
]
# Tables that keep 32-bit ids but refer to a widened one.
REFERRING: list[tuple[str, list[str]]] = []


def _statements(kind: str) -> list[str]:
    tables = [(table, columns) for _, table, columns in WIDENED] + REFERRING
    alters = [
        f'ALTER TABLE "{table}" ' + ", ".join(f'ALTER COLUMN "{column}" TYPE {kind}' for column in columns)
        for table, columns in tables
    ]
    sequences = [f'ALTER SEQUENCE "{table}_id_seq" AS {kind}' for _, table, _ in WIDENED]
    # Widen the columns before their sequences; narrow the sequences before their columns.
    return alters + sequences if kind == "BIGINT" else sequences + alters


FORWARDS = {"postgres": _statements("BIGINT"), "sqlite": []}
BACKWARDS = {"postgres": _statements("INTEGER"), "sqlite": []}


async def _run(statements: dict[str, list[str]]) -> None:
    engine = engine_finder()
    if engine is None or engine.engine_type not in statements:
        raise RuntimeError(f"no statements for engine {getattr(engine, 'engine_type', None)!r}")
    for statement in statements[engine.engine_type]:
        await engine.run_ddl(statement)


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="notifications", description=DESCRIPTION)
    for class_name, table, _ in WIDENED:
        manager.alter_column(
            table_class_name=class_name,
            tablename=table,
            column_name="id",
            db_column_name="id",
            params={},
            old_params={},
            column_class=BigSerial,
            old_column_class=Serial,
            schema=None,
        )

    async def widen() -> None:
        await _run(FORWARDS)

    async def narrow() -> None:
        await _run(BACKWARDS)

    manager.add_raw(widen)
    manager.add_raw_backwards(narrow)
    return manager
