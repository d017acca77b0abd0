"""Guards: the CHECK and multi-column UNIQUE rules of the initial tables (see loyalty.guards)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from loyalty.db import current_engine
from loyalty.guards import LEDGER_RULES, install

ID = "2026-11-22T19:31:01:359417"
VERSION = "1.38.0"
DESCRIPTION = "guards"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="loyalty", description=DESCRIPTION)

    async def install_guards() -> None:
        await install(current_engine(), LEDGER_RULES)

    manager.add_raw(install_guards)
    return manager
