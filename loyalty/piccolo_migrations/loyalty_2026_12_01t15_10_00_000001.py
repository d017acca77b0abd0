"""A campaign chooses the channels its messages take (push unless told otherwise) and may have a
budget for its messages in đồng beside its budget for gifts; what its messages cost so far is
counted beside it, so sending stops when the budget is spent.

Nothing here imports project code: a migration keeps doing what it did when it landed.
"""

from typing import Any

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import BigInt, Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-01T15:10:00:000001"
VERSION = "1.38.0"
DESCRIPTION = "campaign channels and message budget"


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
    ("channels", Varchar, _params(length=40, default="push")),
    ("message_budget_vnd", BigInt, _params(null=True, default=None)),
    ("message_cost_vnd", BigInt, _params(default=0)),
]


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="loyalty", description=DESCRIPTION)
    for name, column_class, params in COLUMNS:
        manager.add_column(
            table_class_name="Campaign",
            tablename="campaign",
            column_name=name,
            db_column_name=name,
            column_class_name=column_class.__name__,
            column_class=column_class,
            params=params,
            schema=None,
        )
    return manager
