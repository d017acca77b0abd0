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
        tokens = [f"ok-h2-{i}" for i in range(120)] + ["unregistered-h2", "invalid-h2", "quota-h2-a", "quota-h2-b"]
        member = await member_with_devices(*tokens)
        await event(EventKind.POINTS_EARNED, member, points=10, balance=10)
        await dispatcher.drain(sender, settings, now=T0)
        # Both 429s are written back in the same statement, each with its own time and error.
        retried = await Delivery.select(Delivery.next_attempt_at, Delivery.last_error).where(
            Delivery.status == "pending"
        )
        assert len(retried) == 2
        assert all(r["next_attempt_at"] >= T0 + timedelta(seconds=2) for r in retried)
        assert all("RESOURCE_EXHAUSTED" in r["last_error"] for r in retried)
        await dispatcher.drain(sender, settings, now=T0 + timedelta(hours=1))
    finally:
        await sender.aclose()
    assert tls_fcm.h2_connections == 1
    ok = [*tokens[:120], "quota-h2-a", "quota-h2-b"]
    assert sorted(tls_fcm.tokens_sent(200)) == sorted(ok)
    assert await statuses() == {**{t: "sent" for t in ok}, "unregistered-h2": "failed", "invalid-h2": "failed"}
    # The FCM message name of each push is kept on its delivery.
    names = [r["provider_id"] for r in await Delivery.select(Delivery.provider_id).where(Delivery.status == "sent")]
    assert len(set(names)) == len(ok) and all(n.startswith("projects/") and "/messages/" in n for n in names)
