"""What ``/metrics`` reports (docs/operations.md, "Metrics", names every series).

* Per route and status: :func:`request_metrics`, labelled by the
  route *template* (``/api/v1/me/complaints/{complaint_id:int}``, never the id), so the number of
  series is bounded by the routes, not by the requests. The staff site is one route, ``/admin``.
  A path no route matches is not counted at all (Litestar answers it before any middleware).
* Problems: :data:`PROBLEMS`, every problem+json answer by status and machine code, counted where
  they are all built (``api.errors.problem``): the codes are a fixed set.
* Read at each scrape (:class:`Scrape`): the connection pool of this process, and the backlog
  (events, deliveries, jobs, campaign runs) from ``notifications.backlog``, whose figures are
  left out, with ``thanthiet_backlog_up 0``, when they could not be read in time.

Each API process is scraped on its own (no multiprocess mode): the request series are per
process; the backlog is the database's, the same from every process.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from typing import Any

from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from prometheus_client import REGISTRY, Counter, Gauge, Histogram, disable_created_metrics
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric

from loyalty.db import PoolUsage
from notifications.backlog import Snapshot

# A "_created" series beside every counter and histogram doubles the series for nothing we use.
disable_created_metrics()  # type: ignore[no-untyped-call]

LABELS = ("app_name", "method", "path", "status_code")
REQUESTS = Counter("thanthiet_http_requests", "requests by route, method and status", LABELS)
ERRORS = Counter("thanthiet_http_requests_error", "answers with a 5xx status, by route", LABELS)
DURATION = Histogram(
    "thanthiet_http_request_duration_seconds", "time from the request's arrival to its body sent", LABELS
)
IN_PROGRESS = Gauge("thanthiet_http_requests_in_progress", "requests being served, by route", LABELS[:3])
APP_NAME = "thanthiet"


class _Series:
    """The label children of one (method, route, status), looked up once: ``labels()`` takes a
    lock and builds a tuple per call, a cost every request would pay."""

    __slots__ = ("duration", "errors", "requests")

    def __init__(self, method: str, path: str, status: int) -> None:
        values = (APP_NAME, method, path, str(status))
        self.requests = REQUESTS.labels(*values)
        self.duration = DURATION.labels(*values)
        self.errors = ERRORS.labels(*values) if status >= 500 else None


_series: dict[tuple[str, str, int], _Series] = {}
_in_progress: dict[tuple[str, str], Any] = {}


def route_label(scope: Scope) -> str:
    """The route *template*; a mounted app (the admin, the staff login) by the path it is mounted
    at, since Litestar leaves a mount's template empty."""
    template = scope.get("path_template") or ""
    if template:
        return str(template)
    handler = scope.get("route_handler")
    return str(min(getattr(handler, "paths", None) or {"-"}))


def request_metrics(app: ASGIApp) -> ASGIApp:
    """Count and time each request by route template, method and status.

    Only while ``/metrics`` is on: with no METRICS_TOKEN nothing reads the figures, so none are
    taken. Hand-written rather than Litestar's Prometheus middleware, which built a ``Request`` and
    five label dicts per request: in-process it added 100-300 µs to a 150-250 µs probe, this
    10-40 µs (docs/operations.md, "Metrics").
    """

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        settings = getattr(scope["app"].state, "settings", None)
        if scope["type"] != ScopeType.HTTP or (settings is not None and settings.metrics_token is None):
            await app(scope, receive, send)
            return
        method: str = scope["method"]
        path = route_label(scope)
        gauge = _in_progress.get((method, path))
        if gauge is None:
            gauge = _in_progress[(method, path)] = IN_PROGRESS.labels(APP_NAME, method, path)
        started = time.perf_counter()
        status = 500
        duration = 0.0

        async def timed_send(message: Message) -> None:
            nonlocal status, duration
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                duration = time.perf_counter() - started
            await send(message)

        gauge.inc()
        try:
            await app(scope, receive, timed_send)
        finally:
            gauge.dec()
            series = _series.get((method, path, status))
            if series is None:
                series = _series[(method, path, status)] = _Series(method, path, status)
            series.requests.inc()
            series.duration.observe(duration or time.perf_counter() - started)
            if series.errors is not None:
                series.errors.inc()

    return middleware


PROBLEMS = Counter("thanthiet_problems", "problem+json answers, by HTTP status and machine code", ["status", "code"])


