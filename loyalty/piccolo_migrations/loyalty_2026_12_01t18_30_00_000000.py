"""Staff roles (``staff_role``: one per staff account, its role, its store, its compensation
limit in đồng) and the store that enrolled a member (``member.home_store``, set when a till
enrols a customer), which a store's staff are limited to.

Going back drops the new column's index first: SQLite refuses to drop a column an index still
names (Piccolo drops only the column).

Nothing here imports project code: a migration keeps doing what it did when it landed.
"""

from enum import Enum
from typing import Any

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.column_types import BigInt, ForeignKey, Serial, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod
from piccolo.engine.finder import engine_finder
from piccolo.table import Table


class BaseUser(Table, tablename="piccolo_user", schema=None):
    id = Serial(null=False, primary_key=True, unique=False, index=False, index_method=IndexMethod.btree)


class Store(Table, tablename="store", schema=None):
    id = Serial(null=False, primary_key=True, unique=False, index=False, index_method=IndexMethod.btree)


# Written out, not imported: a migration keeps doing what it did when it landed.
StaffRoleKind = Enum(
    "StaffRoleKind", {"MANAGER": "manager", "MARKETING": "marketing", "CARE": "care", "STORE": "store"}
)

ID = "2026-12-01T18:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "staff roles and members' home store"


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


def _foreign_key(references: type[Table], on_delete: OnDelete, **overrides: Any) -> dict[str, Any]:
    return _params(
        references=references,
        on_delete=on_delete,
        on_update=OnUpdate.cascade,
        target_column=None,
        index=True,
        **overrides,
    )


STAFF_ROLE: list[tuple[str, Any, dict[str, Any]]] = [
    ("id", Serial, _params(primary_key=True)),
    ("staff", ForeignKey, _foreign_key(BaseUser, OnDelete.cascade, unique=True)),
    ("role", Varchar, _params(length=16, default="", choices=StaffRoleKind)),
    ("store", ForeignKey, _foreign_key(Store, OnDelete.restrict, null=True, default=None)),
    ("approval_limit_vnd", BigInt, _params(default=0)),
    ("granted_by", Varchar, _params(length=100, default="")),
    ("granted_at", Timestamptz, _params(default=TimestamptzNow())),
]


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="loyalty", description=DESCRIPTION)
    manager.add_table(class_name="StaffRole", tablename="staff_role", schema=None, columns=None)
    for name, column_class, params in STAFF_ROLE:
        manager.add_column(
            table_class_name="StaffRole",
            tablename="staff_role",
            column_name=name,
            db_column_name=name,
            column_class_name=column_class.__name__,
            column_class=column_class,
            params=params,
            schema=None,
        )
    manager.add_column(
        table_class_name="Member",
        tablename="member",
        column_name="home_store",
        db_column_name="home_store",
        column_class_name="ForeignKey",
        column_class=ForeignKey,
        params=_foreign_key(Store, OnDelete.restrict, null=True, default=None),
        schema=None,
    )

    async def drop_index() -> None:
        engine = engine_finder()
        if engine is None:
            raise RuntimeError("no engine")
        await engine.run_ddl('DROP INDEX IF EXISTS "member_home_store"')

    manager.add_raw_backwards(drop_index)
    return manager
