"""Guards: the UNIQUE and CHECK rules of the notification tables (see loyalty.guards)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from loyalty.db import current_engine
from loyalty.guards import NOTIFICATION_RULES, install

ID = "2026-11-22T19:35:36:290005"
VERSION = "1.38.0"
DESCRIPTION = "notification guards"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="notifications", description=DESCRIPTION)

    async def install_guards() -> None:
        await install(current_engine(), NOTIFICATION_RULES)

    manager.add_raw(install_guards)
    return manager
