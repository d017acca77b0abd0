"""Each draw on a lot names its member, like every other row of the ledger (filled in for the
rows already there by the next migration): the entry, the lot and the draw of one member can then
sit together, and be checked together, wherever the member's rows are kept.

Going back drops the column's index first: SQLite refuses to drop a column an index still
names (Piccolo drops only the column).

Nothing here imports project code: a migration keeps doing what it did when it landed.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.column_types import ForeignKey, Serial
from piccolo.columns.indexes import IndexMethod
from piccolo.engine.finder import engine_finder
from piccolo.table import Table

ID = "2026-12-01T14:30:00:000001"
VERSION = "1.38.0"
DESCRIPTION = "lot draws name their member"


class Member(Table, tablename="member", schema=None):
    id = Serial(
        null=False,
        primary_key=True,
        unique=False,
        index=False,
        index_method=IndexMethod.btree,
        choices=None,
        db_column_name=None,
        secret=False,
    )


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="loyalty", description=DESCRIPTION)

    manager.add_column(
        table_class_name="LotDraw",
        tablename="lot_draw",
        column_name="member",
        db_column_name="member",
        column_class_name="ForeignKey",
        column_class=ForeignKey,
        params={
            "references": Member,
            "on_delete": OnDelete.restrict,
            "on_update": OnUpdate.cascade,
            "target_column": None,
            "null": True,
            "primary_key": False,
            "unique": False,
            "index": True,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    async def drop_index() -> None:
        engine = engine_finder()
        if engine is None:
            raise RuntimeError("no engine")
        await engine.run_ddl('DROP INDEX IF EXISTS "lot_draw_member"')

    manager.add_raw_backwards(drop_index)
    return manager
