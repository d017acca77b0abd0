"""firebase-admin reaches FCM over HTTPS with ALPN h2: the path the push benchmark measures."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from loyalty.events import EventKind
from notifications import dispatcher
from notifications.config import NotifySettings
from notifications.senders import FcmSender
from notifications.tables import Delivery
from tests.support.fake_fcm import FakeFcm
from tests.support.notifications import event, member_with_devices, statuses

T0 = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)


@pytest.fixture
def tls_fcm() -> Iterator[FakeFcm]:
    fake = FakeFcm(tls=True).start()
    yield fake
    fake.stop()


async def test_pushes_and_errors_travel_over_one_http2_connection(
    tls_fcm: FakeFcm, service_account: Path, settings: NotifySettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert tls_fcm.cert_file is not None
    monkeypatch.setenv("SSL_CERT_FILE", str(tls_fcm.cert_file))  # httpx trusts the fake's own certificate
    settings = dataclasses.replace(settings, fcm_endpoint=tls_fcm.tls_url)
    sender = FcmSender(str(service_account), endpoint=settings.fcm_endpoint)
    try:
        tokens = [f"ok-h2-{i}" for i in range(120)] + ["unregistered-h2", "invalid-h2"]
        member = await member_with_devices(*tokens)
        await event(EventKind.POINTS_EARNED, member, points=10, balance=10)
        await dispatcher.drain(sender, settings, now=T0)
    finally:
        await sender.aclose()
    assert tls_fcm.h2_connections == 1
    assert sorted(tls_fcm.tokens_sent(200)) == sorted(tokens[:120])
    assert await statuses() == {
        **{t: "sent" for t in tokens[:120]},
        "unregistered-h2": "failed",
        "invalid-h2": "failed",
    }
