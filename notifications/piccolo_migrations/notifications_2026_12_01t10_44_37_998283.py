"""The job schedule keeps when each job last succeeded, apart from its last run (which may
have failed): the metrics report a job that keeps failing by how long it has not worked."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Timestamptz
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-01T10:44:37:998283"
VERSION = "1.38.0"
DESCRIPTION = "job schedule: last success"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="notifications", description=DESCRIPTION
    )

    manager.add_column(
        table_class_name="JobSchedule",
        tablename="job_schedule",
        column_name="last_success_at",
        db_column_name="last_success_at",
        column_class_name="Timestamptz",
        column_class=Timestamptz,
        params={
            "default": None,
            "null": True,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    return manager
