from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Boolean

ID = "2026-11-22T21:01:46:059461"
VERSION = "1.38.0"
DESCRIPTION = "device-active-no-index"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="notifications", description=DESCRIPTION
    )

    manager.alter_column(
        table_class_name="Device",
        tablename="device",
        column_name="active",
        db_column_name="active",
        params={"index": False},
        old_params={"index": True},
        column_class=Boolean,
        old_column_class=Boolean,
        schema=None,
    )

    return manager
