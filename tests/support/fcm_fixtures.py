"""Fixtures for tests that push: a fake FCM server, credentials for it, settings and a sender
(a pytest plugin of the root conftest, so the notification and admin tests share them)."""

from __future__ import annotations

import dataclasses
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from notifications.config import NotifySettings
from notifications.senders import FcmSender
from tests.conftest import PROJECT_ID
from tests.support.fake_fcm import FakeFcm, write_service_account


@pytest.fixture(scope="session")
def fake_fcm_server() -> Iterator[FakeFcm]:
    fake = FakeFcm().start()
    yield fake
    fake.stop()


@pytest.fixture
def fake_fcm(fake_fcm_server: FakeFcm) -> FakeFcm:
    fake_fcm_server.reset()
    fake_fcm_server.delay_s = 0.0
    return fake_fcm_server


@pytest.fixture(scope="session")
def service_account(fake_fcm_server: FakeFcm) -> Path:
    folder = Path(tempfile.mkdtemp(prefix="thanthiet-fcm-"))
    return write_service_account(
        folder / "service-account.json", token_uri=f"{fake_fcm_server.url}/token", project_id=PROJECT_ID
    )


@pytest.fixture
def settings(service_account: Path, fake_fcm: FakeFcm) -> NotifySettings:
    return dataclasses.replace(
        NotifySettings.from_env({}),
        google_application_credentials=str(service_account),
        fcm_endpoint=fake_fcm.url,
        max_attempts=3,
        backoff_base_s=1.0,
    )


@pytest.fixture
async def sender(settings: NotifySettings) -> AsyncIterator[FcmSender]:
    assert settings.google_application_credentials
    fcm = FcmSender(settings.google_application_credentials, endpoint=settings.fcm_endpoint)
    yield fcm
    await fcm.aclose()
