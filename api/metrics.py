"""What ``/metrics`` reports (docs/operations.md, "Metrics", names every series).

* Per route and status: Litestar's Prometheus middleware (:data:`HTTP_METRICS`), labelled by the
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

from collections.abc import Iterable, Iterator
from typing import Any

from litestar import Request
from litestar.enums import ScopeType
from litestar.plugins.prometheus import PrometheusConfig, PrometheusMiddleware
from litestar.types import Receive, Scope, Send
from prometheus_client import REGISTRY, Counter, disable_created_metrics
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric

from loyalty.db import PoolUsage
from notifications.backlog import Snapshot


class RouteTemplateMiddleware(PrometheusMiddleware):
    """Litestar's middleware, with a mounted app (the admin, the staff login) labelled by the path
    it is mounted at: Litestar leaves a mount's route template empty."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # Measuring every request cost about a quarter of the till earn's throughput (bench.earn on
        # PostgreSQL, 1 Dec 2026): with /metrics off (no METRICS_TOKEN) nothing reads the figures,
        # so none are taken.
        settings = getattr(scope["app"].state, "settings", None)
        if scope["type"] == ScopeType.HTTP and settings is not None and settings.metrics_token is None:
            await self.app(scope, receive, send)
            return
        await super().__call__(scope, receive, send)

    def _get_default_labels(self, request: Request[Any, Any, Any]) -> dict[str, str | int | float]:
        labels = super()._get_default_labels(request)
        if not labels["path"]:
            handler = request.scope.get("route_handler")
            labels["path"] = min(getattr(handler, "paths", None) or {"-"})
        return labels


HTTP_METRICS = PrometheusConfig(
    app_name="thanthiet", prefix="thanthiet_http", group_path=True, middleware_class=RouteTemplateMiddleware
)
# A "_created" series beside every counter and histogram doubles the series for nothing we use.
disable_created_metrics()  # type: ignore[no-untyped-call]
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
