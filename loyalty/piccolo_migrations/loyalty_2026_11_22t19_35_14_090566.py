"""Guards: the UNIQUE and CHECK rules of the campaign tables (see loyalty.guards)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from loyalty.db import current_engine
from loyalty.guards import CAMPAIGN_RULES, install

ID = "2026-11-22T19:35:14:090566"
VERSION = "1.38.0"
DESCRIPTION = "campaign guards"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="loyalty", description=DESCRIPTION)

    async def install_guards() -> None:
        await install(current_engine(), CAMPAIGN_RULES)

    manager.add_raw(install_guards)
    return manager
