"""Live and ready beside /health: live never asks the database; ready wants it reachable and
migrated. (With the database down: tests/api/test_outages.py.)"""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from piccolo.apps.migrations.tables import Migration

from loyalty.db.probes import shipped_migrations


async def test_live_and_ready_answer_ok_and_health_keeps_its_contract(client: httpx.AsyncClient) -> None:
    live = await client.get("/health/live")
    assert (live.status_code, live.json()) == (200, {"status": "ok"})
    ready = await client.get("/health/ready")
    assert (ready.status_code, ready.json()) == (200, {"status": "ok", "database": "ok", "migrations": "applied"})
    health = await client.get("/health")
    assert (health.status_code, health.json()) == (200, {"status": "ok", "database": "ok"})


@pytest.fixture
async def last_migration_undone() -> AsyncIterator[str]:
    """The newest shipped migration's row taken out of the table of migrations, as on a database
    this release's migrations have not yet run on; put back afterwards."""
    app, name = shipped_migrations()[-1]
    this = (Migration.app_name == app) & (Migration.name == name)
    row = await Migration.select(Migration.ran_on).where(this).first()
    assert row is not None
    await Migration.delete().where(this)
    yield f"{app}:{name}"
    await Migration.insert(Migration(app_name=app, name=name, ran_on=row["ran_on"]))


async def test_ready_is_a_503_problem_naming_the_migrations_not_run(
    client: httpx.AsyncClient, last_migration_undone: str
) -> None:
    ready = await client.get("/health/ready")
    assert ready.status_code == 503
    assert ready.headers["content-type"].startswith("application/problem+json")
    assert ready.headers["retry-after"] == "5"
    body = ready.json()
    assert body["code"] == "migrations_pending"
    assert body["pending"] == [last_migration_undone]
    assert "piccolo migrations forwards all" in body["detail"]
    # The process is alive, and the database itself answers.
    assert (await client.get("/health/live")).status_code == 200
    assert (await client.get("/health")).status_code == 200


async def test_a_migration_run_by_a_newer_release_does_not_make_this_one_unready(client: httpx.AsyncClient) -> None:
    await Migration.insert(Migration(app_name="loyalty", name="2099-01-01T00:00:00:000000"))
    try:
        assert (await client.get("/health/ready")).status_code == 200
    finally:
        await Migration.delete().where(Migration.name == "2099-01-01T00:00:00:000000")
