"""The ``loyalty`` Piccolo app: tables, migrations and staff commands."""

import os

from piccolo.conf.apps import AppConfig, table_finder

from loyalty.commands import COMMANDS

CURRENT_DIRECTORY = os.path.dirname(os.path.abspath(__file__))

APP_CONFIG = AppConfig(
    app_name="loyalty",
    migrations_folder_path=os.path.join(CURRENT_DIRECTORY, "piccolo_migrations"),
    table_classes=table_finder(
        modules=["loyalty.tables", "loyalty.complaint_tables", "loyalty.campaign_tables"], exclude_imported=True
    ),
    migration_dependencies=["piccolo.apps.user.piccolo_app"],
    commands=COMMANDS,
)
