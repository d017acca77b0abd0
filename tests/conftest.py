"""Test set-up: the environment first, then a fresh database (SQLite or PostgreSQL), migrated.

``DATABASE_URL`` picks the engine: unset, a new SQLite file per run; ``postgresql://…``, that
database is emptied and migrated at the start. Every test starts from empty tables.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
from collections.abc import AsyncIterator, Iterator
from typing import Any

_TMP = tempfile.mkdtemp(prefix="thanthiet-test-")
os.environ["APP_ENV"] = "development"
os.environ["FIREBASE_AUTH_EMULATOR_HOST"] = "127.0.0.1:9099"
os.environ["FIREBASE_PROJECT_ID"] = "demo-thanthiet-test"
os.environ["EMBEDDED_WORKER"] = "false"
os.environ["DEMO_CREDENTIALS_FILE"] = os.path.join(_TMP, "demo-credentials")
os.environ["LEDGER_SIGNING_KEY_FILE"] = os.path.join(_TMP, "ledger-signing-key.pem")
os.environ["LEDGER_CHECKPOINT_DIR"] = os.path.join(_TMP, "ledger-checkpoints")  # tests that seal pass their own
os.environ["MEDIA_ROOT"] = os.path.join(_TMP, "media")  # reward images uploaded in tests
os.environ.pop("GOOGLE_APPLICATION_CREDENTIALS", None)
if not os.environ.get("DATABASE_URL"):
    os.environ["DATABASE_URL"] = f"sqlite:///{_TMP}/test.sqlite"
DATABASE_URL = os.environ["DATABASE_URL"]
IS_POSTGRES = DATABASE_URL.startswith(("postgres://", "postgresql://"))

import httpx  # noqa: E402
import pytest  # noqa: E402

from tests.support import database  # noqa: E402

database.prepare(DATABASE_URL)

PROJECT_ID = os.environ["FIREBASE_PROJECT_ID"]

pytest_plugins = ["tests.support.fcm_fixtures"]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "sqlite_only: runs only when the suite runs on SQLite")
    config.addinivalue_line("markers", "postgres_only: runs only when the suite runs on PostgreSQL")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # Engine-specific tests are deselected (not skipped): the other engine's CI run covers them.
    keep, drop = [], []
    for item in items:
        if (item.get_closest_marker("sqlite_only") and IS_POSTGRES) or (
            item.get_closest_marker("postgres_only") and not IS_POSTGRES
        ):
            drop.append(item)
        else:
            keep.append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


def pytest_report_header() -> str:
    return f"database: {'postgresql' if IS_POSTGRES else 'sqlite'} ({DATABASE_URL})"


@pytest.fixture(scope="session", autouse=True)
async def migrated() -> AsyncIterator[None]:
    await database.migrate()
    yield


@pytest.fixture(autouse=True)
async def empty_tables(migrated: None) -> AsyncIterator[None]:
    yield
    await database.empty_all_tables()
    # A checkpoint the worker's job sealed holds that test's members: the next test starts without it.
    shutil.rmtree(os.environ["LEDGER_CHECKPOINT_DIR"], ignore_errors=True)


@pytest.fixture(scope="session")
async def app(migrated: None) -> AsyncIterator[Any]:
    from api.app import create_app

    application = create_app()
    # Enter and leave the lifespan in one task: anyio cancel scopes demand it.
    started, stop = asyncio.Event(), asyncio.Event()

    async def run_lifespan() -> None:
        async with application.lifespan():
            started.set()
            await stop.wait()

    task = asyncio.create_task(run_lifespan())
    await asyncio.wait([task, asyncio.create_task(started.wait())], return_when=asyncio.FIRST_COMPLETED)
    if task.done():
        task.result()
    yield application
    stop.set()
    await task


@pytest.fixture
async def client(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    from api.rate_limit import RateLimits

    # Like the tables, the rate-limit counts start empty: the suite's tests share one app, one
    # client address and the same few member uids.
    app.state.rate_limits = RateLimits(app.state.settings)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


@pytest.fixture
def sqlite_path() -> Iterator[str]:
    from loyalty.db.engines import sqlite_path as path_of

    yield path_of(DATABASE_URL)


def member_token(phone: str = "+84901234567", **kwargs: Any) -> str:
    from loyalty.setup.dev_tokens import mint

    return mint(PROJECT_ID, phone=phone, **kwargs)


def member_headers(phone: str = "+84901234567") -> dict[str, str]:
    return {"Authorization": f"Bearer {member_token(phone)}"}


@pytest.fixture
async def till() -> dict[str, Any]:
    """A store Q1 with one till; returns its key and ids."""
    from loyalty.members import stores

    store = await stores.create_store("Q1", "Quận 1", city="Hồ Chí Minh")
    created = await stores.create_terminal("Q1", "Till 1")
    return {
        "key": created.key,
        "terminal_id": created.terminal_id,
        "store_id": store.id,
        "store_code": "Q1",
        "headers": {"Authorization": f"Bearer {created.key}"},
    }
