"""GET /metrics: Prometheus metrics, behind a bearer token of their own (``METRICS_TOKEN``).

No token configured: the metrics are off and the path answers 404, as a path that does not
exist. A missing or wrong token: 401 problem+json. The token is compared in constant time. Not
in the OpenAPI document: it is for the operators' scraper, not the app or the tills.
"""

from __future__ import annotations

import hmac
import logging
import time
from typing import Any

from litestar import Request, Response, get
from litestar.connection import ASGIConnection
from litestar.exceptions import NotFoundException
from litestar.handlers.base import BaseRouteHandler
from prometheus_client.exposition import choose_encoder

from api.auth import bearer
from api.errors import ApiProblem
from api.metrics import Scrape
from loyalty.db import pool_usage
from notifications import backlog

log = logging.getLogger("api.metrics")
# Well inside Prometheus's default scrape timeout (10 s): the request series still go out when
# the database is slow, which is when they matter.
BACKLOG_TIMEOUT_S = 2.0


def metrics_guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    token: str | None = connection.app.state.settings.metrics_token
    if token is None:
        raise NotFoundException()
    if not hmac.compare_digest(bearer(connection).encode(), token.encode()):
        raise ApiProblem(401, "unauthorized", "wrong metrics token")


@get("/metrics", guards=[metrics_guard], include_in_schema=False)
async def metrics(request: Request[Any, Any, Any]) -> Response[bytes]:
    # The pool is read apart from the backlog: a pool run dry is exactly when the backlog's
    # queries would not come back in time.
    pool = pool_usage()
    started = time.perf_counter()
    try:
        figures: backlog.Snapshot | None = await backlog.snapshot(timeout_s=BACKLOG_TIMEOUT_S)
    except Exception as exc:  # too slow, or the database is down: report what is known
        log.warning("metrics: backlog not read: %r", exc)
        figures = None
    encode, content_type = choose_encoder(request.headers.get("accept", ""))
    body = encode(Scrape(figures, pool, time.perf_counter() - started))
    # As a header: given as the media type, Litestar would add a second charset to it.
    return Response(body, headers={"Content-Type": content_type})
