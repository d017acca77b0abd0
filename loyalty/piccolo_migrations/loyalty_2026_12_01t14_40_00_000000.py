"""The dashboard's reads: vouchers by when they were issued and members by when they joined get
an index each, so a period's rows are a range, not a scan of every row; and ``ledger_day``, the
points each kind of entry moved per closed local day and store, kept by the worker's
``reports.refresh``, so a period of the dashboard reads days instead of millions of entries, and
``member_day``, the members who joined per closed day, likewise; and
a partial index of the erased members, few, so counting the others needs no scan of every row."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import BigInt, Integer, Serial, Varchar
from piccolo.columns.indexes import IndexMethod
from piccolo.engine.finder import engine_finder

ID = "2026-12-01T14:40:00:000000"
VERSION = "1.38.0"
ERASED_INDEX = 'CREATE INDEX "member_erased_tier" ON "member" ("tier") WHERE "erased_at" IS NOT NULL'
DESCRIPTION = "dashboard: index voucher.issued_at and member.created_at; ledger_day, member_day"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="loyalty", description=DESCRIPTION)

    manager.add_table(class_name="LedgerDay", tablename="ledger_day", schema=None, columns=None)

    manager.add_column(
        table_class_name="LedgerDay",
        tablename="ledger_day",
        column_name="id",
        db_column_name="id",
        column_class_name="Serial",
        column_class=Serial,
        params={
            "null": False,
            "primary_key": True,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    manager.add_column(
        table_class_name="LedgerDay",
        tablename="ledger_day",
        column_name="day",
        db_column_name="day",
        column_class_name="Varchar",
        column_class=Varchar,
        params={
            "default": "",
            "length": 10,
            "null": False,
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

    manager.add_column(
        table_class_name="LedgerDay",
        tablename="ledger_day",
        column_name="store",
        db_column_name="store",
        column_class_name="BigInt",
        column_class=BigInt,
        params={
            "default": 0,
            "null": False,
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

    manager.add_column(
        table_class_name="LedgerDay",
        tablename="ledger_day",
        column_name="kind",
        db_column_name="kind",
        column_class_name="Varchar",
        column_class=Varchar,
        params={
            "default": "",
            "length": 16,
            "null": False,
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

    manager.add_column(
        table_class_name="LedgerDay",
        tablename="ledger_day",
        column_name="points",
        db_column_name="points",
        column_class_name="BigInt",
        column_class=BigInt,
        params={
            "default": 0,
            "null": False,
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

    manager.add_column(
        table_class_name="LedgerDay",
        tablename="ledger_day",
        column_name="entries",
        db_column_name="entries",
        column_class_name="Integer",
        column_class=Integer,
        params={
            "default": 0,
            "null": False,
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

    manager.add_table(class_name="MemberDay", tablename="member_day", schema=None, columns=None)

    manager.add_column(
        table_class_name="MemberDay",
        tablename="member_day",
        column_name="id",
        db_column_name="id",
        column_class_name="Serial",
        column_class=Serial,
        params={
            "null": False,
            "primary_key": True,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    manager.add_column(
        table_class_name="MemberDay",
        tablename="member_day",
        column_name="day",
        db_column_name="day",
        column_class_name="Varchar",
        column_class=Varchar,
        params={
            "default": "",
            "length": 10,
            "null": False,
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

    manager.add_column(
        table_class_name="MemberDay",
        tablename="member_day",
        column_name="joined",
        db_column_name="joined",
        column_class_name="Integer",
        column_class=Integer,
        params={
            "default": 0,
            "null": False,
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

    # Erased members are few: the dashboard counts every member by its tier index and takes
    # these off, instead of reading every row to test erased_at.
    async def install() -> None:
        await engine_finder().run_ddl(ERASED_INDEX)

    async def uninstall() -> None:
        await engine_finder().run_ddl('DROP INDEX "member_erased_tier"')

    manager.add_raw(install)
    manager.add_raw_backwards(uninstall)

    return manager
