"""The service's probes.

* GET /health (CONTRACT.md, unchanged): 200 when the database answers, 503 when it does not.
* GET /health/live: the process is up and serving; never touches the database, so a database
  outage does not get healthy processes restarted.
* GET /health/ready: the database answers and every migration the code ships has run on it
  (``loyalty.db.probes``); else 503 problem+json, ``database_unavailable`` or
  ``migrations_pending``, with ``Retry-After``, so a load balancer sends it no traffic yet.

Live and ready are for the orchestrator, not the app or the tills: they stay out of the OpenAPI
document.
"""

from __future__ import annotations

import logging
from typing import Any

from litestar import Response, get

from api.errors import RETRY_AFTER_S, database_unavailable, problem
from api.schemas import HealthOut, LiveOut, ReadyOut
from loyalty.db import OneAtATime, current_engine, readiness, within

log = logging.getLogger("api.health")
PROBE_TIMEOUT_S = 3.0
# Probes every few seconds from each orchestrator share one check while the database is slow.
_READINESS = OneAtATime(readiness)


@get("/health", tags=["service"], summary="Liveness and database reachability")
async def health() -> Response[HealthOut]:
    try:
        await within(PROBE_TIMEOUT_S, current_engine().run_ddl("SELECT 1"))
    except Exception as exc:  # any failure to reach the database means "unavailable"
        log.warning("health: database unreachable: %s", exc)
        return Response(
            HealthOut("unavailable", "unreachable"), status_code=503, headers={"Retry-After": str(RETRY_AFTER_S)}
        )
    return Response(HealthOut("ok", "ok"))


@get("/health/live", include_in_schema=False)
async def health_live() -> LiveOut:
    return LiveOut("ok")


@get("/health/ready", include_in_schema=False)
async def health_ready() -> Response[Any]:
    try:
        state = await _READINESS.within(PROBE_TIMEOUT_S)
    except TimeoutError:
        log.warning("ready: the database did not answer within %s s", PROBE_TIMEOUT_S)
        return database_unavailable()
    if not state.database_reachable:
        log.warning("ready: database unreachable")
        return database_unavailable()
    if state.pending_migrations:
        log.warning("ready: migrations not run: %s", ", ".join(state.pending_migrations))
        return problem(
            503,
            "migrations_pending",
            f"{len(state.pending_migrations)} migration(s) of this release have not run on the database: "
            "run `piccolo migrations forwards all`",
            headers={"Retry-After": str(RETRY_AFTER_S)},
            extra={"pending": list(state.pending_migrations)},
        )
    return Response(ReadyOut("ok", "ok", "applied"))
