"""The dashboard reads vouchers by when they were issued and members by when they joined, over
a period: both columns get an index, so a period's rows are a range, not a scan of every row."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-01T14:40:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "dashboard: index voucher.issued_at and member.created_at"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="loyalty", description=DESCRIPTION)

    manager.alter_column(
        table_class_name="Voucher",
        tablename="voucher",
        column_name="issued_at",
        db_column_name="issued_at",
        params={"index": True},
        old_params={"index": False},
        column_class=None,
        old_column_class=None,
        schema=None,
    )
    manager.alter_column(
        table_class_name="Member",
        tablename="member",
        column_name="created_at",
        db_column_name="created_at",
        params={"index": True},
        old_params={"index": False},
        column_class=None,
        old_column_class=None,
        schema=None,
    )

    return manager