class Scrape:
    """One scrape: the process's registry, then what was read for this scrape."""

    def __init__(self, backlog: Snapshot | None, pool: PoolUsage | None, read_s: float) -> None:
        self.backlog = backlog
        self.pool = pool
        self.read_s = read_s

    def collect(self) -> Iterable[Metric]:
        yield from REGISTRY.collect()
        yield from pool_families(self.pool)
        up = 1.0 if self.backlog is not None else 0.0
        yield _gauge("thanthiet_backlog_up", "1 when the backlog figures were read, 0 when not in time", up)
        yield _gauge("thanthiet_backlog_read_seconds", "time taken to read the backlog figures", self.read_s)
        if self.backlog is not None:
            yield from backlog_families(self.backlog)


def pool_families(pool: PoolUsage | None) -> Iterator[Metric]:
    if pool is None:  # SQLite (loyalty.db.pool says why), or no pool open
        return
    connections = GaugeMetricFamily(
        "thanthiet_db_pool_connections", "PostgreSQL connections of this process's pool", labels=["state"]
    )
    connections.add_metric(["in_use"], pool.in_use)
    connections.add_metric(["idle"], pool.idle)
    yield connections
    yield _gauge("thanthiet_db_pool_max_connections", "most connections the pool opens", pool.max_size)


def backlog_families(backlog: Snapshot) -> Iterator[Metric]:
    yield _gauge("thanthiet_events_waiting", "domain events not yet turned into messages", backlog.events.count)
    age = backlog.events.oldest_age_s
    yield _gauge("thanthiet_events_oldest_waiting_seconds", "age of the oldest event waiting (0: none)", age)
    waiting = GaugeMetricFamily("thanthiet_deliveries_waiting", "deliveries not yet sent", labels=["status"])
    oldest = GaugeMetricFamily(
        "thanthiet_deliveries_oldest_waiting_seconds", "age of the oldest delivery waiting (0: none)", labels=["status"]
    )
    for status, figures in backlog.deliveries.items():
        waiting.add_metric([status], figures.count)
        oldest.add_metric([status], figures.oldest_age_s)
    yield waiting
    yield oldest
    yield from _job_families(backlog)
    yield from _campaign_families(backlog)


def _job_families(backlog: Snapshot) -> Iterator[Metric]:
    lag = GaugeMetricFamily("thanthiet_job_lag_seconds", "how long a job has been due (0: not due)", labels=["job"])
    running = GaugeMetricFamily("thanthiet_job_running", "1 while a worker holds the job", labels=["job"])
    failed = GaugeMetricFamily("thanthiet_job_last_run_failed", "1 when the job's last run failed", labels=["job"])
    success = GaugeMetricFamily(
        "thanthiet_job_last_success_timestamp_seconds", "when the job last succeeded (Unix time)", labels=["job"]
    )
    for job in backlog.jobs:
        lag.add_metric([job.name], job.lag_s)
        running.add_metric([job.name], 1.0 if job.running else 0.0)
        failed.add_metric([job.name], 1.0 if job.last_failed else 0.0)
        if job.last_success_at is not None:  # never succeeded: no sample, rather than a made-up time
            success.add_metric([job.name], job.last_success_at.timestamp())
    yield from (lag, running, failed, success)


def _campaign_families(backlog: Snapshot) -> Iterator[Metric]:
    runs = GaugeMetricFamily("thanthiet_campaign_runs_in_progress", "campaign runs not finished", labels=["gift"])
    labels = ["campaign", "gift"]
    done = GaugeMetricFamily("thanthiet_campaign_members_done", "members its runs in progress handled", labels=labels)
    total = GaugeMetricFamily("thanthiet_campaign_members_total", "members its runs in progress cover", labels=labels)
    counts = {"points": 0, "voucher": 0}
    sums: dict[tuple[str, str], tuple[int, int]] = {}
    for run in backlog.campaign_runs:
        counts[run.gift_kind] = counts.get(run.gift_kind, 0) + 1
        key = (str(run.campaign_id), run.gift_kind)
        before = sums.get(key, (0, 0))
        sums[key] = (before[0] + run.members_done, before[1] + run.members_total)
    for gift, count in counts.items():
        runs.add_metric([gift], count)
    for (campaign, gift), (members_done, members_total) in sorted(sums.items()):
        done.add_metric([campaign, gift], members_done)
        total.add_metric([campaign, gift], members_total)
    yield from (runs, done, total)


def _gauge(name: str, documentation: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, documentation, value=value)
