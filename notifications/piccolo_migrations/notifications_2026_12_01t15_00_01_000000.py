"""Deliveries on every channel: a delivery names its channel (push, Zalo, SMS, e-mail) and, off
push, the address it goes to; it records its cost in đồng and its SMS parts, when a receipt said
it was delivered, and the delivery it replaces when an earlier channel failed.

The rules and indexes over these columns are the next migration's (Piccolo runs a migration's
literal SQL before it adds its columns). ``device`` was already nullable in the baseline.

Nothing here imports project code: a migration keeps doing what it did when it landed.
"""

from typing import Any

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.column_types import BigSerial, ForeignKey, Integer, Timestamptz, Varchar
from piccolo.columns.indexes import IndexMethod
from piccolo.engine.finder import engine_finder
from piccolo.table import Table

ID = "2026-12-01T15:00:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "deliveries on every channel, with their cost and fallback"


class Delivery(Table, tablename="delivery", schema=None):
    id = BigSerial(
        null=False,
        primary_key=True,
        unique=False,
        index=False,
        index_method=IndexMethod.btree,
        choices=None,
        db_column_name=None,
        secret=False,
    )


def _params(**overrides: Any) -> dict[str, Any]:
    params: dict[str, Any] = {
        "null": False,
        "primary_key": False,
        "unique": False,
        "index": False,
        "index_method": IndexMethod.btree,
        "choices": None,
        "db_column_name": None,
        "secret": False,
    }
    params.update(overrides)
    return params


COLUMNS: list[tuple[str, Any, dict[str, Any]]] = [
    ("channel", Varchar, _params(length=8, default="push")),
    ("address", Varchar, _params(length=254, default="")),
    ("delivered_at", Timestamptz, _params(null=True, default=None)),
    ("cost_vnd", Integer, _params(default=0)),
    ("parts", Integer, _params(default=1)),
    (
        "fallback_of",
        ForeignKey,
        _params(
            references=Delivery,
            on_delete=OnDelete.restrict,
            on_update=OnUpdate.cascade,
            target_column=None,
            null=True,
            index=True,
        ),
    ),
    ("fallback_at", Timestamptz, _params(null=True, default=None)),
]

DROP_INDEXES = ['DROP INDEX IF EXISTS "delivery_fallback_of"']


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="notifications", description=DESCRIPTION)
    for name, column_class, params in COLUMNS:
        manager.add_column(
            table_class_name="Delivery",
            tablename="delivery",
            column_name=name,
            db_column_name=name,
            column_class_name=column_class.__name__,
            column_class=column_class,
            params=params,
            schema=None,
        )

    async def drop_indexes() -> None:
        # SQLite refuses to drop a column an index still names (Piccolo drops only the column).
        engine = engine_finder()
        if engine is None:
            raise RuntimeError("no engine")
        for statement in DROP_INDEXES:
            await engine.run_ddl(statement)

    manager.add_raw_backwards(drop_indexes)
    return manager
