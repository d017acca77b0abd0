"""Build the schema straight from the Table classes, without running the migrations:
``DATABASE_URL=… python -m tests.support.build_schema`` (run in its own process, because Piccolo
binds every table to the engine of ``piccolo_conf`` at import).

Every app's tables are created with ``create_db_tables`` (Piccolo's own DDL for each column), then
the raw forwards steps of our apps' migrations run in order: what Piccolo cannot declare (CHECK
rules, multi-column UNIQUE rules, partial indexes, SQLite triggers, seed data) exists only there.
A database built this way and one built by the migrations must be the same, or a Table class and
the migrations disagree.
"""

from __future__ import annotations

import asyncio
import importlib.util
from pathlib import Path
from typing import Any

from piccolo.conf.apps import Finder
from piccolo.table import create_db_tables

OUR_APPS = ("loyalty", "notifications")


def _migrations(finder: Finder, app_name: str) -> list[Any]:
    """The app's migration modules in order, loaded from their files (as Piccolo does)."""
    folder = Path(finder.get_app_config(app_name).resolved_migrations_folder_path)
    modules = []
    for path in folder.glob(f"{app_name}_*.py"):
        spec = importlib.util.spec_from_file_location(f"build_schema_{path.stem}", path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        modules.append(module)
    return sorted(modules, key=lambda module: str(module.ID))


async def main() -> None:
    finder = Finder()
    await create_db_tables(*finder.get_table_classes())
    for app_name in OUR_APPS:
        for module in _migrations(finder, app_name):
            manager = await module.forwards()
            for step in manager.raw:
                await step()


if __name__ == "__main__":
    asyncio.run(main())
