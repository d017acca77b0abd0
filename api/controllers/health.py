"""GET /health: 200 when the database answers, 503 when it does not."""

from __future__ import annotations

import asyncio
import logging

from litestar import Response, get

from api.errors import RETRY_AFTER_S
from api.schemas import HealthOut
from loyalty.db import current_engine

log = logging.getLogger("api.health")
PROBE_TIMEOUT_S = 3.0


@get("/health", tags=["service"], summary="Liveness and database reachability")
async def health() -> Response[HealthOut]:
    try:
        await asyncio.wait_for(current_engine().run_ddl("SELECT 1"), PROBE_TIMEOUT_S)
    except Exception as exc:  # any failure to reach the database means "unavailable"
        log.warning("health: database unreachable: %s", exc)
        return Response(
            HealthOut("unavailable", "unreachable"), status_code=503, headers={"Retry-After": str(RETRY_AFTER_S)}
        )
    return Response(HealthOut("ok", "ok"))
