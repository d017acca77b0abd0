from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Integer, Varchar

ID = "2026-11-22T20:16:07:539852"
VERSION = "1.38.0"
DESCRIPTION = "member_stats indexes for segment previews"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="loyalty", description=DESCRIPTION)

    manager.alter_column(
        table_class_name="MemberStats",
        tablename="member_stats",
        column_name="visits_90d",
        db_column_name="visits_90d",
        params={"index": True},
        old_params={"index": False},
        column_class=Integer,
        old_column_class=Integer,
        schema=None,
    )

    manager.alter_column(
        table_class_name="MemberStats",
        tablename="member_stats",
        column_name="visits_12m",
        db_column_name="visits_12m",
        params={"index": True},
        old_params={"index": False},
        column_class=Integer,
        old_column_class=Integer,
        schema=None,
    )

    manager.alter_column(
        table_class_name="MemberStats",
        tablename="member_stats",
        column_name="channel",
        db_column_name="channel",
        params={"index": True},
        old_params={"index": False},
        column_class=Varchar,
        old_column_class=Varchar,
        schema=None,
    )

    return manager
