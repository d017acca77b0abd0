"""The tables that grow with members' activity take 64-bit ids, and every column that refers to
them follows: a chain of millions of members writes hundreds of millions of ledger entries, lots,
events and vouchers a year, past what a 32-bit ``integer`` holds within a few years.

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

ID = "2026-12-01T14:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "64-bit ids for the tables that grow with activity"

# Table class, table, and the columns of that table referring to a widened table ("id" first).
WIDENED = [
    ("AuditLog", "audit_log", ["id"]),
    ("CampaignGift", "campaign_gift", ["id", "entry", "voucher"]),
    ("DomainEvent", "domain_event", ["id"]),
    ("IdempotencyRecord", "idempotency_record", ["id"]),
    ("LedgerEntry", "ledger_entry", ["id"]),
    ("LotDraw", "lot_draw", ["id", "entry", "lot"]),
    ("PointLot", "point_lot", ["id", "entry"]),
    ("Purchase", "purchase", ["id", "earn_entry"]),
    ("ReceiptClaim", "receipt_claim", ["id"]),
    ("TierChange", "tier_change", ["id"]),
    ("Voucher", "voucher", ["id", "spend_entry"]),
]
# Tables that keep 32-bit ids but refer to a widened one.
REFERRING = [("complaint_compensation", ["ledger_entry", "voucher"])]


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
    manager = MigrationManager(migration_id=ID, app_name="loyalty", description=DESCRIPTION)
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
