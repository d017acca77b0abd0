"""Whether this process is ready to serve: the database answers, and every migration the code
ships has run on it.

Rules: read-only (unlike Piccolo's own ``migrations check``, a probe never creates the table of
migrations), a query for each, time-boxed by the caller. The migrations expected are those of
every app in ``piccolo_conf``'s registry, read from their folders once (they do not change while
the process runs); those that ran are read on every call. A migration that ran but is not on
disk (a newer release ran it) does not make a process unready.
"""

from __future__ import annotations

from dataclasses import dataclass

from piccolo.apps.migrations.tables import Migration

from loyalty.db.engines import current_engine, is_connection_failure


@dataclass(frozen=True)
class Readiness:
    database_reachable: bool
    pending_migrations: tuple[str, ...] = ()  # "app:migration id", oldest first

    @property
    def ready(self) -> bool:
        return self.database_reachable and not self.pending_migrations


_expected: tuple[tuple[str, str], ...] | None = None


def shipped_migrations() -> tuple[tuple[str, str], ...]:
    """(app, migration id) of every migration on disk, in the order Piccolo runs them."""
    global _expected
    if _expected is None:
        # Imported on first use: Piccolo's migration machinery is heavy, and only the probe needs it.
        from piccolo.apps.migrations.commands.base import BaseMigrationManager

        finder = BaseMigrationManager()
        found: list[tuple[str, str]] = []
        for config in finder.get_app_configs():
            modules = finder.get_migration_modules(config.resolved_migrations_folder_path)
            found.extend((config.app_name, migration_id) for migration_id in finder.get_migration_ids(modules))
        _expected = tuple(found)
    return _expected


async def readiness() -> Readiness:
    try:
        await current_engine().run_ddl("SELECT 1")
    except Exception:  # any failure to reach the database, as /health reads it
        return Readiness(database_reachable=False)
    try:
        ran = {(r["app_name"], r["name"]) for r in await Migration.select(Migration.app_name, Migration.name)}
    except Exception as exc:
        if is_connection_failure(exc):
            return Readiness(database_reachable=False)
        ran = set()  # no table of migrations: none has run
    pending = tuple(f"{app}:{name}" for app, name in shipped_migrations() if (app, name) not in ran)
    return Readiness(database_reachable=True, pending_migrations=pending)
