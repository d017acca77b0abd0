"""/metrics: its own credential, per-route series by route template, problems by code, and the
backlog gauges read at scrape time, through the real app and the real database."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import httpx
import pytest
from litestar import Litestar, get
from litestar.params import FromPath
from prometheus_client.parser import text_string_to_metric_families

from api.controllers import metrics as metrics_route
from api.errors import EXCEPTION_HANDLERS
from api.metrics import request_metrics
from loyalty.events import EventKind
from loyalty.jobs import Job
from loyalty.schema import DomainEvent
from notifications import backlog, worker
from notifications.config import NotifySettings
from tests.conftest import IS_POSTGRES, member_headers
from tests.support.notifications import event, member_with_devices

TOKEN = "scrape-token-0123456789-abcdefghijklmnop"
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


@pytest.fixture
def metrics_on(app: Any) -> Iterator[dict[str, str]]:
    """The shared app with METRICS_TOKEN set, as the settings would carry it."""
    before = app.state.settings
    app.state.settings = dataclasses.replace(before, metrics_token=TOKEN)
    yield {"Authorization": f"Bearer {TOKEN}"}
    app.state.settings = before


def _samples(text: str) -> Samples:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


async def _scrape(client: httpx.AsyncClient, headers: dict[str, str]) -> Samples:
    response = await client.get("/metrics", headers=headers)
    assert response.status_code == 200, response.text
    return _samples(response.text)


def _value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def _requests(samples: Samples, path: str, status: str, method: str = "GET") -> float:
    labels = {"app_name": "thanthiet", "method": method, "path": path, "status_code": status}
    return _value(samples, "thanthiet_http_requests_total", **labels)


async def test_metrics_are_off_without_a_token_and_answer_as_a_path_that_does_not_exist(
    client: httpx.AsyncClient, app: Any
) -> None:
    assert app.state.settings.metrics_token is None
    off = await client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    missing = await client.get("/no-such-path")
    assert off.status_code == missing.status_code == 404
    assert off.headers["content-type"].startswith("application/problem+json")
    assert {k: off.json()[k] for k in ("type", "title", "status", "code", "detail")} == {
        k: missing.json()[k] for k in ("type", "title", "status", "code", "detail")
    }


@pytest.mark.parametrize(
    "authorization",
    [None, "", f"Basic {TOKEN}", f"Bearer {TOKEN[:-1]}", f"Bearer {TOKEN}x", f"Bearer {TOKEN.upper()}", "Bearer"],
)
async def test_metrics_refuse_a_missing_or_wrong_token_with_a_401_problem(
    client: httpx.AsyncClient, metrics_on: dict[str, str], authorization: str | None
) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    refused = await client.get("/metrics", headers=headers)
    assert refused.status_code == 401
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.headers["www-authenticate"] == "Bearer"
    assert refused.json()["code"] == "unauthorized"
    assert "thanthiet_" not in refused.text


async def test_a_member_or_till_credential_does_not_open_the_metrics(
    client: httpx.AsyncClient, metrics_on: dict[str, str], till: dict[str, Any]
) -> None:
    assert (await client.get("/metrics", headers=member_headers())).status_code == 401
    assert (await client.get("/metrics", headers=till["headers"])).status_code == 401


async def test_the_right_token_gets_prometheus_text_and_openmetrics_when_asked(
    client: httpx.AsyncClient, metrics_on: dict[str, str]
) -> None:
    plain = await client.get("/metrics", headers=metrics_on)
    assert plain.status_code == 200
    assert plain.headers["content-type"].startswith("text/plain; version=")
    assert plain.headers["content-type"].count("charset") == 1
    assert _value(_samples(plain.text), "thanthiet_backlog_up") == 1.0
    asked = {**metrics_on, "Accept": "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5"}
    openmetrics = await client.get("/metrics", headers=asked)
    assert openmetrics.headers["content-type"].startswith("application/openmetrics-text")
    assert openmetrics.text.endswith("# EOF\n")


async def test_metrics_and_the_probes_stay_out_of_the_openapi_document(client: httpx.AsyncClient) -> None:
    paths = (await client.get("/schema/openapi.json")).json()["paths"]
    assert "/health" in paths
    assert not {"/metrics", "/health/live", "/health/ready"} & set(paths)


async def test_requests_are_counted_per_route_template_never_per_raw_path(
    client: httpx.AsyncClient, metrics_on: dict[str, str]
) -> None:
    template = "/api/v1/me/complaints/{reference}"
    before = await _scrape(client, metrics_on)
    headers = member_headers("+84901230077")
    for reference in ("KN-20261201-ZZZ1", "KN-20261201-ZZZ2", "KN-20261201-ZZZ3"):
        answer = await client.get(f"/api/v1/me/complaints/{reference}", headers=headers)
        assert answer.status_code == 404, answer.text
    await client.get("/admin/")
    await client.get("/admin/api/tables/")

    after = await _scrape(client, metrics_on)

    assert _requests(after, template, "404") - _requests(before, template, "404") == 3
    duration = {"app_name": "thanthiet", "method": "GET", "path": template, "status_code": "404"}
    assert _value(after, "thanthiet_http_request_duration_seconds_count", **duration) >= 3
    assert _value(after, "thanthiet_http_request_duration_seconds_sum", **duration) > 0
    paths = {dict(labels).get("path") for name, labels in after if name == "thanthiet_http_requests_total"}
    assert not [p for p in paths if p and "ZZZ" in p]
    assert "" not in paths and not [p for p in paths if p and p.startswith("/admin/")]
    assert _requests(after, "/admin", "200") > _requests(before, "/admin", "200")


async def test_problem_answers_are_counted_by_status_and_code(
    client: httpx.AsyncClient, metrics_on: dict[str, str], till: dict[str, Any]
) -> None:
    before = await _scrape(client, metrics_on)
    await client.get("/api/v1/me")  # no credential
    await client.post(
        "/api/v1/pos/earn", headers=till["headers"], json={"member_code": "X", "receipt_no": "R-1", "amount": "250000"}
    )
    after = await _scrape(client, metrics_on)

    def problems(status: str, code: str) -> float:
        return _value(after, "thanthiet_problems_total", status=status, code=code) - _value(
            before, "thanthiet_problems_total", status=status, code=code
        )

    assert problems("401", "unauthorized") == 1
    assert problems("422", "validation_error") == 1


async def test_a_server_error_is_counted_as_an_error_of_its_route() -> None:
    @get("/boom/{n:int}")
    async def boom(n: FromPath[int]) -> None:
        raise RuntimeError("a bug")

    app = Litestar([boom], exception_handlers=EXCEPTION_HANDLERS, middleware=[request_metrics])
    labels = {"app_name": "thanthiet", "method": "GET", "path": "/boom/{n}", "status_code": "500"}

    def errors() -> float:
        from prometheus_client import REGISTRY

        return REGISTRY.get_sample_value("thanthiet_http_requests_error_total", labels) or 0.0

    before = errors()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=cast(Any, app)), base_url="http://t") as http:
        assert (await http.get("/boom/1")).status_code == 500
        assert (await http.get("/boom/2")).status_code == 500
    assert errors() - before == 2


async def test_a_waiting_event_and_delivery_show_in_the_gauges_with_a_plausible_age(
    client: httpx.AsyncClient, metrics_on: dict[str, str]
) -> None:
    member_id = await member_with_devices("tok-metrics-1")
    await event(EventKind.POINTS_EARNED, member_id, points=5, balance=5)
    await DomainEvent.update({DomainEvent.created_at: datetime.now(UTC) - timedelta(minutes=3)}, force=True)

    waiting = await _scrape(client, metrics_on)

    assert _value(waiting, "thanthiet_events_waiting") == 1
    assert 180 <= _value(waiting, "thanthiet_events_oldest_waiting_seconds") < 240
    assert _value(waiting, "thanthiet_deliveries_waiting", status="pending") == 0

    from notifications import dispatcher

    assert await dispatcher.materialize(NotifySettings()) == 1
    turned = await _scrape(client, metrics_on)

    assert _value(turned, "thanthiet_events_waiting") == 0
    assert _value(turned, "thanthiet_events_oldest_waiting_seconds") == 0
    assert _value(turned, "thanthiet_deliveries_waiting", status="pending") == 1
    assert 0 <= _value(turned, "thanthiet_deliveries_oldest_waiting_seconds", status="pending") < 60


async def test_a_jobs_last_success_and_lag_show(client: httpx.AsyncClient, metrics_on: dict[str, str]) -> None:
    async def tidy(now: datetime) -> int:
        return 1

    jobs = [Job("test.tidy", timedelta(minutes=5), tidy)]
    ran_at = datetime.now(UTC) - timedelta(minutes=7)
    await worker.schedule_jobs(jobs, now=ran_at)
    await worker.run_jobs(jobs, NotifySettings(), owner="w", now=ran_at)

    samples = await _scrape(client, metrics_on)

    assert _value(samples, "thanthiet_job_last_success_timestamp_seconds", job="test.tidy") == pytest.approx(
        ran_at.timestamp(), abs=0.001
    )
    assert 120 <= _value(samples, "thanthiet_job_lag_seconds", job="test.tidy") < 180  # due 2 minutes ago
    assert _value(samples, "thanthiet_job_last_run_failed", job="test.tidy") == 0
    assert _value(samples, "thanthiet_job_running", job="test.tidy") == 0


async def test_a_backlog_not_read_in_time_is_reported_down_and_the_request_series_still_go_out(
    client: httpx.AsyncClient, metrics_on: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    member_id = await member_with_devices("tok-metrics-2")
    await event(EventKind.POINTS_EARNED, member_id, points=5, balance=5)
    monkeypatch.setattr(metrics_route, "BACKLOG_TIMEOUT_S", 0.0)

    samples = await _scrape(client, metrics_on)

    assert _value(samples, "thanthiet_backlog_up") == 0
    assert not [name for name, _ in samples if name.startswith(("thanthiet_events_", "thanthiet_job_"))]
    assert [name for name, _ in samples if name == "thanthiet_http_requests_total"]
    assert (await backlog.snapshot(timeout_s=10)).events.count == 1  # the read went on to its end


@pytest.mark.postgres_only
async def test_the_connection_pool_in_use_and_its_size_show_on_postgresql(
    client: httpx.AsyncClient, metrics_on: dict[str, str]
) -> None:
    from loyalty.db import current_engine

    pool = cast(Any, current_engine()).pool
    held = [await pool.acquire(), await pool.acquire()]
    try:
        samples = await _scrape(client, metrics_on)
    finally:
        for connection in held:
            await pool.release(connection)
    assert _value(samples, "thanthiet_db_pool_max_connections") == 20
    assert _value(samples, "thanthiet_db_pool_connections", state="in_use") >= 2
    assert _value(samples, "thanthiet_db_pool_connections", state="idle") >= 0
    after = await _scrape(client, metrics_on)
    assert (
        _value(after, "thanthiet_db_pool_connections", state="in_use")
        <= _value(samples, "thanthiet_db_pool_connections", state="in_use") - 2
    )


@pytest.mark.sqlite_only
async def test_sqlite_reports_no_connection_pool(client: httpx.AsyncClient, metrics_on: dict[str, str]) -> None:
    samples = await _scrape(client, metrics_on)
    assert not [name for name, _ in samples if name.startswith("thanthiet_db_pool_")]
    assert not IS_POSTGRES


async def test_with_metrics_off_requests_are_not_measured(client: httpx.AsyncClient, app: Any) -> None:
    """Measuring costs the till earn throughput; with /metrics off nothing would read it."""
    before = app.state.settings
    app.state.settings = dataclasses.replace(before, metrics_token=TOKEN)
    headers = {"Authorization": f"Bearer {TOKEN}"}
    try:
        counted = _requests(await _scrape(client, headers), "/health/live", "200")
        app.state.settings = before
        assert (await client.get("/health/live")).status_code == 200  # metrics off: not counted
        app.state.settings = dataclasses.replace(before, metrics_token=TOKEN)
        assert _requests(await _scrape(client, headers), "/health/live", "200") == counted
        assert (await client.get("/health/live")).status_code == 200  # metrics on: counted
        assert _requests(await _scrape(client, headers), "/health/live", "200") == counted + 1
    finally:
        app.state.settings = before
