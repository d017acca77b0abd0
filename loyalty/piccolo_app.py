"""The ``loyalty`` Piccolo app: tables, migrations and staff commands."""

import os

from piccolo.conf.apps import AppConfig, table_finder

from loyalty.setup import COMMANDS

SCHEMA_MODULES = ["tiers", "members", "points", "earning", "rewards", "campaigns", "complaints", "staff", "system"]
CURRENT_DIRECTORY = os.path.dirname(os.path.abspath(__file__))

APP_CONFIG = AppConfig(
    app_name="loyalty",
    migrations_folder_path=os.path.join(CURRENT_DIRECTORY, "piccolo_migrations"),
    table_classes=table_finder(modules=[f"loyalty.schema.{name}" for name in SCHEMA_MODULES], exclude_imported=True),
    migration_dependencies=["piccolo.apps.user.piccolo_app"],
    commands=COMMANDS,
)
