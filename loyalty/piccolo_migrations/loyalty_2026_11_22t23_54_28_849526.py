"""Guards: UNIQUE (run, number) of the campaign lanes (see loyalty.guards)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from loyalty.db import current_engine
from loyalty.guards import LANE_RULES, install

ID = "2026-11-22T23:54:28:849526"
VERSION = "1.38.0"
DESCRIPTION = "campaign lane guards"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="loyalty", description=DESCRIPTION)

    async def install_guards() -> None:
        await install(current_engine(), LANE_RULES)

    manager.add_raw(install_guards)
    return manager
